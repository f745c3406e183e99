"""The desktop entry, AppStream metainfo and icons that the packages install."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest
from PIL import Image

from studio import __version__
from tests.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.storystudio.StoryStudio"
DESKTOP = ROOT / "assets" / f"{APP_ID}.desktop"
METAINFO = ROOT / "assets" / f"{APP_ID}.metainfo.xml"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="needs desktop-file-utils")
def test_desktop_entry_is_valid() -> None:
    result = run("desktop-file-validate", str(DESKTOP))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="needs appstream")
def test_metainfo_is_valid() -> None:
    result = run("appstreamcli", "validate", "--no-net", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_runs_the_command_and_names_the_icon() -> None:
    entry = ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"].split()[0] == "studio"
    assert section["Icon"] == APP_ID
    assert section["Type"] == "Application"


def test_metainfo_matches_the_desktop_entry_and_the_version() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    releases = [r.get("version") for r in component.iter("release")]
    assert __version__ in releases, f"add a <release version={__version__!r}> to {METAINFO.name}"


@pytest.mark.parametrize("size", SIZES)
def test_hicolor_icons_have_their_size(size: int) -> None:
    path = ROOT / "assets" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    with Image.open(path) as image:
        assert image.size == (size, size)
        assert image.mode == "RGBA"


def test_window_and_platform_icons_exist() -> None:
    with Image.open(ROOT / "studio" / "assets" / "icons" / "app" / "studio.png") as image:
        assert image.size == (256, 256)
    assert (ROOT / "studio" / "assets" / "icons" / "app" / "studio.svg").is_file()
    with Image.open(ROOT / "assets" / f"{APP_ID}.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    with Image.open(ROOT / "assets" / f"{APP_ID}.icns") as icns:
        assert icns.size[0] >= 256


def test_the_commands_point_at_real_functions_and_the_window_has_no_console() -> None:
    import importlib
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"] == {"studio": "studio.cli:main"}
    # a gui-script: on Windows its launcher is a GUI program, so no console opens
    assert project["gui-scripts"] == {"story-studio": "studio.cli:window"}
    for target in (project["scripts"]["studio"], project["gui-scripts"]["story-studio"]):
        module, _, name = target.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), target


def test_the_window_launcher_opens_the_window_with_logging_set_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import logging

    import studio.app
    import studio.cli
    import studio.core.logs

    opened: list[object] = []
    monkeypatch.setattr(studio.app, "main", lambda library, files: opened.append(library) or 0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(studio.core.logs, "_installed", None)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    with pytest.raises(SystemExit) as exited:
        studio.cli.window()
    try:
        assert exited.value.code == 0
        assert opened == [None]  # the default library
        assert studio.core.logs.log_file() == tmp_path / "logs" / "studio.log"
    finally:
        for handler in root.handlers:
            handler.close()


MIME = ROOT / "assets" / f"{APP_ID}.mime.xml"
BOOK_TYPE = "application/x-storystudio-book"


def test_the_desktop_entry_opens_shared_books() -> None:
    entry = ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"] == "studio %F", "a file manager passes the files it opens"
    assert BOOK_TYPE in section["MimeType"].split(";")


def test_the_book_type_is_known_by_its_name(tmp_path: Path) -> None:
    """shared-mime-info's own tool reads the type and finds files by *.storybook.zip."""
    tool = shutil.which("update-mime-database")
    if tool is None:
        missing_tool("update-mime-database is not installed (apt-get install shared-mime-info)")
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME, packages / f"{APP_ID}.xml")
    result = run(tool, str(tmp_path / "mime"))
    assert result.returncode == 0, result.stdout + result.stderr
    globs = (tmp_path / "mime" / "globs2").read_text(encoding="utf-8")
    assert f"60:{BOOK_TYPE}:*.storybook.zip" in globs
    assert BOOK_TYPE in (tmp_path / "mime" / "types").read_text(encoding="utf-8")
