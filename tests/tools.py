"""Helpers for tests that need an outside tool or a special folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest


def missing_tool(message: str) -> NoReturn:
    """Skip on a developer's machine; fail in CI, which must install every tool."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI installs it: see scripts/test.sh)")
    pytest.skip(message)


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder nobody can write to, root included (a read-only tmpfs when root)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        path.chmod(0o500)
        try:
            yield path
        finally:
            path.chmod(0o700)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def require_tools(*names: str) -> None:
    """Skip (or fail in CI) unless every command in `names` is on PATH."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        missing_tool(f"{', '.join(missing)} not installed (see the apt-get line in .ci/run)")


def require_tesseract_languages(*codes: str) -> None:
    """Skip (or fail in CI) unless tesseract has the trained data for `codes` ("jpn", "ara")."""
    require_tools("tesseract")
    run = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
    have = set(run.stdout.split())
    missing = [code for code in codes if code not in have]
    if missing:
        missing_tool(
            f"tesseract has no data for {', '.join(missing)} "
            f"(apt-get install {' '.join('tesseract-ocr-' + c.replace('_', '-') for c in missing)})"
        )
