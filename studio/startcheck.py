"""Before the window opens: is there a display, and can Qt's platform plugin load?

Without a display, or with a system library the plugin needs missing (a plain
`pip install` brings none of them), Qt aborts the process with a message that
often names the wrong library. This looks first, without importing Qt's GUI
modules, and says in words what is missing and which packages bring it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path

PACKAGES: dict[str, tuple[str, str]] = {
    # library: (Debian and Ubuntu package, Fedora package)
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}
"""Where the libraries Qt's xcb and wayland plugins need come from."""

HEADLESS = "The commands that need no window work without one: see `studio --help`."
NO_CHECK = {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
"""Platforms that need no display server, or that this check does not know."""


def problem(
    env: Mapping[str, str] | None = None,
    *,
    plugins: Path | None = None,
    platform: str = sys.platform,
) -> str | None:
    """What stops the window from opening, in words; None when nothing is known to.

    `plugins` is Qt's platform plugin folder (found from PySide6 when not given)."""
    if not platform.startswith("linux"):
        return None  # Windows and macOS bring their own display and libraries
    env = os.environ if env is None else env
    wanted = _platform(env)
    if wanted in NO_CHECK:
        return None
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if wanted is None and wayland:
        return None  # Qt tries Wayland first and falls back to X11 by itself
    if wanted == "wayland":
        return None if wayland else _no_display("Wayland (WAYLAND_DISPLAY is not set)")
    if not display:
        return _no_display("no DISPLAY is set" + (" and no WAYLAND_DISPLAY" if not wayland else ""))
    if not _reachable(display):
        return (
            f"Story Studio cannot open its window: the X display {display} does not answer. "
            f"Is the X server running, and is DISPLAY right?\n{HEADLESS}"
        )
    folder = plugins if plugins is not None else _plugin_folder(env)
    if folder is None:
        return None
    missing = missing_libraries(folder / "libqxcb.so")
    return _missing_message(missing) if missing else None


def _platform(env: Mapping[str, str]) -> str | None:
    """The platform Qt is asked for (the first of a `a;b` list), or None for its default."""
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if not chosen:
        return None
    return chosen.split(";")[0].split(":")[0].strip().lower() or None


def _no_display(why: str) -> str:
    return (
        f"Story Studio cannot open its window: there is no display ({why}). "
        "Start it from a desktop session, or over SSH with X forwarding (ssh -X).\n"
        f"{HEADLESS}"
    )


def _reachable(display: str) -> bool:
    """False only when a local display (":N") has no X server listening."""
    match = re.fullmatch(r":(\d+)(?:\.\d+)?", display)
    if match is None:
        return True  # a remote or forwarded display: Qt will say itself
    path = f"/tmp/.X11-unix/X{match.group(1)}"
    for address in (path, "\0" + path):  # the socket file, or Linux's abstract one
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            try:
                sock.connect(address)
            except OSError:
                continue
            return True
    return False


def _plugin_folder(env: Mapping[str, str]) -> Path | None:
    """Where Qt will load its platform plugin from: QT_QPA_PLATFORM_PLUGIN_PATH, as Qt
    reads it, else PySide6's own folder."""
    if chosen := env.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        return Path(chosen)
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    return folder if folder.is_dir() else None


def missing_libraries(library: Path) -> list[str]:
    """The shared libraries `library` needs that the system does not have, in the order
    the loader reports them. Empty when all are there, or when this cannot be told."""
    if not library.is_file():
        return []
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run(
            [ldd, str(library)], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = re.findall(r"^\s*(\S+) => not found", out, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


def _missing_message(missing: list[str]) -> str:
    debian = list(dict.fromkeys(PACKAGES[name][0] for name in missing if name in PACKAGES))
    fedora = list(dict.fromkeys(PACKAGES[name][1] for name in missing if name in PACKAGES))
    unknown = [name for name in missing if name not in PACKAGES]
    lines = [
        "Story Studio cannot open its window: Qt's X11 support needs system libraries "
        f"that are not installed: {', '.join(missing)}.",
    ]
    if debian:
        lines.append(f"  Debian and Ubuntu: sudo apt install {' '.join(debian)}")
        lines.append(f"  Fedora: sudo dnf install {' '.join(fedora)}")
    if unknown:
        lines.append(f"  Look for the package that has {', '.join(unknown)} in your distribution.")
    lines.append(HEADLESS)
    return "\n".join(lines)


def import_failure(error: ImportError) -> str:
    """What a failed import of Qt's GUI modules means, in words."""
    named = re.search(r"(lib[\w.+-]+\.so(?:\.\d+)*)", str(error))
    if named is not None:
        return _missing_message([named.group(1)])
    return f"Story Studio cannot open its window: Qt could not be loaded ({error}).\n{HEADLESS}"
