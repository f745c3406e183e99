"""Every read and every wait has a bound, seen from where the person stands.

The settings file: a pipe, a device, a huge file or broken JSON in its place
never hangs or breaks the studio; it is kept aside untouched, the defaults are
used and the person is told where the old file went. A server's answers: a
picture answer larger than the cap is refused after reading about the cap (its
peak memory is measured in the child process); a Retry-After of days fails that
page with a sentence instead of a silent wait; a story stream that never ends is
cut. Each runs the real `studio` command in a child process against the fake
server.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from studio.core.settings import (
    SETTINGS_LIMIT,
    FormatMemory,
    load_settings,
    read_settings,
    save_settings,
    take_settings_notice,
)
from tests.fakes.server import FakeOpenAIThread, Fault
from tests.reliability.helpers import (
    CANARY,
    REPO,
    Run,
    assert_consistent,
    studio_env,
    understandable,
)

MIB = 1024 * 1024
PAGES = 3
ONE_PAGE = "(page 2)"  # the fake story's scene for page 2 ends so; its picture prompt has it
PROMPTLY = 60.0
"""Seconds a bounded run is given: generous under load, far below any wait refused here."""


@dataclass
class Measured(Run):
    seconds: float = 0.0
    peak_mb: float = 0.0
    """The child's peak resident memory after it started Python (VmHWM)."""


PEAK_OF_STUDIO = """
import atexit, os, runpy, sys

def _peak():
    with open("/proc/self/status") as status, open(os.environ["STUDIO_TEST_PEAK"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(_peak)
sys.argv = ["studio", *sys.argv[1:]]
runpy.run_module("studio", run_name="__main__", alter_sys=True)
"""
"""Runs `python -m studio` and writes its peak memory in KiB to $STUDIO_TEST_PEAK.

VmHWM belongs to the process's own address space, made new by exec; ru_maxrss from
wait4 would also count the test process's memory, copied by the fork before exec."""


def measured(*args: str | Path, env: dict[str, str], timeout: float = 120) -> Measured:
    """Run `python -m studio ARGS`, timing it and reading its own peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        peak_file = Path(tempfile.mkdtemp()) / "peak"
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", PEAK_OF_STUDIO, *map(str, args)],
            env={**env, "STUDIO_TEST_PEAK": str(peak_file)},
            cwd=REPO,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9  # reaped here, so Popen must not wait for it again
                pytest.fail(f"studio {' '.join(map(str, args))} still ran after {timeout:g} s")
            time.sleep(0.02)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak_kib = float(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
        return Measured(
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            seconds=seconds,
            peak_mb=peak_kib / 1024,
        )


@pytest.fixture(autouse=True)
def _no_notice_left_over() -> Iterator[None]:
    take_settings_notice()
    yield
    take_settings_notice()


# --- The settings file -------------------------------------------------------------------


@dataclass
class Home:
    env: dict[str, str]
    config: Path
    library: Path

    @property
    def settings(self) -> Path:
        return self.config / "settings.json"

    def kept(self) -> list[Path]:
        return sorted(self.config.glob("settings.json.corrupt-*"))

    def notice(self, reason: str, kept: Path) -> str:
        return (
            f"studio: Your settings file {self.settings} could not be read ({reason}); "
            f"it was kept as {kept} and the defaults are in use."
        )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    env = studio_env(tmp_path / "home")
    config = Path(env["STUDIO_CONFIG_DIR"])
    config.mkdir(parents=True)
    return Home(env, config, tmp_path / "library")


def _library(home: Home) -> Measured:
    return measured("--library", home.library, "library", env=home.env, timeout=PROMPTLY)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(MIB):
            digest.update(block)
    return digest.hexdigest()


@pytest.mark.parametrize("command", [("library",), ("generate", "a fox", "--engine", "offline")])
def test_a_fifo_as_settings_does_not_hang_the_cli_and_is_kept_aside(
    home: Home, command: tuple[str, ...]
) -> None:
    os.mkfifo(home.settings)

    # Nobody ever writes to the pipe: a blocking open or read would wait forever.
    run = measured("--library", home.library, *command, env=home.env, timeout=PROMPTLY)

    assert run.code == 0, run.stderr
    [kept] = home.kept()
    assert stat.S_ISFIFO(os.lstat(kept).st_mode), "the pipe itself was renamed, not copied"
    assert not os.path.lexists(home.settings)
    assert run.stderr.count("Your settings file") == 1, run.stderr
    assert home.notice("it is a pipe (FIFO), not a file", kept) in run.stderr

    again = _library(home)
    assert again.code == 0 and "settings" not in again.stderr, "a missing file is not news"


def test_a_link_to_dev_zero_is_renamed_never_read(home: Home) -> None:
    home.settings.symlink_to("/dev/zero")

    run = _library(home)

    assert run.code == 0, run.stderr
    [kept] = home.kept()
    assert kept.is_symlink() and os.readlink(kept) == "/dev/zero"
    assert home.notice("it is a device, not a file", kept) in run.stderr
    assert run.peak_mb < 400, "nothing was read from the device"


def test_a_100_mb_settings_file_is_not_read_and_kept_intact(home: Home) -> None:
    with home.settings.open("wb") as file:
        file.write(b'{"pages": 5, "art_style": "')
        file.truncate(100 * MIB)
    before = _sha256(home.settings)

    run = _library(home)

    assert run.code == 0, run.stderr
    [kept] = home.kept()
    assert kept.stat().st_size == 100 * MIB and _sha256(kept) == before
    reason = f"it is too large ({100 * MIB:,} bytes; the limit is {SETTINGS_LIMIT:,})"
    assert home.notice(reason, kept) in run.stderr
    assert run.peak_mb < 400, f"the file was read: {run.peak_mb:.0f} MB"


def test_broken_json_is_kept_byte_for_byte_and_the_defaults_used(home: Home) -> None:
    original = b'{"pages": 5, "text_model": "my-model",\n  oops \xff'
    home.settings.write_bytes(original)

    run = _library(home)

    assert run.code == 0, run.stderr
    [kept] = home.kept()
    assert kept.read_bytes() == original
    assert home.notice("it is not valid JSON", kept) in run.stderr
    assert load_settings(home.settings).text_model != "my-model"
    assert take_settings_notice() is None, "a missing file is no news"


def test_the_notice_prints_no_control_sequences_from_the_file(home: Home) -> None:
    home.settings.write_text('{"learned_formats": {"\\u001b]52;c;SGk=\\u0007\\u001b[2Jx": 5}}')

    run = _library(home)

    assert run.code == 0, run.stderr
    [kept] = home.kept()
    assert "learned_formats." in run.stderr and str(kept) in run.stderr
    assert not any(c in run.stderr for c in "\x1b\x07\x9b"), repr(run.stderr)


def test_settings_of_the_wrong_shape_are_kept_aside_and_said_why(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"concurrency": 1000}')

    loaded = read_settings(path)

    assert loaded.settings.concurrency == 4 and loaded.kept_as is not None
    assert loaded.kept_as.read_text() == '{"concurrency": 1000}'
    assert loaded.notice is not None and "(concurrency: Input should be" in loaded.notice
    assert understandable(loaded.notice)


def test_good_and_missing_settings_say_nothing(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert read_settings(path).notice is None and not path.exists()
    path.write_text('{"pages": 6}')
    assert load_settings(path).pages == 6
    assert take_settings_notice() is None
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_a_kept_file_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("studio.core.settings.time.strftime", lambda _: "20261202-163000")
    path = tmp_path / "settings.json"
    for number, text in enumerate(["first {", "second {", "third {"]):
        path.write_text(text)
        loaded = read_settings(path)
        suffix = "" if number == 0 else f"-{number + 1}"
        assert loaded.kept_as == tmp_path / f"settings.json.corrupt-20261202-163000{suffix}"
    kept = sorted(tmp_path.glob("settings.json.corrupt-*"))
    assert [p.read_text() for p in kept] == ["first {", "second {", "third {"]


def test_format_memory_keeps_a_corrupt_file_before_it_writes(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"not json at all")

    FormatMemory(path).remember("http://localhost:8080/v1", "llama", "json_object")

    [kept] = tmp_path.glob("settings.json.corrupt-*")
    assert kept.read_bytes() == b"not json at all"
    assert FormatMemory(path).recall("http://localhost:8080/v1", "llama") == "json_object"
    notice = take_settings_notice()
    assert notice is not None and str(kept) in notice
    assert take_settings_notice() is None, "told once"


def test_the_notice_is_given_once_even_when_read_often(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(load_settings(path), path)
    path.write_text("{")
    for _ in range(3):
        load_settings(path)
    notice = take_settings_notice()
    assert notice is not None and notice.count("Your settings file") == 1


def test_the_window_shows_the_settings_notice_once(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox, QWidget

    from studio.app import _tell_about_settings

    path = tmp_path / "settings.json"
    path.write_bytes(b"{oops")
    load_settings(path)
    window = QWidget()
    qtbot.addWidget(window)
    window.show()

    _tell_about_settings(window)  # type: ignore[arg-type]
    _tell_about_settings(window)  # type: ignore[arg-type]

    boxes = window.findChildren(QMessageBox, "settings-notice")
    assert len(boxes) == 1 and boxes[0].isVisible()
    assert boxes[0].text().startswith(f"Your settings file {path} could not be read")
    assert "it was kept as" in boxes[0].text()
    boxes[0].close()


# --- Retry-After ---------------------------------------------------------------------------


def _http_date(delta: timedelta) -> str:
    return email.utils.format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        pytest.param({"retry_after": 999999}, "asked to wait 12 days", id="999999-seconds"),
        pytest.param({"retry_after_header": timedelta(days=3)}, "asked to wait 3 days", id="date"),
    ],
)
def test_a_wait_of_days_fails_that_page_and_the_run_ends(
    tmp_path: Path, given: dict[str, object], words: str
) -> None:
    env = studio_env(tmp_path / "home", OPENAI_API_KEY=CANARY)
    options = {k: _http_date(v) if isinstance(v, timedelta) else v for k, v in given.items()}
    with FakeOpenAIThread(pages=PAGES, **options) as server:
        server.inject(Fault.RATE_LIMIT, endpoint="images", times=99, match=ONE_PAGE)
        run = measured(
            "--library", tmp_path / "library", "generate", "a fox who finds a lantern",
            "--pages", PAGES, "--engine", "openai", "--base-url", server.base_url,
            env=env, timeout=PROMPTLY,
        )  # fmt: skip
        limited = [r for r in server.requests_to("images") if r.status == 429]

    assert run.code == 3, run.stderr
    assert run.seconds < PROMPTLY
    assert len(limited) == 1, "a wait that long is not tried again"
    bundle = run.bundle
    assert bundle is not None, run.stdout
    state = assert_consistent(bundle)
    assert state["failed"] == [2] and state["done"] == PAGES - 1
    reason = state["book"].page(2).image.error
    assert reason.startswith(f"The server at {urlsplit(server.base_url).netloc} ")
    assert words in reason and reason.endswith("resume later."), reason
    assert f"Page 2: picture failed: {reason}" in run.stderr
    assert CANARY not in run.stdout + run.stderr


# --- A picture answer of 600 MB ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [
        pytest.param("gpt-image-1", id="stream-of-partial-images"),
        pytest.param("dall-e-3", id="json-answer"),
    ],
)
def test_a_600_mb_inline_picture_is_refused_after_about_the_cap(tmp_path: Path, model: str) -> None:
    env = studio_env(tmp_path / "home", OPENAI_API_KEY=CANARY)
    with FakeOpenAIThread(pages=PAGES, huge_picture_bytes=600_000_000) as server:
        server.inject(Fault.HUGE_PICTURE, endpoint="images", times=99, match=ONE_PAGE)
        run = measured(
            "--library", tmp_path / "library", "generate", "a fox who finds a lantern",
            "--pages", PAGES, "--engine", "openai", "--base-url", server.base_url,
            "--image-model", model, env=env, timeout=PROMPTLY,
        )  # fmt: skip

    assert run.code == 3, run.stderr
    bundle = run.bundle
    assert bundle is not None, run.stdout
    state = assert_consistent(bundle)
    assert state["failed"] == [2] and state["done"] == PAGES - 1
    reason = state["book"].page(2).image.error
    assert "is larger than 50 MB, the most this app accepts" in reason, reason
    assert reason in run.stderr
    # The whole answer would take 2 GB or more; the cap's worth is about 70 MB.
    assert run.peak_mb < 500, f"peak memory {run.peak_mb:.0f} MB"


# --- A story that never ends --------------------------------------------------------------


def test_an_endless_story_stream_is_cut_and_the_run_ends(tmp_path: Path) -> None:
    env = studio_env(tmp_path / "home", OPENAI_API_KEY=CANARY)
    with FakeOpenAIThread(pages=PAGES) as server:
        server.inject(Fault.ENDLESS, endpoint="chat", times=99)
        run = measured(
            "--library", tmp_path / "library", "generate", "a fox who finds a lantern",
            "--pages", PAGES, "--engine", "openai", "--base-url", server.base_url,
            "--plan", "whole", env=env, timeout=PROMPTLY,
        )  # fmt: skip

    assert run.code == 1, run.stderr
    assert run.seconds < PROMPTLY
    bundle = run.bundle
    assert bundle is not None, run.stdout
    book = assert_consistent(bundle)["book"]
    assert book.plan_status.value == "failed"
    assert book.plan_error.startswith("The model kept writing past ")
    assert "without finishing this story" in book.plan_error
    assert book.plan_error in run.stderr
    assert run.peak_mb < 500


def test_a_slow_endless_story_stream_meets_the_plan_deadline(tmp_path: Path) -> None:
    """Too slow to reach the length cap in time: the story's deadline ends it."""
    env = studio_env(
        tmp_path / "home", OPENAI_API_KEY=CANARY, STUDIO_PLAN_SECONDS_PER_PAGE="0.5"
    )  # a deadline of 2 + 3 x 0.5 s
    with FakeOpenAIThread(pages=PAGES, chunk_delay=0.05) as server:
        server.inject(Fault.ENDLESS, endpoint="chat", times=99)
        run = measured(
            "--library", tmp_path / "library", "generate", "a fox who finds a lantern",
            "--pages", PAGES, "--engine", "openai", "--base-url", server.base_url,
            "--plan", "whole", env=env, timeout=PROMPTLY,
        )  # fmt: skip
        [story] = server.requests_to("chat")

    assert run.code == 1, run.stderr
    assert run.seconds < PROMPTLY
    assert story.finished is not None, "the stream was ended"
    bundle = run.bundle
    assert bundle is not None, run.stdout
    book = assert_consistent(bundle)["book"]
    assert book.plan_error.startswith("The story server took longer than ")
    assert "and was given up" in book.plan_error
    assert book.plan_error in run.stderr
