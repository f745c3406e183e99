"""1. A whole book: the studio against sequential awaits, a thread pool, and the ideal."""

from __future__ import annotations

from benchmarks.book_runs import BookRuns, ideal_whole
from benchmarks.common import Figure, Outcome

NAME = "whole_book"
TARGET = 1.05


def run(runs: BookRuns) -> Outcome:
    out = Outcome()
    latency = runs.preset.sim.image_latency
    for pages in runs.preset.book_pages:
        studio = runs.get("studio", pages)
        limit = runs.preset.sequential_pages
        sequential = runs.get("sequential", pages) if not limit or pages <= limit else None
        pool = runs.get("thread_pool", pages)
        nominal, ideal = ideal_whole(studio.stats, studio.run.t0, latency)
        seconds = studio.run.seconds
        ratio = seconds / ideal
        tag = f"{pages} pages"
        out.add(
            Figure(NAME, f"{tag}: studio", seconds, "s", note=f"outcome {studio.run.outcome}"),
            Figure(
                NAME,
                f"{tag}: ideal (stream + this run's latencies)",
                ideal,
                "s",
                note=f"nominal stream + L = {nominal:.2f} s",
            ),
            Figure(
                NAME,
                f"{tag}: studio / ideal",
                ratio,
                "x",
                f"<= {TARGET}",
                ratio <= TARGET,
                note=f"{seconds - ideal:+.2f} s beyond ideal; vs nominal {seconds / nominal:.3f}x",
            ),
        )
        if sequential is not None:
            out.add(
                Figure(NAME, f"{tag}: sequential awaits", sequential.run.seconds, "s"),
                Figure(
                    NAME, f"{tag}: speed-up over sequential", sequential.run.seconds / seconds, "x"
                ),
            )
        out.add(
            Figure(NAME, f"{tag}: thread pool (4 workers)", pool.run.seconds, "s"),
            Figure(NAME, f"{tag}: speed-up over thread pool", pool.run.seconds / seconds, "x"),
        )
        out.raw[str(pages)] = {
            "studio": studio.run.as_dict(),
            "sequential": sequential.run.as_dict() if sequential is not None else None,
            "thread_pool": pool.run.as_dict(),
            "ideal": ideal,
            "ideal_nominal": nominal,
            "page_ready": [t - studio.run.t0 for t in studio.stats.page_ready_times()],
            "stream_seconds": (studio.stats.stream_finished or 0) - studio.run.t0,
        }
    return out
