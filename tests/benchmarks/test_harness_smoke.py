"""The benchmark harness runs end to end in a tiny configuration and writes well-formed JSON.

No timing is asserted: the machine that runs the tests is shared and noisy.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["whole_book", "first_page", "rate_limit", "smoothness", "big_book", "startup"]


@pytest.mark.slow
def test_tiny_run_writes_every_benchmarks_figures(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    command = [sys.executable, "-m", "benchmarks", "--preset", "tiny", "--out", str(out)]
    for name in NAMES:
        command += ["--only", name]
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    document = json.loads(out.read_text())
    assert document["preset"] == "tiny"
    assert document["errors"] == {}
    assert set(document["seconds"]) == set(NAMES)
    assert {f["benchmark"] for f in document["figures"]} == set(NAMES)
    for figure in document["figures"]:
        assert set(figure) == {"benchmark", "name", "value", "unit", "target", "met", "note"}
        assert figure["unit"] in {"s", "ms", "x", "%", "MB"}
        assert figure["met"] in (True, False, None)
        if figure["target"]:
            assert figure["met"] is not None, figure
        if figure["value"] is not None:
            assert math.isfinite(figure["value"]) and figure["value"] >= 0, figure
    assert "studio / ideal" in done.stdout
    assert set(document["raw"]["smoothness"]) == {"executor", "pillow_on_loop"}


def test_the_simulator_finds_each_page_object_in_a_streamed_story() -> None:
    from benchmarks.sim import page_object_ends
    from tests.fakes.server import default_story

    text = default_story(5).model_dump_json()
    ends = page_object_ends(text)
    assert len(ends) == 5
    assert all(text[end - 1] == "}" for end in ends)
    assert text[ends[-1]] == "]"


def test_the_rate_limit_bound_counts_a_sliding_window() -> None:
    from benchmarks.rate_limit import allowed_finish

    # 2 per second, all ready at once, 0.5 s each: starts 0, 0, 1, 1, 2 -> last done at 2.5
    assert allowed_finish([0.0] * 5, limit=2, window=1.0, latency=0.5) == 2.5
    # pages that are ready late are limited by their text, not the window
    assert allowed_finish([0.0, 3.0], limit=1, window=1.0, latency=0.5) == 3.5
