"""Performance harness: ``python -m benchmarks [--quick] [--only NAME]``.

Every figure is measured against a loopback simulator of an OpenAI-compatible
server (`benchmarks.sim`) and reported as a ratio within one run, so a slow or
noisy machine changes the seconds but not the conclusions.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
RESULTS = Path(__file__).resolve().parent / "results"
