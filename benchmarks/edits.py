"""8. Edits: the time from committing an edit in the book view until it is on disk.

The book view saves every committed edit through the same merge-on-save path
other writers use (the write lock, a read of the revision, an atomic replace
with fsync). The figure is compared with a bare atomic write of the same
`book.json`, which is the floor.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks import ROOT
from benchmarks.child import child_env
from benchmarks.common import Figure, Outcome, Preset, median, percentile

NAME = "edits"
TARGET_MS = 100.0


def run(preset: Preset) -> Outcome:
    out = Outcome()
    edits = 30 if preset.name != "quick" else 10
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.gui_child", "edit", json.dumps({"edits": edits})],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        timeout=300,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the edit child failed: {done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    latency, bare = result["latency_ms"], result["bare_write_ms"]
    p95 = percentile(latency, 0.95)
    out.add(
        Figure(
            NAME,
            "edit committed -> on disk, p95",
            p95,
            "ms",
            target=f"< {TARGET_MS:.0f} ms",
            met=p95 < TARGET_MS,
            note=f"median {median(latency):.1f} ms, max {max(latency):.1f} ms over {len(latency)} "
            f"edits of a {result['book_json_bytes'] // 1024} KiB book.json; a bare atomic write "
            f"of it takes {median(bare):.1f} ms ({median(latency) / median(bare):.1f}x)",
        )
    )
    out.raw = result
    return out
