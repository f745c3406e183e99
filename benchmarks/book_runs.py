"""Generation runs against the simulator, each measured once and shared by the benchmarks."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from benchmarks.common import (
    BaselineRun,
    Preset,
    StudioRun,
    run_async,
    run_sequential,
    run_studio,
    run_thread_pool,
    scratch,
)
from benchmarks.pictures import picture
from benchmarks.sim import SimConfig, SimProcess, Stats


@dataclass
class Measured:
    run: Any  # StudioRun or BaselineRun
    stats: Stats


class BookRuns:
    """Runs a variant of one book size on a fresh simulator state, at most once per harness run."""

    def __init__(self, preset: Preset) -> None:
        self.preset = preset
        self._done: dict[tuple[str, int], Measured] = {}

    def sim_config(self) -> SimConfig:
        return self.preset.sim_config(picture=str(picture(0)))

    def get(self, variant: str, pages: int) -> Measured:
        key = (variant, pages)
        if key not in self._done:
            self._done[key] = self._measure(variant, pages)
        return self._done[key]

    def _measure(self, variant: str, pages: int) -> Measured:
        folder = scratch(variant)
        try:
            with SimProcess(self.sim_config()) as sim:
                run = self._run(variant, sim.base_url, pages, folder)
                return Measured(run, sim.stats())
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _run(variant: str, url: str, pages: int, folder: Any) -> StudioRun | BaselineRun:
        if variant == "studio":
            return run_async(run_studio(url, pages, folder))
        if variant == "sequential":
            return run_async(run_sequential(url, pages, folder))
        if variant == "thread_pool":
            return run_thread_pool(url, pages, folder)
        raise ValueError(variant)


def ideal_whole(stats: Stats, t0: float, latency: float) -> tuple[float, float]:
    """(nominal, with this run's jitter): story stream end + one picture latency.

    The second uses each page's own simulated latency from the moment its
    prompt was complete, which is what a perfect client could have achieved.
    """
    assert stats.stream_finished is not None
    stream_end = stats.stream_finished - t0
    nominal = stream_end + latency
    ready = stats.page_ready_times()
    finishes = [r - t0 + (stats.delay_for_page(i) or latency) for i, r in enumerate(ready, 1)]
    return nominal, max([stream_end, *finishes])


def ideal_first(stats: Stats, t0: float, latency: float) -> float:
    """Page 1's prompt complete + page 1's simulated picture latency."""
    ready = stats.page_ready_times()
    return ready[0] - t0 + (stats.delay_for_page(1) or latency)
