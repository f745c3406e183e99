"""An understanding the author corrected in the New Book form is kept with the book and
is what the offline engine writes and paints from, through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

from studio.core.book import Book, GenerationSettings
from studio.core.library import BookStore, Library
from studio.core.offline import understand
from studio.core.pipeline import Pipeline, PipelineConfig
from studio.core.prompting import image_request
from studio.core.providers.offline import OfflineImageProvider, OfflineTextProvider


async def test_a_corrected_main_character_is_the_one_in_the_book(tmp_path: Path) -> None:
    premise = "A moth who loves the moon"
    read = understand(premise, "en")
    assert (read.noun, read.time_of_day) == ("moth", "night")
    corrected = read.model_copy(update={"noun": "beetle", "name": "Bo", "body_plan": "insect"})
    settings = GenerationSettings(
        premise=premise, pages=3, engine="offline", language="en", understanding=corrected
    )
    bundle = Library(tmp_path / "library").create(Book(settings=settings))
    pipeline = Pipeline(
        BookStore(bundle, bundle.load()),
        OfflineTextProvider(),
        OfflineImageProvider(),
        config=PipelineConfig(concurrency=2),
    )
    await pipeline.run()
    book = bundle.load()
    assert book.settings.understanding == corrected, "the correction is saved with the book"
    first = book.pages[0]
    assert "Bo" in first.text and "beetle" in first.text.lower()
    assert "moth" not in " ".join(p.text.lower() for p in book.pages)
    assert "beetle" in image_request(book, first).prompt.lower()
    assert all(p.image.current is not None for p in book.pages)
