"""What every view shares.

- `theme`: every colour and font, light and dark; the palette and app style sheet.
- `images`: the one picture loader (read, decode, scale in the executor) and its cache.
- `ops`: background work a widget owns (`Op(ops, work).success(cb).run_in_background()`).
- `loop`: the qasync loop's typed entry points (`async_slot`, `run`).
"""
