"""The one way the studio replaces a file: whole, durable, and with a message when it cannot."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from studio.core import atomic
from studio.core.atomic import atomic_write, create_temp
from studio.core.storage_errors import StorageError


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_the_new_bytes_replace_the_old_and_nothing_is_left_beside_them(tmp_path: Path) -> None:
    target = tmp_path / "book.json"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_written_file_is_private_unless_a_mode_is_asked_for(tmp_path: Path) -> None:
    with umask(0o022):
        atomic_write(tmp_path / "book.json", b"{}")
        atomic_write(tmp_path / "marker.json", b"{}", mode=0o666)
    assert stat.S_IMODE((tmp_path / "book.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "marker.json").stat().st_mode) == 0o644


def test_temporary_names_sit_beside_the_target_without_doubled_dots(tmp_path: Path) -> None:
    for target, suffix, wanted in [
        (tmp_path / "book.json", ".tmp", r"\.book\.json\.[0-9a-f]{8}\.tmp"),
        (tmp_path / ".storystudio-export.json", ".part", r"\.storystudio-export\.json\.[0-9a-f]{8}\.part"),
    ]:  # fmt: skip
        path, fd = create_temp(target, suffix=suffix)
        os.close(fd)
        assert path.parent == tmp_path and re.fullmatch(wanted, path.name), path.name


def test_a_missing_folder_is_named_and_no_old_copy_is_claimed(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        atomic_write(tmp_path / "gone" / "book.json", b"{}")
    message = str(caught.value)
    assert message.startswith(f"Could not save book.json in {tmp_path / 'gone'}: ")
    assert "intact" not in message


@pytest.mark.skipif(atomic.fcntl is None, reason="needs flock")
def test_a_held_temporary_file_is_locked_until_it_has_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    seen: list[bool] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        for draft in tmp_path.glob(".marker.json.*.part"):
            probe = os.open(draft, os.O_RDONLY)
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen.append(False)
            except BlockingIOError:
                seen.append(True)
            finally:
                os.close(probe)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    atomic_write(tmp_path / "marker.json", b"{}", suffix=".part", hold_lock=True)
    assert seen == [True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marker.json"]
