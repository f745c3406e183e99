"""Running a measurement in a child Python process and reading its JSON answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from benchmarks import ROOT


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.update(extra)
    return env


def run_child(
    mode: str, args: dict[str, Any] | None = None, timeout: float = 300
) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.gui_child", mode]
    if args is not None:
        command.append(json.dumps(args))
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=child_env()
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        text = done.stderr or done.stdout
        fatal = [line for line in text.splitlines() if "Fatal Python error" in line]
        summary = fatal[0].strip() if fatal else text[-2000:]
        raise RuntimeError(f"gui_child {mode} failed ({done.returncode}): {summary}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
