"""The log file: written by the real command, rotated, free of secrets, named by the error dialog."""

from __future__ import annotations

import logging
import logging.handlers
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.server import FakeOpenAIThread, Fault
from tests.reliability.helpers import REPO, studio_env

CANARY = "sk-test-LOGFILE-canary-98765"


def test_a_run_logs_to_the_file_without_its_key_or_credentials(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    env = studio_env(tmp_path, STUDIO_LOG_DIR=str(logs), OPENAI_API_KEY=CANARY)
    with FakeOpenAIThread(pages=2) as server:
        server.inject(Fault.SERVER_ERROR, endpoint="images", times=99, match="(page 2)")
        url = server.base_url.replace("http://", "http://reader:hunter2secret@")
        done = subprocess.run(
            [sys.executable, "-m", "studio", "--library", str(tmp_path / "library"),
             "generate", "a fox", "--pages", "2", "--engine", "openai", "--base-url", url],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 3, done.stderr
    text = (logs / "studio.log").read_text(encoding="utf-8")
    assert "HTTP Request: POST" in text  # what the terminal does not show, the file keeps
    assert "HTTP Request" not in done.stderr
    assert CANARY not in text and "hunter2secret" not in text
    assert "reader:***@" in text or "***@" in text


def test_the_log_file_rotates_and_the_error_dialog_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studio.core.logs as logs

    monkeypatch.setenv("STUDIO_LOG_DIR", str(tmp_path))
    monkeypatch.setattr(logs, "_installed", None)
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        path = logs.install_log_file()
        assert path == tmp_path / "studio.log"
        noisy = logging.getLogger("studio.test.rotation")
        for n in range(9000):
            noisy.warning("line %d with the key %s and padding %s", n, CANARY, "x" * 400)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == ["studio.log", "studio.log.1", "studio.log.2", "studio.log.3"]
        assert all(p.stat().st_size <= logs.MAX_BYTES + 1024 for p in tmp_path.iterdir())
        assert not any(CANARY in p.read_text() for p in tmp_path.iterdir())

        from studio.gui.errors import describe

        title, text = describe(RuntimeError("boom"))
        assert title == "Something went wrong"
        assert str(path) in text
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def test_a_log_folder_that_cannot_be_made_means_no_log_file_and_no_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studio.core.logs as logs

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    monkeypatch.setenv("STUDIO_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setattr(logs, "_installed", None)
    root = logging.getLogger()
    before = list(root.handlers)
    assert logs.install_log_file() is None
    assert logs.log_file() is None
    assert root.handlers == before

    from studio.gui.errors import describe

    _, text = describe(RuntimeError("boom"))
    assert "studio -v" in text  # the dialog falls back to the terminal
