from __future__ import annotations

import pytest

from studio.core.book import Book, GenerationSettings, Page, ReviewState
from studio.core.review import (
    format_page_list,
    instruction_from_note,
    review_summary,
    set_review,
)


def _book(pages: int = 8) -> Book:
    return Book(
        settings=GenerationSettings(premise="A fox", pages=pages),
        pages=[Page(number=n, text=f"Text {n}", scene=f"Scene {n}") for n in range(1, pages + 1)],
    )


def test_set_review_marks_the_page_and_keeps_notes_when_none_given():
    book = _book()
    set_review(book, 3, ReviewState.NEEDS_CHANGES, "  The fox should be red.  ")
    assert book.page(3).review.state is ReviewState.NEEDS_CHANGES
    assert book.page(3).review.notes == "The fox should be red."
    set_review(book, 3, ReviewState.APPROVED)
    assert book.page(3).review.notes == "The fox should be red."
    assert set_review(book, 3, ReviewState.APPROVED, "") is book
    assert book.page(3).review.notes == ""


def test_set_review_on_a_missing_page_says_so():
    with pytest.raises(ValueError, match=r"no page 9 .*8 pages"):
        set_review(_book(), 9, ReviewState.APPROVED, "")


def test_summary_counts_and_names_the_pages_needing_changes():
    book = _book()
    for n in range(1, 9):
        state = ReviewState.NEEDS_CHANGES if n in (3, 6) else ReviewState.APPROVED
        set_review(book, n, state, "")
    summary = review_summary(book)
    assert (summary.approved, summary.needs_changes, summary.unreviewed) == (6, 2, 0)
    assert summary.pages_needing_changes == [3, 6]
    assert summary.pages_left == [3, 6]
    assert summary.text == "6 of 8 pages approved; pages 3 and 6 need changes."
    assert not summary.is_done


def test_summary_mentions_unreviewed_pages_and_completion():
    book = _book(4)
    set_review(book, 2, ReviewState.NEEDS_CHANGES, "darker")
    summary = review_summary(book)
    assert summary.text == "0 of 4 pages approved; page 2 needs changes; 3 not reviewed yet."
    assert summary.pages_left == [1, 2, 3, 4]
    for n in range(1, 5):
        set_review(book, n, ReviewState.APPROVED)
    assert review_summary(book).text == "All 4 pages approved."
    assert review_summary(book).is_done


def test_page_lists_read_naturally():
    assert format_page_list([3]) == "page 3"
    assert format_page_list([1, 2, 5]) == "pages 1, 2 and 5"


def test_instruction_carries_the_note_and_keeps_the_rest():
    book = _book(2)
    set_review(book, 1, ReviewState.NEEDS_CHANGES, "Make the lantern\n brighter")
    instruction = instruction_from_note(book.page(1))
    assert "Make the lantern brighter." in instruction
    assert "Keep everything" in instruction
    assert "fresh version" in instruction_from_note(book.page(2))
