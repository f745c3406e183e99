"""The offline engine: a story composer and a Pillow painter that need no network.

`compose_plan` writes a short picture-book story from a premise; `paint_scene`
paints one page's illustration from its scene, style and characters.
"""

from studio.core.offline.painter import paint_scene, paint_with_preview
from studio.core.offline.story import compose_plan, rewrite_page

__all__ = ["compose_plan", "paint_scene", "paint_with_preview", "rewrite_page"]
