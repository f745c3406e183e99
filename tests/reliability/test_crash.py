"""SIGKILL at random moments loses nothing: the reduced run of scripts/crash_loop.py."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.reliability.helpers import REPO


def _crash_loop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crash_loop", REPO / "scripts/crash_loop.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_five_kills_offline_lose_nothing_and_resume_completes(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", "7"))
    report = _crash_loop().run(
        5, engine="offline", pages=2, kills_per_book=3, seed=seed, workdir=tmp_path
    )
    assert report.failures == []
    assert report.kills >= 5
    assert report.complete_books == report.books >= 2


@pytest.mark.slow
def test_kills_against_the_fake_server_lose_nothing(tmp_path: Path) -> None:
    report = _crash_loop().run(
        6, engine="fake", pages=4, kills_per_book=3, seed=11, workdir=tmp_path
    )
    assert report.failures == []
    assert report.complete_books == report.books >= 2
