"""Merging two writers' changes to a book, and the locks that order them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.book import Book, GenerationSettings, Page, PlanStatus, ReviewState
from studio.core.booklock import GenerationLock
from studio.core.bookmerge import apply_into, merge
from studio.core.library import BookBusyError
from studio.core.review import set_review

LEAVES = st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.none())
JSON = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)


def test_each_side_keeps_what_only_it_changed() -> None:
    base = {"title": "A", "pages": [{"text": "one"}, {"text": "two"}], "n": 1}
    ours = {"title": "A", "pages": [{"text": "ONE"}, {"text": "two"}], "n": 1}
    theirs = {"title": "B", "pages": [{"text": "one"}, {"text": "TWO"}], "n": 1}
    assert merge(base, ours, theirs) == {
        "title": "B",
        "pages": [{"text": "ONE"}, {"text": "TWO"}],
        "n": 1,
    }


def test_lists_both_sides_grew_keep_every_new_item_theirs_first() -> None:
    base = {"log": [1, 2]}
    assert merge(base, {"log": [1, 2, 3]}, {"log": [1, 2, 9]}) == {"log": [1, 2, 9, 3]}


def test_where_both_changed_one_value_this_writer_wins() -> None:
    assert merge({"t": "a"}, {"t": "ours"}, {"t": "theirs"}) == {"t": "ours"}


def test_a_list_one_side_shortened_is_taken_whole() -> None:
    assert merge([1, 2, 3], [1, 2], [1, 2, 3, 4]) == [1, 2]
    assert merge([1, 2, 3], [1, 2, 3], [1]) == [1]


@settings(max_examples=200, deadline=None)
@given(JSON, JSON, JSON)
def test_merging_with_no_change_on_one_side_gives_the_other(
    a: object, b: object, c: object
) -> None:
    assert merge(a, a, b) == b
    assert merge(a, b, a) == b
    assert merge(a, c, c) == c


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text(max_size=3), JSON, max_size=6),
    st.dictionaries(st.text(max_size=3), JSON, max_size=3),
    st.dictionaries(st.text(max_size=3), JSON, max_size=3),
)
def test_changes_to_different_keys_both_survive(
    base: dict[str, object], mine: dict[str, object], others: dict[str, object]
) -> None:
    others = {k: v for k, v in others.items() if k not in mine}
    ours, theirs = {**base, **mine}, {**base, **others}
    merged = merge(base, ours, theirs)
    for key, value in mine.items():
        assert merged[key] == value
    for key, value in others.items():
        assert merged[key] == value


def _book() -> Book:
    return Book(
        settings=GenerationSettings(premise="a fox", pages=2),
        plan_status=PlanStatus.DONE,
        pages=[Page(number=1, text="one", scene="s1"), Page(number=2, text="two", scene="s2")],
    )


def test_the_other_writers_changes_come_into_the_live_book_in_place() -> None:
    book = _book()
    page_one = book.pages[0]
    ours = book.model_dump(mode="json")
    other = book.model_copy(deep=True)
    set_review(other, 1, ReviewState.NEEDS_CHANGES, "warmer light")
    other.title = "Foxes"
    theirs = other.model_dump(mode="json")
    apply_into(book, ours, merge(ours, ours, theirs))
    assert book.pages[0] is page_one, "a page the pipeline holds must stay the same object"
    assert page_one.review.notes == "warmer light"
    assert book.title == "Foxes"


def test_a_value_changed_since_the_snapshot_is_not_overwritten() -> None:
    book = _book()
    ours = book.model_dump(mode="json")
    book.pages[1].text = "newer, live"
    theirs = copy.deepcopy(ours)
    theirs["pages"][1]["text"] = "from disk"
    apply_into(book, ours, merge(ours, ours, theirs))
    assert book.pages[1].text == "newer, live"


def test_a_second_generation_lock_is_refused_even_in_one_process(tmp_path: Path) -> None:
    bundle = tmp_path / "b.storybook"
    bundle.mkdir()
    first, second = GenerationLock(bundle), GenerationLock(bundle)
    first.acquire()
    try:
        with pytest.raises(BookBusyError, match="already being generated in this window"):
            second.acquire()
    finally:
        first.release()
    second.acquire()
    second.release()


def test_locks_work_when_the_lock_folder_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lock folder would go")
    monkeypatch.setenv("STUDIO_LOCK_DIR", str(blocker / "locks"))
    bundle = tmp_path / "b.storybook"
    bundle.mkdir()
    first = GenerationLock(bundle)
    first.acquire()
    try:
        with pytest.raises(BookBusyError):
            GenerationLock(bundle).acquire()
    finally:
        first.release()
    assert blocker.read_text() == "a file where the lock folder would go"


async def test_a_cancelled_save_leaves_no_page_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import time

    from studio.core.library import BookStore, Bundle, Library

    bundle = Library(tmp_path / "library").create(_book())
    commit = Bundle.commit

    def slow_commit(self: Bundle, ours: dict[str, Any], base: dict[str, Any] | None) -> Any:
        time.sleep(0.2)
        return commit(self, ours, base)

    monkeypatch.setattr(Bundle, "commit", slow_commit)
    store = BookStore(bundle, bundle.load())
    store.book.pages.append(Page(number=3, text="three", scene="s3"))
    first = asyncio.ensure_future(store.save())
    await asyncio.sleep(0.05)
    first.cancel()  # as a cancelled run cancels its pending saves
    await asyncio.sleep(0.4)
    store.book.pages.append(Page(number=4, text="four", scene="s4"))
    await store.save()
    assert [p.text for p in bundle.load().pages] == ["one", "two", "three", "four"]
