"""What an author's rewrite instruction asks of the offline engine, and what it cannot do.

The offline engine rewrites a page with templates: it can make a page rhyme,
shorter, longer, funnier, more exciting or gentler (rewrite.toml), move it to a
time of day ("at night", vocabulary.toml times) and bring in a character or a
thing the vocabulary knows ("add the moth"). `read_instruction` says which of
these an instruction asks for and, in `needs_model`, what it asks that only a
model can write, so that the window can say so instead of pretending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.offline.data import offline_data
from studio.core.offline.lexicon import find_species
from studio.core.understanding import TimeKey

_FILLER = frozenset(
    {
        "make", "it", "the", "a", "an", "this", "page", "please", "more", "bit", "little",
        "and", "at", "in", "to", "be", "so", "much", "very", "add", "with", "put", "of",
        "some", "lot", "lots", "less", "me", "can", "you", "rewrite", "write", "again", "i",
        "want", "try", "have", "set", "ly", "er",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Instruction:
    """What the offline engine makes of one instruction."""

    styles: tuple[str, ...]
    """The rewrite.toml instructions it asks for: rhyme, shorter, funnier, ..."""
    time: TimeKey | None
    """The time of day the page should happen at."""
    adds: tuple[str, ...]
    """Characters or things to bring into the page ("moth")."""
    needs_model: str | None
    """A sentence for the author when part of the instruction cannot be done offline."""

    @property
    def applied(self) -> bool:
        """Whether the offline engine does all of what was asked."""
        return self.needs_model is None


def read_instruction(instruction: str) -> Instruction:
    """Read an author's instruction ("make it rhyme", "at night", "add the moth")."""
    wish = " ".join(instruction.lower().split())
    cues = offline_data().rewrite.instructions
    styles = tuple(
        name
        for name in ("rhyme", "shorter", "funnier", "exciting", "gentle", "longer")
        if any(stem in wish for stem in getattr(cues, name))
    )
    time = _time(wish)
    adds = (
        tuple(kind for _, kind in find_species(wish))
        if re.search(r"\badd|\bwith\b|\bput\b", wish)
        else ()
    )
    leftover = _leftover(wish, styles, time, adds)
    needs = None
    if leftover:
        needs = (
            f"The offline engine cannot do \u201c{instruction.strip()}\u201d: it rewrites pages "
            "only to rhyme, be shorter, longer, funnier, more exciting or gentler, happen at "
            "another time of day, or bring in a character it knows. This needs a model "
            "(Settings > Provider)."
        )
    return Instruction(styles, time, adds, needs)


def _time(wish: str) -> TimeKey | None:
    for word, time in offline_data().vocabulary.times.items():
        if re.search(rf"\b{re.escape(word)}\b", wish):
            return time
    return None


def _leftover(
    wish: str, styles: tuple[str, ...], time: TimeKey | None, adds: tuple[str, ...]
) -> list[str]:
    """The words of the instruction that none of what was understood accounts for."""
    cues = offline_data().rewrite.instructions
    stems = [stem for name in styles for stem in getattr(cues, name)]
    times = offline_data().vocabulary.times
    left: list[str] = []
    for word in re.findall(r"[a-z']+", wish):
        if word in _FILLER or any(word.startswith(s) for s in stems):
            continue
        if (time and word in times) or any(word.startswith(a.split()[-1]) for a in adds):
            continue
        if any(word in a.split() for a in adds):
            continue
        left.append(word)
    return left
