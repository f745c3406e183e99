#!/usr/bin/env python3
"""Kill `studio generate` and `studio resume` with SIGKILL at random moments; lose nothing.

Each book is started with `studio generate`, killed, resumed and killed again
(`--kills-per-book` times in all), then resumed to the end. After every kill:

- book.json loads (Bundle.load);
- every page marked done has an original, display and thumbnail that decode;
- every page that was done before the kill is still done, with the same picture
  (nothing is lost or silently redrawn).

The last resume of each book must exit 0 with a complete, valid book.

    python scripts/crash_loop.py --kills 20                 # offline engine
    python scripts/crash_loop.py --kills 20 --engine fake   # fake OpenAI server with latency

Exit status 0 when every check held, 1 otherwise. A JSON summary goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from studio.cli import check_bundle  # noqa: E402
from studio.core.imaging import ImageRejected, decode  # noqa: E402
from studio.core.library import BookFileError, Bundle  # noqa: E402


@dataclass
class Report:
    engine: str
    books: int = 0
    kills: int = 0
    finished_before_kill: int = 0
    kills_before_bundle: int = 0
    """Killed before the bundle folder existed: nothing to lose."""
    kill_points: dict[str, int] = field(default_factory=dict)
    """What the book looked like when killed: no plan yet, text streaming, pictures, ..."""
    done_pages_survived: int = 0
    leftover_tmp_files: int = 0
    """Temporary files of writes cut off by SIGKILL, still in the bundle at the end."""
    complete_books: int = 0
    max_delay: float = 0.0
    """Kills land up to this many seconds after a run's first write."""
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.complete_books == self.books


def _env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STUDIO_"))}
    env.update(
        HOME=str(home),
        STUDIO_CONFIG_DIR=str(home / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def _bundles(library: Path) -> set[Path]:
    return set(library.glob("*.storybook")) if library.is_dir() else set()


def _snapshot(bundle: Path) -> tuple[dict[int, str], str]:
    """{page: current original picture} for done pages, and where the book stood.

    Raises AssertionError naming what is broken.
    """
    try:
        book = Bundle(bundle).load()
    except BookFileError as err:
        raise AssertionError(f"book.json does not load: {err}") from err
    done: dict[int, str] = {}
    for page in book.pages:
        if page.image.status.value != "done":
            if page.image.status.value == "failed" and not page.image.error:
                raise AssertionError(f"page {page.number} failed without a reason")
            continue
        current = page.image.current
        if current is None:
            raise AssertionError(f"page {page.number} is done but has no picture")
        for name in (current.original, current.display, current.thumbnail):
            try:
                decode(Bundle(bundle).image_path(name).read_bytes())
            except (OSError, ImageRejected) as err:
                raise AssertionError(f"page {page.number}: {name} is broken: {err}") from err
        done[page.number] = current.original
    if not book.pages:
        point = "before any page text"
    elif book.plan_status.value != "done":
        point = "story streaming, " + ("some pictures done" if done else "no picture yet")
    elif len(done) < len(book.pages):
        point = "story written, pictures in progress"
    else:
        point = "all pictures done"
    return done, point


def _run_killed(
    cmd: list[str],
    env: dict[str, str],
    log: Path,
    delay: float,
    started: Callable[[], bool] | None,
) -> bool:
    """Run `cmd` and SIGKILL it `delay` seconds after `started()` turns true (or after
    launch when `started` is None). True if it was killed, False if it finished first."""
    with log.open("ab") as err:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
        try:
            if started is not None:
                deadline = time.monotonic() + 120
                while not started() and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.005)
            proc.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True


def _watch(library: Path, before: set[Path], bundle: Path | None) -> Callable[[], bool]:
    """True once the run has written something: a new bundle, or a changed book.json."""
    if bundle is None:
        return lambda: bool(_bundles(library) - before)
    book_file = bundle / "book.json"
    stamp = _mtime(book_file)
    return lambda: _mtime(book_file) != stamp


def _calibrate(
    studio: list[str], env: dict[str, str], library: Path, args: list[str], pages: int, log: Path
) -> float:
    """How long a whole run takes here, from its first write to its exit, plus 10%.

    Kills land uniformly in that window, so every phase (story streaming, pictures
    in flight, saving at the end) is hit however fast or loaded the machine is.
    """
    before = _bundles(library)
    cmd = [*studio, "--library", str(library), "generate", "calibration", "--pages", str(pages)]
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [*cmd, *args], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err
        )
        while not (_bundles(library) - before) and proc.poll() is None:
            time.sleep(0.005)
        first_write = time.monotonic()
        if proc.wait(timeout=600) != 0:
            raise SystemExit(f"the calibration run failed; see {log}")
    return 1.1 * (time.monotonic() - first_write)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def run(
    kills: int,
    *,
    engine: str = "offline",
    pages: int = 4,
    kills_per_book: int = 3,
    max_delay: float = 0.0,
    seed: int | None = None,
    workdir: Path | None = None,
) -> Report:
    rng = random.Random(seed)
    report = Report(engine=engine)
    started = time.monotonic()
    with ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crash-")))
        library = root / "library"
        log = root / "stderr.log"
        extra: dict[str, str] = {}
        engine_args = ["--engine", "offline"]
        if engine == "fake":
            from tests.fakes.server import FakeOpenAIThread

            server = stack.enter_context(
                FakeOpenAIThread(pages=pages, chunk_delay=0.02, image_latency=0.4, image_jitter=0.3)
            )
            extra["OPENAI_API_KEY"] = "sk-test-crash-loop"
            engine_args = [
                "--engine",
                "openai",
                "--base-url",
                server.base_url,
                "--concurrency",
                "2",
            ]
        env = _env(root / "home", extra)
        studio = [sys.executable, "-m", "studio"]
        if max_delay <= 0:
            max_delay = _calibrate(studio, env, library, engine_args, pages, log)
        report.max_delay = round(max_delay, 2)
        while report.kills < kills:
            report.books += 1
            _one_book(
                report,
                rng,
                studio,
                env,
                library,
                engine_args,
                pages,
                kills_per_book,
                max_delay,
                log,
            )
        report.leftover_tmp_files = sum(1 for _ in library.rglob("*.tmp"))
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _one_book(
    report: Report,
    rng: random.Random,
    studio: list[str],
    env: dict[str, str],
    library: Path,
    engine_args: list[str],
    pages: int,
    kills_per_book: int,
    max_delay: float,
    log: Path,
) -> None:
    before = _bundles(library)
    premise = f"book {report.books}: a hedgehog who collects moonlight"
    generate = [
        *studio,
        "--library",
        str(library),
        "generate",
        premise,
        "--pages",
        str(pages),
        *engine_args,
    ]
    bundle: Path | None = None
    known: dict[int, str] = {}
    book_kills = 0
    cmd = generate
    while book_kills < kills_per_book:
        # Most kills land a random time after the run started writing (the bundle
        # appeared, or book.json changed); some land blind, from launch, to hit start-up.
        started: Callable[[], bool] | None = _watch(library, before, bundle)
        if rng.random() < 0.2:
            started = None
        killed = _run_killed(cmd, env, log, rng.uniform(0.0, max_delay), started)
        if bundle is None:
            new = _bundles(library) - before
            bundle = new.pop() if new else None
        if not killed:
            report.finished_before_kill += 1
            break
        book_kills += 1
        report.kills += 1
        if bundle is None:
            report.kills_before_bundle += 1
            book_kills -= 1  # nothing was on disk yet: generate again, this kill is extra
            continue
        try:
            done, point = _snapshot(bundle)
        except AssertionError as err:
            report.failures.append(f"{bundle.name} after kill {report.kills}: {err}")
            return
        report.kill_points[point] = report.kill_points.get(point, 0) + 1
        for number, original in known.items():
            if done.get(number) != original:
                report.failures.append(
                    f"{bundle.name}: page {number} was done with {original} and is now "
                    f"{done.get(number) or 'not done'} after kill {report.kills}"
                )
        report.done_pages_survived += sum(1 for n in known if done.get(n) == known[n])
        known = done
        cmd = [*studio, "resume", str(bundle)]
    if bundle is None:
        new = _bundles(library) - before
        bundle = new.pop() if new else None
    if bundle is None:
        report.failures.append(f"book {report.books}: no bundle after {book_kills} kills")
        return
    final = subprocess.run(
        [*studio, "resume", str(bundle)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if final.returncode != 0:
        report.failures.append(
            f"{bundle.name}: final resume exited {final.returncode}: {final.stderr[-500:]}"
        )
        return
    try:
        done, _ = _snapshot(bundle)
    except AssertionError as err:
        report.failures.append(f"{bundle.name} after the final resume: {err}")
        return
    for number, original in known.items():
        if done.get(number) != original:
            report.failures.append(f"{bundle.name}: page {number} changed on the final resume")
    check = check_bundle(bundle)
    if check["valid"] and check["images_done"] == pages and len(done) == pages:
        report.complete_books += 1
    else:
        report.failures.append(f"{bundle.name}: not complete after the final resume: {check}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs in all (default 20)")
    parser.add_argument("--engine", choices=["offline", "fake"], default="offline")
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--kills-per-book", type=int, default=3)
    parser.add_argument(
        "--max-delay",
        type=float,
        default=3.0,
        help="latest kill, seconds after the run starts writing",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the library here")
    args = parser.parse_args(argv)
    report = run(
        args.kills,
        engine=args.engine,
        pages=args.pages,
        kills_per_book=args.kills_per_book,
        max_delay=args.max_delay,
        seed=args.seed,
        workdir=args.workdir,
    )
    summary: dict[str, Any] = asdict(report) | {"ok": report.ok}
    print(json.dumps(summary, indent=1))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
