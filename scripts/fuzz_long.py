#!/usr/bin/env python3
"""Run the hostile-file fuzzers of tests/reliability for longer than CI does.

    python scripts/fuzz_long.py                   # 5000 examples per property, random seed
    python scripts/fuzz_long.py --examples 50000

The properties are the ones in tests/reliability/test_hostile_files.py: the book
loader answers only with a Book or BookFileError, the archive importer only with a
bundle inside the library or ArchiveRejected, nothing is written outside the
library, and no picture over the pixel limit is decoded. Prints pytest's verdict
and Hypothesis' statistics (examples run, time per example); exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    parser.add_argument("--fixed-seed", action="store_true", help="derandomize, as CI does")
    parser.add_argument("-k", default="fuzz", help="which properties (pytest -k)")
    args = parser.parse_args(argv)
    env = dict(os.environ, RELIABILITY_FUZZ_EXAMPLES=str(args.examples))
    if not args.fixed_seed:
        env["RELIABILITY_FUZZ_RANDOM"] = "1"
    started = time.monotonic()
    code = subprocess.call(
        [
            sys.executable, "-m", "pytest", "tests/reliability/test_hostile_files.py",
            "-k", args.k, "-q", "-p", "no:cacheprovider", "--timeout", "0",
            "--hypothesis-show-statistics",
        ],
        cwd=REPO,
        env=env,
    )  # fmt: skip
    print(
        f"fuzz_long: {args.examples} examples per property, {time.monotonic() - started:.0f} s, exit {code}"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
