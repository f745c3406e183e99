"""4. Big books: a 200-page book of 1536x1024 pictures opened in the book view and paged through.

The renditions are made once from a few cached pictures; each page's files
are hard links to them, so the book costs seconds and almost no disk.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

from benchmarks import CACHE
from benchmarks.child import run_child
from benchmarks.common import Figure, Outcome, Preset, scratch
from benchmarks.pictures import picture

NAME = "big_book"
TARGET_FIRST_S = 1.0
TARGET_RSS_MB = 400.0
VARIANTS = 8


def renditions(seed: int) -> dict[str, Path]:
    folder = CACHE / f"renditions-{seed}"
    files = {
        "original": folder / "original.png",
        "display": folder / "display.jpg",
        "thumbnail": folder / "thumb.jpg",
    }
    if not all(p.exists() for p in files.values()):
        from studio.core import imaging

        rendered = imaging.make_renditions(picture(seed).read_bytes())
        folder.mkdir(parents=True, exist_ok=True)
        for key, data in (
            ("original", rendered.original),
            ("display", rendered.display),
            ("thumbnail", rendered.thumbnail),
        ):
            files[key].write_bytes(data)
    return files


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def make_book(pages: int, root: Path) -> Path:
    """A finished book of `pages` pages in a new library under `root`; returns its bundle."""
    from benchmarks.common import book_settings
    from studio.core.book import (
        MAX_PAGES,
        Book,
        Illustration,
        ImageStatus,
        ImageVersion,
        Page,
        PlanStatus,
        StyleGuide,
    )
    from studio.core.library import Library

    sources = [renditions(seed) for seed in range(VARIANTS)]
    settings = book_settings("http://127.0.0.1:9/v1", min(pages, MAX_PAGES), 4)
    book = Book(
        title=f"A {pages}-page book",
        settings=settings,
        plan_status=PlanStatus.DONE,
        style=StyleGuide(art_style="watercolour", palette="warm", medium="ink"),
    )
    bundle = Library(root).create(book)
    for number in range(1, pages + 1):
        source = sources[number % VARIANTS]
        version = ImageVersion(
            original=f"p{number:03d}.png",
            display=f"p{number:03d}-display.jpg",
            thumbnail=f"p{number:03d}-thumb.jpg",
            width=1536,
            height=1024,
        )
        for key in ("original", "display", "thumbnail"):
            _link(source[key], bundle.image_path(getattr(version, key)))
        book.pages.append(
            Page(
                number=number,
                text=f"Page {number}: the fox walked on through the long, long book.",
                scene=f"A fox on a path, page {number}.",
                image=Illustration(status=ImageStatus.DONE, current=version),
            )
        )
    bundle.save(book)
    return bundle.path


def run(preset: Preset) -> Outcome:
    out = Outcome()
    pages = preset.big_pages
    root = scratch("big")
    try:
        bundle = make_book(pages, root)
        args = {"bundle": str(bundle), "heartbeat_ms": preset.heartbeat_ms}
        book, book_crash = _survived("book", args)
        cards, cards_crash = _survived("cards", args)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    tag = f"{pages} pages"
    for label, crash in (("book view", book_crash), ("cards view", cards_crash)):
        if crash:
            out.add(
                Figure(
                    NAME,
                    f"{tag}: {label}, paging through / loading",
                    math.nan,
                    "s",
                    "no crash",
                    False,
                    note=f"the process died: {crash}",
                ),
            )
    if book is not None:
        _book_figures(out, tag, book)
    if cards is not None:
        _card_figures(out, tag, cards)
    out.raw = {"book": book, "cards": cards}
    return out


def _survived(mode: str, args: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The child's figures, or None and why the process died."""
    try:
        return run_child(mode, args), ""
    except RuntimeError as err:
        return None, str(err).split(": ", 1)[-1][:300]


def _book_figures(out: Outcome, tag: str, book: dict[str, Any]) -> None:
    first, rss = book["first_page_shown_s"], book["peak_rss_mb"]
    out.add(
        Figure(
            NAME,
            f"{tag}: book view, first page shown",
            first,
            "s",
            f"< {TARGET_FIRST_S:g} s",
            first < TARGET_FIRST_S,
            note=f"book.json read and shown in {book['load_book_json_s']:.3f} s",
        ),
        Figure(
            NAME,
            f"{tag}: book view, page turn p50 (new picture shown)",
            book["flip_p50_ms"],
            "ms",
            note=f"max {book['flip_max_ms']:.0f} ms; heartbeat max "
            f"{book['heartbeat']['max_ms']:.0f} ms",
        ),
        Figure(
            NAME,
            f"{tag}: book view, peak RSS after paging through",
            rss,
            "MB",
            f"< {TARGET_RSS_MB:g} MB",
            rss < TARGET_RSS_MB,
            note=f"{book['rss_before_mb']:.0f} MB before the book was opened",
        ),
    )


def _card_figures(out: Outcome, tag: str, cards: dict[str, Any]) -> None:
    beats = cards["heartbeat"]
    out.add(
        Figure(NAME, f"{tag}: cards view, first card with picture", cards["first_card_s"], "s"),
        Figure(
            NAME,
            f"{tag}: cards view, every card with picture",
            cards["all_cards_s"],
            "s",
            note=f"heartbeat max {beats['max_ms']:.0f} ms, p99 {beats['p99_ms']:.1f} ms",
        ),
        Figure(
            NAME,
            f"{tag}: cards view, peak RSS",
            cards["peak_rss_mb"],
            "MB",
            f"< {TARGET_RSS_MB:g} MB",
            cards["peak_rss_mb"] < TARGET_RSS_MB,
        ),
    )
