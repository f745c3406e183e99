"""3. The window never stutters: a 5 ms heartbeat on the qasync loop during a generation.

The real GenerationView shows a 24-page book of 1536x1024 PNG pictures. The
same run is repeated with the Pillow work (decode, resize, thumbnail, encode)
done on the loop instead of the executor, to show what the executor buys.

As in the studio, the provider SDKs are imported in a worker before Generate is
pressed. The heartbeat counts from the moment the generation starts (so a stall
before the first tick counts), and a watchdog thread notes where the GUI thread
was during each overdue tick: the worst places are in the raw results.
"""

from __future__ import annotations

from benchmarks.child import run_child
from benchmarks.common import Figure, Outcome, Preset
from benchmarks.pictures import picture
from benchmarks.sim import SimProcess

NAME = "smoothness"
TARGET_MAX_MS = 50.0
TARGET_P99_MS = 16.0
VARIANTS = ("executor", "pillow_on_loop")


def run(preset: Preset) -> Outcome:
    out = Outcome()
    pages = preset.smooth_pages
    for variant in VARIANTS:
        with SimProcess(preset.sim_config(picture=str(picture(0)))) as sim:
            result = run_child(
                "smooth",
                {
                    "base_url": sim.base_url,
                    "pages": pages,
                    "variant": variant,
                    "heartbeat_ms": preset.heartbeat_ms,
                    "idle_seconds": preset.idle_seconds,
                    "sample_stalls": variant == "executor",
                },
            )
        beats = result["heartbeat"]
        tag = f"{pages} pages, {variant.replace('_', ' ')}"
        worst = (beats.get("stalls") or [{}])[0]
        where = f"; worst at {worst['where'][0]}" if worst.get("where") else ""
        checked = variant == "executor"
        out.add(
            Figure(
                NAME,
                f"{tag}: heartbeat max lateness",
                beats["max_ms"],
                "ms",
                f"< {TARGET_MAX_MS:g} ms" if checked else "",
                beats["max_ms"] < TARGET_MAX_MS if checked else None,
                note=f"{beats['over_50ms']} ticks over 50 ms, {beats['ticks']} ticks{where}",
            ),
            Figure(
                NAME,
                f"{tag}: heartbeat p99 lateness",
                beats["p99_ms"],
                "ms",
                f"< {TARGET_P99_MS:g} ms" if checked else "",
                beats["p99_ms"] < TARGET_P99_MS if checked else None,
                note=f"{beats['over_16ms']} ticks over 16 ms; p50 {beats['p50_ms']:.1f} ms",
            ),
            Figure(
                NAME,
                f"{tag}: generation",
                result["seconds"],
                "s",
                note=f"{result['pictures_shown']} pictures shown, outcome {result['outcome']}",
            ),
        )
        if checked:
            idle = result["idle_heartbeat"]
            out.add(
                Figure(
                    NAME,
                    "noise floor: same heartbeat, window idle",
                    idle["max_ms"],
                    "ms",
                    note=f"p99 {idle['p99_ms']:.1f} ms over {idle['ticks']} ticks: "
                    "lateness the machine adds by itself",
                )
            )
        out.raw[variant] = result
    return out
