"""book.json and pictures that are not regular files, or are huge: refused without reading.

A FIFO in place of `book.json` used to hang `studio library` and the window (which
then could not quit); one linked to /dev/zero ended the listing with MemoryError.
Each case runs the real command in a child process with a timeout, so a hang is
a failure, not a stuck test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.library import MAX_BOOK_JSON_BYTES, BookFileError, Bundle, Library
from tests.reliability.helpers import REPO, studio, studio_env

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


def _offline_book(home: Path, library: Path) -> Path:
    run = studio("--library", library, "generate", "a mole who digs to the sea", "--pages", 2,
                 "--engine", "offline", env=studio_env(home))  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.bundle is not None
    return run.bundle


def _make_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _make_zero_link(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _make_huge(path: Path) -> None:
    with path.open("r+b") as handle:  # sparse: costs no disk
        handle.truncate(MAX_BOOK_JSON_BYTES * 4)


BROKEN = {
    "fifo": (_make_fifo, "a pipe (FIFO), not a file"),
    "dev-zero": (_make_zero_link, "a device, not a file"),
    "huge": (_make_huge, "too large"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_book_json_that_is_not_a_file_is_listed_as_unreadable(kind: str, tmp_path: Path) -> None:
    library = tmp_path / "library"
    good = _offline_book(tmp_path, library)
    bad = _offline_book(tmp_path, library)
    make, said = BROKEN[kind]
    make(bad / "book.json")
    env = studio_env(tmp_path)

    started = time.monotonic()
    listing = studio("--library", library, "library", env=env, timeout=60)
    took = time.monotonic() - started
    assert listing.code == 0, listing.stderr
    assert "unreadable" in listing.stdout
    assert str(good) in listing.stdout  # the good book is still listed
    assert took < 30

    check = studio("check", bad, env=env, timeout=60)
    assert check.code == 1
    assert said in check.stdout + check.stderr
    resume = studio("resume", bad, env=env, timeout=60)
    assert resume.code == 1
    assert said in resume.stderr
    assert studio("check", good, env=env, timeout=60).code == 0


def test_reading_a_huge_book_json_costs_no_memory(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    bundle = _offline_book(tmp_path, library.root)
    _make_huge(bundle / "book.json")
    code = (
        "import resource, sys\n"
        "from studio.core.library import BookFileError, Bundle\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"try:\n    Bundle(__import__('pathlib').Path({str(bundle)!r})).load()\n"
        "except BookFileError as err:\n    print(err)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    message, grown_kib = done.stdout.strip().splitlines()
    assert "too large" in message
    assert int(grown_kib) < 8 * 1024, f"reading grew the process by {grown_kib} KiB"


def test_a_picture_that_is_a_fifo_does_not_hang_check_or_export(tmp_path: Path) -> None:
    library = tmp_path / "library"
    bundle = _offline_book(tmp_path, library)
    book = Bundle(bundle).load()
    current = book.page(1).image.current
    assert current is not None
    for name in (current.original, current.display):
        _make_fifo(bundle / "images" / name)
    env = studio_env(tmp_path)
    check = studio("check", bundle, "--json", env=env, timeout=60)
    report = json.loads(check.stdout)
    assert report["images_done"] == 1
    assert any("pipe (FIFO)" in p for p in report["problems"])
    out = tmp_path / "out.pdf"
    export = studio("export", bundle, "--format", "pdf", "--out", out, env=env, timeout=60)
    assert export.code == 0, export.stderr
    assert "Page 1's picture file cannot be read" in export.stderr
    assert out.stat().st_size > 0


def test_the_loader_never_opens_a_fifo_for_blocking_reads(tmp_path: Path) -> None:
    bundle = Bundle(tmp_path / "x.storybook")
    bundle.path.mkdir()
    os.mkfifo(bundle.book_file)
    started = time.monotonic()
    with pytest.raises(BookFileError, match="pipe"):
        bundle.load()
    assert time.monotonic() - started < 5


def test_importing_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    archive = tmp_path / "shared.storybook.zip"
    os.mkfifo(archive)
    run = studio("--library", tmp_path / "library", "import", archive,
                 env=studio_env(tmp_path), timeout=60)  # fmt: skip
    assert run.code == 1
    assert "is a pipe (FIFO), not a .storybook.zip archive" in run.stderr
    assert not (tmp_path / "library").exists() or not any((tmp_path / "library").iterdir())
