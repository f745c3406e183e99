"""A full disk and a read-only disk under the library, through the studio command.

A small tmpfs is mounted for each test (root, as here and in CI). Without root the
mount tests fail when the `CI` variable is set and skip elsewhere, saying why; the
in-process tests at the end simulate ENOSPC, EROFS and EDQUOT at each step of an
atomic write and run anywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core import atomic as atomic_module
from studio.core.book import ImageStatus
from studio.core.library import Bundle, StorageError, atomic_write
from tests.reliability.helpers import assert_consistent, leftovers, studio, studio_env

PAGES = 2


class Tmpfs:
    """A tmpfs mounted at `path`, unmounted by the fixture."""

    def __init__(self, path: Path, size: str) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True
        )

    def remount(self, opts: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{opts}", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def tmpfs_factory(tmp_path: Path) -> Iterator[type]:
    if os.geteuid() != 0 or not shutil.which("mount"):
        problem = "mounting a tmpfs needs root (the simulated tests below still ran)"
        if os.environ.get("CI"):
            pytest.fail(f"disk tests cannot run: {problem}")
        pytest.skip(problem)
    made: list[Tmpfs] = []

    class Factory:
        @staticmethod
        def make(name: str, size: str) -> Tmpfs:
            fs = Tmpfs(tmp_path / name, size)
            made.append(fs)
            return fs

    yield Factory
    for fs in made:
        fs.unmount()


@pytest.fixture(scope="module")
def finished_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete 2-page offline book, made once and copied by the tests."""
    root = tmp_path_factory.mktemp("book")
    run = studio(
        "--library", root / "library", "generate", "an otter who builds a boat",
        "--pages", PAGES, "--engine", "offline", env=studio_env(root / "home"),
    )  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.bundle is not None
    return run.bundle


def _unfinished_copy(book: Path, library: Path) -> Path:
    """Copy `book` into `library` with its last page waiting for a picture."""
    library.mkdir(parents=True, exist_ok=True)
    target = library / book.name
    shutil.copytree(book, target)
    bundle = Bundle(target)
    loaded = bundle.load()
    loaded.pages[-1].image.status = ImageStatus.FAILED
    loaded.pages[-1].image.error = "The server at example had a problem (500)."
    bundle.save(loaded)
    return target


def _fill(folder: Path) -> Path:
    """Fill the file system to the last byte (unbuffered, so closing cannot fail)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as err:
                assert err.errno == errno.ENOSPC
    return filler


def test_disk_fills_during_generation(tmpfs_factory: type, tmp_path: Path) -> None:
    fs = tmpfs_factory.make("small", "300k")
    env = studio_env(tmp_path / "home")
    library = fs.path / "library"
    run = studio(
        "--library", library, "generate", "a mole who paints the sky", "--pages", PAGES,
        "--engine", "offline", env=env,
    )  # fmt: skip
    assert run.code == 1, (run.code, run.stderr)
    assert "disk is full" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert leftovers(fs.path) == []
    (bundle,) = library.glob("*.storybook")
    state = assert_consistent(bundle)  # book.json loads; what is done decodes
    assert state["book"].pages, "the story text was saved before the disk filled"

    fs.remount("size=40m")
    again = studio("resume", bundle, env=env)
    assert again.code == 0, again.stderr
    assert assert_consistent(bundle)["done"] == PAGES


def test_full_disk_keeps_the_previous_book_json(
    tmpfs_factory: type, tmp_path: Path, finished_book: Path
) -> None:
    fs = tmpfs_factory.make("full", "20m")
    env = studio_env(tmp_path / "home")
    bundle = _unfinished_copy(finished_book, fs.path / "library")
    before = (bundle / "book.json").read_bytes()
    filler = _fill(fs.path)

    run = studio("resume", bundle, env=env)
    assert run.code == 1, run.stderr
    assert "disk is full" in run.stderr and "previous copy is intact" in run.stderr, run.stderr
    exported = studio("export", bundle, "--format", "pdf", "--out", fs.path / "b.pdf", env=env)
    assert exported.code == 1, exported.stderr
    assert "Traceback" not in run.stderr + exported.stderr
    assert (bundle / "book.json").read_bytes() == before
    assert leftovers(fs.path) == [] and not (fs.path / "b.pdf").exists()

    filler.unlink()
    again = studio("resume", bundle, env=env)
    assert again.code == 0, again.stderr
    assert assert_consistent(bundle)["done"] == PAGES


def test_read_only_library(tmpfs_factory: type, tmp_path: Path, finished_book: Path) -> None:
    fs = tmpfs_factory.make("ro", "20m")
    env = studio_env(tmp_path / "home")
    library = fs.path / "library"
    bundle = _unfinished_copy(finished_book, library)
    before = (bundle / "book.json").read_bytes()
    fs.remount("ro")

    run = studio("resume", bundle, env=env)
    assert run.code == 1, run.stderr
    assert "read-only" in run.stderr.lower(), run.stderr
    new = studio(
        "--library", library, "generate", "a crow who counts stars", "--pages", PAGES,
        "--engine", "offline", env=env,
    )  # fmt: skip
    assert new.code == 1, new.stderr
    assert "read-only" in new.stderr.lower(), new.stderr
    assert "Traceback" not in run.stderr + new.stderr
    assert sorted(p.name for p in library.iterdir()) == [bundle.name]
    assert (bundle / "book.json").read_bytes() == before

    fs.remount("rw")
    assert leftovers(fs.path) == []
    again = studio("resume", bundle, env=env)
    assert again.code == 0, again.stderr


# --- Simulated, in-process: every step of an atomic write failing -------------------


@pytest.mark.parametrize("step", ["create", "write", "fsync", "replace"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EDQUOT])
def test_atomic_write_failing_at_any_step_keeps_the_old_file(
    step: str, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "book.json"
    target.write_bytes(b'{"old": true}')

    def fail(*_: object, **__: object) -> None:
        raise OSError(code, os.strerror(code))

    if step == "create":
        real_open = os.open

        def create(path: str | os.PathLike[str], flags: int, *args: int) -> int:
            if flags & os.O_CREAT and Path(path).parent == tmp_path:
                fail()
            return real_open(path, flags, *args)

        monkeypatch.setattr(atomic_module.os, "open", create)
    elif step == "write":
        real_fdopen = os.fdopen

        def fdopen(fd: int, mode: str) -> object:
            handle = real_fdopen(fd, mode)
            handle.write = fail  # type: ignore[method-assign]
            return handle

        monkeypatch.setattr(atomic_module.os, "fdopen", fdopen)
    elif step == "fsync":
        monkeypatch.setattr(atomic_module.os, "fsync", fail)
    else:
        monkeypatch.setattr(atomic_module.os, "replace", fail)

    with pytest.raises(StorageError) as caught:
        atomic_write(target, b'{"new": true}')
    message = str(caught.value)
    assert "book.json" in message and "previous copy is intact" in message
    assert any(w in message for w in ("disk is full", "read-only", "quota")), message
    monkeypatch.undo()
    assert target.read_bytes() == b'{"old": true}'
    assert leftovers(tmp_path) == []
