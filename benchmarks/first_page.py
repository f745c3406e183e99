"""2. The first finished page: the studio against "whole story first" and the ideal."""

from __future__ import annotations

from benchmarks.book_runs import BookRuns, ideal_first
from benchmarks.common import Figure, Outcome

NAME = "first_page"
TARGET = 1.10


def run(runs: BookRuns) -> Outcome:
    out = Outcome()
    pages = runs.preset.first_page_pages
    latency = runs.preset.sim.image_latency
    studio = runs.get("studio", pages)
    story_first = runs.get("thread_pool", pages)
    first = studio.run.image_ready[1] - studio.run.t0
    ideal = ideal_first(studio.stats, studio.run.t0, latency)
    baseline = story_first.run.page_done[1] - story_first.run.t0
    ratio = first / ideal
    tag = f"{pages} pages"
    out.add(
        Figure(NAME, f"{tag}: studio, page 1 on disk", first, "s"),
        Figure(NAME, f"{tag}: ideal (page 1 prompt + its latency)", ideal, "s"),
        Figure(
            NAME,
            f"{tag}: studio / ideal",
            ratio,
            "x",
            f"<= {TARGET}",
            ratio <= TARGET,
            note=f"{first - ideal:+.2f} s beyond ideal",
        ),
        Figure(NAME, f"{tag}: whole story first, page 1 on disk", baseline, "s"),
        Figure(NAME, f"{tag}: speed-up over story first", baseline / first, "x"),
    )
    out.raw = {
        "studio_first": first,
        "ideal": ideal,
        "story_first": baseline,
        "page1_prompt_ready": studio.stats.page_ready_times()[0] - studio.run.t0,
        "page1_latency": studio.stats.delay_for_page(1),
    }
    return out
