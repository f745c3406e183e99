"""The languages the offline engine writes: English, and Spanish from es.toml.

A book in any other language is written in English; `writes_language` says so
before it happens and `language_notice` gives the sentence to show.
"""

from __future__ import annotations

from studio.core.language import name, primary

WRITTEN = ("en", "es")
"""Primary language subtags the offline engine writes books in."""


def primary_language(tag: str) -> str:
    """The primary subtag of a BCP 47 tag, lower case: "es-MX" gives "es"."""
    return primary(tag or "en").lower()


def writes_language(tag: str) -> bool:
    """Whether the offline engine writes a book in `tag` (else it writes English)."""
    return primary_language(tag) in WRITTEN


def rewrite_notice(tag: str) -> str | None:
    """What to tell the author when the offline engine cannot rewrite a page of a book
    in `tag` (its rewrites are English templates), or None."""
    if primary_language(tag) == "en":
        return None
    return (
        f"The offline engine rewrites pages in English only; rewriting a page of this "
        f"{name(tag)} book needs a model (Settings > Provider)."
    )


def language_notice(tag: str) -> str | None:
    """What to tell the author when the offline engine cannot write `tag`, or None."""
    if writes_language(tag):
        return None
    return (
        f"The offline engine writes English and Spanish only, so this book ({tag}) will be "
        "written in English. Connect a model in Settings > Provider to write it in its language."
    )
