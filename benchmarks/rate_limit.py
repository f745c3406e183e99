"""6. Throughput under an image rate limit: time against what the limit allows, wasted requests."""

from __future__ import annotations

import shutil

from benchmarks.common import Figure, Outcome, Preset, run_async, run_studio, scratch
from benchmarks.pictures import picture
from benchmarks.sim import SimProcess

NAME = "rate_limit"
TARGET_TIME = 1.10
TARGET_EXTRA = 0.05


def allowed_finish(ready: list[float], limit: int, window: float, latency: float) -> float:
    """The earliest the last picture can be done when at most `limit` requests
    start in any `window` seconds and page i cannot start before `ready[i]`."""
    starts: list[float] = []
    for i, r in enumerate(sorted(ready)):
        start = r if i < limit else max(r, starts[i - limit] + window)
        starts.append(start)
    return max(s + latency for s in starts)


def run(preset: Preset, variants: dict[str, float | None] | None = None) -> Outcome:
    out = Outcome()
    pages, limit, window = preset.rate_pages, preset.rate_limit, preset.rate_window
    latency = preset.sim.image_latency
    variants = variants or {"honest Retry-After": None}
    for label, retry_after in variants.items():
        config = preset.sim_config(
            picture=str(picture(0)), rate_limit=limit, rate_window=window, retry_after=retry_after
        )
        folder = scratch("rate")
        try:
            with SimProcess(config) as sim:
                studio = run_async(run_studio(sim.base_url, pages, folder))
                stats = sim.stats()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        t0 = studio.t0
        bound = allowed_finish([t - t0 for t in stats.page_ready_times()], limit, window, latency)
        images = stats.images()
        rejected = sum(r["status"] == 429 for r in images)
        extra = (len(images) - pages) / pages
        ratio = studio.seconds / bound
        tag = f"{pages} pages, {limit} per {window:g} s, {label}"
        out.add(
            Figure(NAME, f"{tag}: studio", studio.seconds, "s", note=f"outcome {studio.outcome}"),
            Figure(NAME, f"{tag}: allowed by the limit", bound, "s"),
            Figure(
                NAME,
                f"{tag}: studio / allowed",
                ratio,
                "x",
                f"<= {TARGET_TIME}",
                ratio <= TARGET_TIME,
            ),
            Figure(
                NAME,
                f"{tag}: extra requests",
                extra * 100,
                "%",
                f"<= {TARGET_EXTRA:.0%}",
                extra <= TARGET_EXTRA,
                note=f"{len(images)} image requests, {rejected} got 429",
            ),
        )
        out.raw[label] = {
            "studio": studio.as_dict(),
            "allowed": bound,
            "image_requests": [
                {"at": r["started"] - t0, "status": r["status"], "page": r["page"]} for r in images
            ],
        }
    return out
