"""7. A 4-page book from a real local model: Gemma 3 270M on llama-cpp-python's server.

The whole story in one call against an outline plus one call per page, each
through the real `studio generate` with pictures from the offline painter. The
figure is the ratio of their times in one run, and how many runs gave a complete
book with real words on every page. Needs `scripts/real-server.sh`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import ROOT
from benchmarks.child import child_env
from benchmarks.common import Figure, Outcome, Preset, median, scratch

NAME = "real_model"
PREMISE = "a shy hedgehog named Pip who is afraid of the dark"


def _one(server: Any, plan: str, home: Path) -> dict[str, Any]:
    env = child_env(STUDIO_LIBRARY=str(home / "library"), STUDIO_CONFIG_DIR=str(home / "config"))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "studio", "generate", PREMISE, "--pages", "4",
         "--base-url", server.base_url, "--text-model", server.model,
         "--image-engine", "offline", "--plan", plan],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=1500, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    from studio.core.library import Bundle

    complete, why = False, (done.stderr.strip().splitlines() or [""])[-1]
    if done.stdout.strip():
        book = Bundle(Path(done.stdout.strip().splitlines()[-1])).load()
        complete = book.is_complete and all(len(p.text.split()) >= 4 for p in book.pages)
        why = book.plan_error or ""
    return {
        "plan": plan,
        "seconds": round(seconds, 1),
        "exit": done.returncode,
        "complete": complete,
        "why": why,
    }


def run(preset: Preset) -> Outcome:
    from tests.real.llama import installed, llama_server

    out = Outcome()
    if not installed():
        out.raw["skipped"] = "run scripts/real-server.sh first"
        return out
    home = scratch("real")
    repeats = 1 if preset.name == "quick" else 3
    runs: list[dict[str, Any]] = []
    try:
        with llama_server(home / "server.log") as server:
            for index in range(repeats):
                for plan in ("whole", "per-page"):
                    runs.append(_one(server, plan, home / f"{plan}-{index}"))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    out.raw["runs"] = runs
    times = {p: [r["seconds"] for r in runs if r["plan"] == p] for p in ("whole", "per-page")}
    good = {p: sum(r["complete"] for r in runs if r["plan"] == p) for p in times}
    for plan in ("whole", "per-page"):
        out.add(
            Figure(
                NAME,
                f"4-page book, --plan {plan}",
                median(times[plan]),
                "s",
                note=f"median of {repeats}; complete books: {good[plan]} of {repeats}",
            )
        )
    out.add(
        Figure(
            NAME,
            "per-page / whole, time",
            median(times["per-page"]) / median(times["whole"]),
            "×",
            note="the same server and model in one run",
        )
    )
    return out
