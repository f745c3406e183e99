"""Reviewing a book page by page: marks, notes, a summary, and notes turned into instructions.

Plain functions on `Book`: no disk, no network. `set_review` changes the book it
is given (like every edit of a loaded book) and returns it; the caller saves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.book import Book, Page, Review, ReviewState
from studio.core.prompting import image_request

MAX_NOTE_CHARS = 2000
MAX_INSTRUCTION_NOTE_CHARS = 600


@dataclass(frozen=True)
class ReviewSummary:
    """Where the review of a book stands."""

    total: int
    approved: int
    needs_changes: int
    unreviewed: int
    pages_needing_changes: list[int]
    pages_left: list[int]
    """Pages not approved yet (unreviewed or needing changes), in order."""
    text: str

    @property
    def is_done(self) -> bool:
        return self.total > 0 and self.approved == self.total


def set_review(book: Book, number: int, state: ReviewState, notes: str | None = None) -> Book:
    """Mark page `number` with `state`. `notes=None` keeps the page's current notes."""
    page = _page(book, number)
    kept = page.review.notes if notes is None else _clean_note(notes)
    page.review = Review(state=state, notes=kept)
    return book


def review_summary(book: Book) -> ReviewSummary:
    states = [p.review.state for p in book.pages]
    changes = [p.number for p in book.pages if p.review.state is ReviewState.NEEDS_CHANGES]
    left = [p.number for p in book.pages if p.review.state is not ReviewState.APPROVED]
    approved = states.count(ReviewState.APPROVED)
    unreviewed = states.count(ReviewState.UNREVIEWED)
    return ReviewSummary(
        total=len(states),
        approved=approved,
        needs_changes=len(changes),
        unreviewed=unreviewed,
        pages_needing_changes=changes,
        pages_left=left,
        text=_summary_text(len(states), approved, unreviewed, changes),
    )


def rewrite_instruction(page: Page, typed: str = "") -> str:
    """What a rewrite of the page's words is asked to do: the author's typed
    instruction, then the review note (either may be empty)."""
    note = _one_line(page.review.notes)[:MAX_INSTRUCTION_NOTE_CHARS].rstrip()
    asked = f"Rewrite this page as the author's review note asks: {note}" if note else ""
    return " ".join(part for part in (_one_line(typed), asked) if part)


def redraw_prompt(book: Book, page: Page, typed: str = "", *, with_note: bool = False) -> str:
    """The prompt for redrawing the page's picture: its own prompt, then the change
    the author typed, then (`with_note`) the review note as a change request."""
    parts = [image_request(book, page).prompt]
    if typed.strip():
        parts.append(f"Change: {_one_line(typed)}")
    if with_note:
        parts.append(instruction_from_note(page))
    return "\n".join(parts)


def instruction_from_note(page: Page) -> str:
    """The reviewer's note as an instruction for redrawing the page's picture.

    The note says what to change; the instruction asks for that change and for
    everything else in the scene to stay as it is. A page without a note gets a
    plain request for a fresh take on the same scene.
    """
    note = _one_line(page.review.notes)[:MAX_INSTRUCTION_NOTE_CHARS].rstrip()
    if not note:
        return "Draw a fresh version of this picture, keeping the same scene and characters."
    if note[-1] not in ".!?":
        note += "."
    return (
        f"Redraw this picture with this change requested by the author: {note} "
        "Keep everything the note does not mention as it is: the scene, the characters' "
        "looks and the art style."
    )


def format_page_list(numbers: list[int]) -> str:
    """[3] -> 'page 3'; [3, 6] -> 'pages 3 and 6'; [1, 2, 5] -> 'pages 1, 2 and 5'."""
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    head = ", ".join(str(n) for n in numbers[:-1])
    return f"pages {head} and {numbers[-1]}"


def _page(book: Book, number: int) -> Page:
    for page in book.pages:
        if page.number == number:
            return page
    raise ValueError(f"The book has no page {number} (it has {len(book.pages)} pages).")


def _clean_note(notes: str) -> str:
    return notes.strip()[:MAX_NOTE_CHARS]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _summary_text(total: int, approved: int, unreviewed: int, changes: list[int]) -> str:
    if total == 0:
        return "The book has no pages to review yet."
    if approved == total:
        return f"All {total} pages approved."
    parts = [f"{approved} of {total} pages approved"]
    if changes:
        verb = "needs" if len(changes) == 1 else "need"
        parts.append(f"{format_page_list(changes)} {verb} changes")
    if unreviewed:
        parts.append(f"{unreviewed} not reviewed yet")
    return "; ".join(parts) + "."
