"""``python -m benchmarks [--quick] [--only NAME ...] [--out FILE]``

Runs the benchmarks against the loopback simulator, prints a table and writes
the figures (and the raw measurements) to `benchmarks/results/latest.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import RESULTS, ROOT
from benchmarks.common import PRESETS, Figure, Outcome, Preset

NAMES = (
    "whole_book",
    "first_page",
    "smoothness",
    "big_book",
    "startup",
    "rate_limit",
    "real_model",
    "edits",
)


def _runners(preset: Preset) -> dict[str, Callable[[], Outcome]]:
    from benchmarks import (
        big_book,
        edits,
        first_page,
        rate_limit,
        real_model,
        smoothness,
        startup,
        whole_book,
    )
    from benchmarks.book_runs import BookRuns

    runs = BookRuns(preset)
    return {
        "whole_book": lambda: whole_book.run(runs),
        "first_page": lambda: first_page.run(runs),
        "smoothness": lambda: smoothness.run(preset),
        "big_book": lambda: big_book.run(preset),
        "startup": lambda: startup.run(preset),
        "rate_limit": lambda: rate_limit.run(preset),
        "real_model": lambda: real_model.run(preset),
        "edits": lambda: edits.run(preset),
    }


def _git() -> dict[str, Any]:
    def ask(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return done.stdout.strip()

    return {"commit": ask("rev-parse", "HEAD"), "dirty": bool(ask("status", "--porcelain"))}


def _load() -> list[float] | None:
    """The machine's load average: other work on it makes every figure noisier."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _value(figure: Figure) -> str:
    if figure.value != figure.value:  # NaN
        return "n/a"
    digits = 3 if figure.unit in ("x", "s") else 1
    return f"{figure.value:.{digits}f} {figure.unit}"


def table(figures: list[Figure]) -> str:
    rows = [("benchmark", "figure", "value", "target", "")]
    for f in figures:
        verdict = {True: "ok", False: "MISSED", None: ""}[f.met]
        rows.append((f.benchmark, f.name, _value(f), f.target, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def run(preset: Preset, only: list[str], out: Path, echo: Callable[[str], None] = print) -> dict:
    """Run the chosen benchmarks; write and return the results document."""
    runners = _runners(preset)
    load_before = _load()
    figures: list[Figure] = []
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    timings: dict[str, float] = {}
    for name in only:
        echo(f"running {name} ...")
        started = time.monotonic()
        try:
            outcome = runners[name]()
        except Exception as err:
            errors[name] = f"{type(err).__name__}: {err}"
            traceback.print_exc()
            continue
        finally:
            timings[name] = round(time.monotonic() - started, 2)
        figures.extend(outcome.figures)
        raw[name] = outcome.raw
    document = {
        "preset": preset.name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": _load(),
        },
        "git": _git(),
        "simulator": {
            "tokens_per_second": preset.sim.tokens_per_second,
            "image_latency_s": preset.sim.image_latency,
            "image_jitter_s": preset.sim.image_jitter,
            "picture": "1536x1024 PNG, about 3.6 MB",
            "latency_model": preset.latency_model(),
        },
        "seconds": timings,
        "figures": [f.as_dict() for f in figures],
        "errors": errors,
        "raw": raw,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, default=str) + "\n")
    tmp.replace(out)
    echo("")
    echo(f"simulator: {preset.latency_model()}")
    echo(table(figures))
    for name, error in errors.items():
        echo(f"{name} failed: {error}")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--preset", choices=sorted(PRESETS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        action="append",
        choices=NAMES,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(NAMES)}",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset or ("quick" if args.quick else "full")]
    started = time.monotonic()
    document = run(preset, args.only or list(NAMES), args.out)
    load = document["machine"]["load_average_after"]
    print(f"\n{preset.name} run in {time.monotonic() - started:.0f} s; load average {load}")
    print(f"results in {args.out}")
    return 1 if document["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
