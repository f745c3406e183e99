"""Running the real `studio` command in a child process and judging what it left on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.imaging import ImageRejected, decode
from studio.core.library import Bundle

REPO = Path(__file__).resolve().parents[2]
CANARY = "sk-test-SECRET-canary-1234"

SHORT_CALL_TIMEOUT = "1.0"
"""STUDIO_CALL_TIMEOUT for the hang and stall faults: seconds per call and per stream gap."""


def studio_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment that keeps the child away from the real user's files and keyring."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "STUDIO_")) and k not in ("PYTHONPATH",)
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        STUDIO_CONFIG_DIR=str(home / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(REPO),
        QT_QPA_PLATFORM="offscreen",
    )
    env.update(extra)
    return env


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def bundle(self) -> Path | None:
        """The bundle path `generate` and `resume` print last on stdout."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        return Path(lines[-1]) if lines and lines[-1].endswith(".storybook") else None


def studio(
    *args: str | Path, env: dict[str, str], timeout: float = 90, short_timeouts: bool = False
) -> Run:
    """Run `python -m studio ARGS`; `short_timeouts` sets STUDIO_CALL_TIMEOUT to one second."""
    if short_timeouts:
        env = {**env, "STUDIO_CALL_TIMEOUT": SHORT_CALL_TIMEOUT}
    proc = subprocess.run(
        [sys.executable, "-m", "studio", *map(str, args)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def check_json(bundle: Path, env: dict[str, str]) -> dict[str, Any]:
    run = studio("check", bundle, "--json", env=env)
    report: dict[str, Any] = json.loads(run.stdout)
    report["exit"] = run.code
    return report


def understandable(reason: str | None) -> bool:
    """A reason a person can act on: a sentence, not a traceback or a bare class name."""
    if not reason or len(reason) < 15:
        return False
    bad = ("Traceback", "Error(", "Exception", "<class", "object at 0x", "NoneType")
    return not any(b in reason for b in bad) and " " in reason.strip()


def assert_consistent(bundle: Path) -> dict[str, Any]:
    """book.json loads; every page is done (with pictures that decode) or failed with a reason.

    Returns {"done": n, "failed": [...], "pending": [...], "book": Book}.
    """
    book = Bundle(bundle).load()
    done, failed, pending = 0, [], []
    for page in book.pages:
        status = page.image.status.value
        if status == "done":
            current = page.image.current
            assert current is not None, f"page {page.number} done without a picture"
            for name in (current.original, current.display, current.thumbnail):
                data = Bundle(bundle).image_path(name).read_bytes()
                try:
                    decode(data)
                except ImageRejected as err:  # pragma: no cover - the failure is the report
                    raise AssertionError(
                        f"page {page.number}: {name} does not decode: {err}"
                    ) from err
            done += 1
        elif status == "failed":
            assert understandable(page.image.error), (page.number, page.image.error)
            failed.append(page.number)
        else:
            pending.append(page.number)
    return {"done": done, "failed": failed, "pending": pending, "book": book}


def leftovers(root: Path) -> list[Path]:
    """Half-written files: temporaries of atomic writes, exports and unfinished imports."""
    return [p for p in root.rglob("*") if p.name.endswith((".tmp", ".part", ".copying", ".old"))]
