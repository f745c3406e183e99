"""Opening and closing the studio: one loop, everything closed, the book saved, no noise."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from studio.app import amain
from studio.core.book import GenerationSettings, ImageStatus, PlanStatus
from studio.core.library import Library
from studio.gui.generation_view import CardState
from studio.gui.main_window import MainWindow
from tests.fakes import FakeOpenAI, FakeOpenAIThread
from tests.gui.conftest import wait_until

REPO = Path(__file__).resolve().parents[2]


def the_window() -> MainWindow:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    visible = [w for w in found if w.isVisible()]
    assert len(visible) == 1, found
    return visible[0]


async def test_closing_mid_generation_saves_the_book_and_closes_everything(
    tmp_path: Path,
    qapp: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-closing")
    caplog.set_level(logging.WARNING)
    library_dir = tmp_path / "books"
    async with FakeOpenAI(pages=6, image_latency=30) as server:
        app_task = asyncio.ensure_future(amain(qapp, library_dir))
        await wait_until(
            lambda: any(
                isinstance(w, MainWindow) and w.isVisible() for w in QApplication.topLevelWidgets()
            ),
            5,
        )
        window = the_window()
        settings = GenerationSettings(
            premise="An owl who collects buttons",
            pages=6,
            engine="openai",
            base_url=server.base_url,
        )
        window.ops.run(window.generate_new(settings))
        model = window.generation_view.model
        await wait_until(lambda: any(c.state is CardState.DRAWING for c in model.cards), 10)
        started = time.monotonic()
        window.close()
        assert await asyncio.wait_for(app_task, 5) == 0
        assert time.monotonic() - started < 3
        assert not qapp.quitOnLastWindowClosed()
        await wait_until(
            lambda: not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets()), 2
        )
    [bundle] = Library(library_dir).bundles()
    book = bundle.load()
    assert book.plan_status is PlanStatus.DONE and len(book.pages) == 6
    assert all(p.image.status is not ImageStatus.RUNNING for p in book.pages)
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not problems, [r.getMessage() for r in problems]


def _studio_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STUDIO_", "PYTEST"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        STUDIO_CONFIG_DIR=str(tmp_path / "config"),
        STUDIO_LIBRARY=str(tmp_path / "library"),
        PYTHONPATH=str(REPO),
        **extra,
    )
    return env


def _studio(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-W", "default", "-m", "studio"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _pages_on_disk(library: Path) -> int:
    for book_file in library.glob("*.storybook/book.json"):
        try:
            return len(json.loads(book_file.read_bytes()).get("pages", []))
        except (OSError, ValueError):
            return 0
    return 0


def test_sigterm_mid_generation_exits_zero_and_silent(tmp_path: Path) -> None:
    with FakeOpenAIThread(pages=6, image_latency=30) as server:
        config = tmp_path / "config"
        config.mkdir()
        (config / "settings.json").write_text(
            json.dumps({"engine": "openai", "base_url": server.base_url, "pages": 6})
        )
        env = _studio_env(
            tmp_path,
            OPENAI_API_KEY="sk-test-subprocess",
            STUDIO_AUTOSTART="A lighthouse keeper and a seal",
            STUDIO_AUTOSTART_ENGINE="openai",
        )
        process = _studio(env)
        try:
            deadline = time.monotonic() + 30
            while _pages_on_disk(tmp_path / "library") < 2:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the book never started"
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, err.decode()
    assert err.decode() == ""
    [bundle] = Library(tmp_path / "library").bundles()
    book = bundle.load()
    assert book.pages and all(p.image.status is not ImageStatus.RUNNING for p in book.pages)


def test_autoquit_when_idle_exits_zero_and_silent(tmp_path: Path) -> None:
    process = _studio(_studio_env(tmp_path, STUDIO_AUTOQUIT_AFTER="1"))
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
    assert err.decode() == ""
