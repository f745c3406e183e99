import json
import os
from pathlib import Path

import pytest

from studio.core.book import SCHEMA_VERSION, Book, GenerationSettings, ImageStatus, Page
from studio.core.library import (
    BookFileError,
    Bundle,
    Library,
    atomic_write,
    default_library_dir,
)


def make_book(title: str = "A Tale") -> Book:
    book = Book(
        title=title, settings=GenerationSettings(premise="a fox who learns to swim", pages=2)
    )
    book.pages = [Page(number=1, text="One.", scene="s1"), Page(number=2, text="Two.", scene="s2")]
    return book


def test_save_then_load_gives_the_same_book(tmp_path: Path) -> None:
    library = Library(tmp_path)
    bundle = library.create(make_book())
    assert bundle.path.name == "a-tale.storybook"
    assert (bundle.path / "images").is_dir()
    assert bundle.load() == make_book().model_copy(
        update={
            "id": bundle.load().id,
            "created_at": bundle.load().created_at,
            "updated_at": bundle.load().updated_at,
        }
    )


def test_names_never_collide(tmp_path: Path) -> None:
    library = Library(tmp_path)
    paths = {library.create(make_book()).path.name for _ in range(3)}
    assert paths == {"a-tale.storybook", "a-tale-2.storybook", "a-tale-3.storybook"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"title": 1}', "schema_version"),
        (json.dumps({"schema_version": 99}).encode(), "newer Story Studio"),
        (
            json.dumps({"schema_version": SCHEMA_VERSION, "settings": {}}).encode(),
            "settings.premise",
        ),
    ],
)
def test_a_broken_book_names_the_file_and_the_problem(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    bundle = Bundle(tmp_path / "x.storybook")
    bundle.path.mkdir()
    bundle.book_file.write_bytes(content)
    with pytest.raises(BookFileError) as err:
        bundle.load()
    assert str(bundle.book_file) in str(err.value)
    assert expected in str(err.value)


def test_missing_book_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(BookFileError, match="missing"):
        Bundle(tmp_path / "nothing.storybook").load()


def test_a_picture_left_running_by_a_crash_is_pending_again(tmp_path: Path) -> None:
    book = make_book()
    book.pages[0].image.status = ImageStatus.RUNNING
    bundle = Library(tmp_path).create(book)
    assert bundle.load().pages[0].image.status is ImageStatus.PENDING


def test_atomic_write_leaves_no_temp_files_and_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "book.json"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["book.json"]


def test_image_names_cannot_leave_the_bundle(tmp_path: Path) -> None:
    bundle = Bundle(tmp_path / "b.storybook")
    for name in ("../x.png", "/etc/passwd", ".hidden", "a\\b.png", ""):
        with pytest.raises(BookFileError):
            bundle.image_path(name)


def test_library_lists_renames_duplicates_and_deletes(tmp_path: Path) -> None:
    library = Library(tmp_path)
    bundle = library.create(make_book("First"))
    library.rename(bundle, "Renamed")
    copy = library.duplicate(bundle)
    titles = sorted(s.title for s in library.summaries())
    assert titles == ["Renamed", "Renamed (copy)"]
    assert copy.load().id != bundle.load().id
    library.delete(copy)
    assert [s.title for s in library.summaries()] == ["Renamed"]
    assert [s.state for s in library.summaries()] == ["unfinished"]


def test_unreadable_book_is_listed_with_its_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.storybook"
    broken.mkdir()
    (broken / "book.json").write_text("{")
    [summary] = Library(tmp_path).summaries()
    assert summary.state == "unreadable"
    assert "not valid JSON" in (summary.error or "")


def test_library_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUDIO_LIBRARY", str(tmp_path / "lib"))
    assert default_library_dir() == tmp_path / "lib"


def test_picture_names_that_leave_the_bundle_are_refused_on_load(tmp_path: Path) -> None:
    book = make_book()
    data = json.loads(book.model_dump_json())
    data["pages"][0]["image"]["current"] = {
        "original": "../x.png",
        "display": "a.jpg",
        "thumbnail": "b.jpg",
    }
    bundle = Bundle(tmp_path / "bad.storybook")
    bundle.path.mkdir()
    bundle.book_file.write_text(json.dumps(data))
    with pytest.raises(BookFileError, match="plain picture file name"):
        bundle.load()


def test_page_numbers_follow_the_reading_order(tmp_path: Path) -> None:
    data = json.loads(make_book().model_dump_json())
    data["pages"][0]["number"], data["pages"][1]["number"] = 9, 9
    bundle = Bundle(tmp_path / "odd.storybook")
    bundle.path.mkdir()
    bundle.book_file.write_text(json.dumps(data))
    assert [p.number for p in bundle.load().pages] == [1, 2]


def test_temp_files_left_by_a_killed_process_are_cleaned(tmp_path: Path) -> None:
    bundle = Library(tmp_path).create(make_book())
    old = bundle.images_dir / ".p001-abc.png.x1y2.tmp"
    fresh = bundle.path / ".book.json.z9.tmp"
    old.write_bytes(b"half a picture")
    fresh.write_bytes(b"being written right now")
    os.utime(old, (1, 1))
    assert bundle.remove_stale_temp_files() == 1
    assert not old.exists() and fresh.exists()
