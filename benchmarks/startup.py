"""5. Start-up: `studio --version`, and the time until the main window is shown."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import ROOT
from benchmarks.child import child_env
from benchmarks.common import Figure, Outcome, Preset, median, scratch

NAME = "startup"


def _studio() -> list[str]:
    script = Path(sys.executable).with_name("studio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "studio"]


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(command, capture_output=True, check=True, cwd=ROOT, env=env, timeout=60)
    return time.monotonic() - started


def _window(env: dict[str, str]) -> dict[str, float] | None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.gui_child", "window"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return None
    shown = json.loads(lines[-1])
    return {"shown": shown["shown"] - started, "idle": shown["idle"] - started}


def run(preset: Preset) -> Outcome:
    out = Outcome()
    home = scratch("startup")
    env = child_env(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        STUDIO_LIBRARY=str(home / "library"),
    )
    try:
        repeats = preset.startup_repeats
        python = [_timed([sys.executable, "-c", "pass"], env) for _ in range(repeats)]
        version = [_timed([*_studio(), "--version"], env) for _ in range(repeats)]
        windows = [_window(env) for _ in range(repeats)]
    finally:
        shutil.rmtree(home, ignore_errors=True)
    out.add(
        Figure(
            NAME,
            "studio --version",
            median(version),
            "s",
            note=f"median of {repeats}; a bare `python -c pass` takes {median(python):.3f} s",
        ),
    )
    shown = [w for w in windows if w is not None]
    if shown:
        out.add(
            Figure(
                NAME,
                "main window shown",
                median([w["shown"] for w in shown]),
                "s",
                note=f"median of {len(shown)}, offscreen; idle after first show "
                f"{median([w['idle'] for w in shown]):.3f} s",
            ),
        )
    else:
        out.add(
            Figure(
                NAME,
                "main window shown",
                float("nan"),
                "s",
                note="no main window was shown (studio.app not available yet)",
            )
        )
    out.raw = {"python": python, "version": version, "window": windows}
    return out
