"""The offline engine: a story composer and a Pillow painter that need no network.

`understand` reads what a premise is about (an `Understanding` an author may
correct); `compose_plan` writes a short picture-book story from a premise, in
English or Spanish (`writes_language`); `paint_scene` paints one page's
illustration from its scene, style and characters; `read_instruction` says
what of a rewrite instruction the engine can do and what needs a model.
"""

from studio.core.offline.instructions import Instruction, read_instruction
from studio.core.offline.language import language_notice, rewrite_notice, writes_language
from studio.core.offline.painter import paint_scene, paint_with_preview
from studio.core.offline.story import compose_plan, rewrite_page
from studio.core.offline.understand import understand
from studio.core.understanding import Companion, Understanding

__all__ = [
    "Companion",
    "Instruction",
    "Understanding",
    "compose_plan",
    "language_notice",
    "paint_scene",
    "paint_with_preview",
    "read_instruction",
    "rewrite_notice",
    "rewrite_page",
    "understand",
    "writes_language",
]
