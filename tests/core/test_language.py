"""A book's language: told by its premise's script or words, or chosen as a BCP 47 tag."""

from __future__ import annotations

import pytest

from studio.core.book import Book, GenerationSettings
from studio.core.language import LanguageError, detect, is_right_to_left, name, normalise


@pytest.mark.parametrize(
    ("premise", "language"),
    [
        ("A moth who loves the moon", "en"),
        ("A brave girl named Amara and her grandmother's drum", "en"),
        ("Una niña que colecciona nubes", "es"),
        ("Un petit renard qui a peur du noir", "fr"),
        ("Ein kleiner Igel sucht seinen Freund", "de"),
        ("Il piccolo gufo e la luna", "it"),
        ("Uma menina e o seu gato", "pt"),
        ("Een klein meisje en de zee", "nl"),
        ("小さな竜が空を飛ぶ練習をする", "ja"),
        ("一只小龙学飞", "zh"),
        ("작은 용이 하늘을 난다", "ko"),
        ("قطة صغيرة تحب القمر", "ar"),
        ("ילדה קטנה ודג", "he"),
        ("एक छोटा हाथी", "hi"),
        ("แมวน้อยกับดวงจันทร์", "th"),
        ("Маленький ёжик ищет друга", "ru"),
        ("Маленький їжак", "uk"),
        ("Μια μικρή κουκουβάγια", "el"),
        ("Pip", "en"),
        ("", "en"),
        ("A dragon called 竜", "en"),
    ],
)
def test_the_premise_tells_the_language(premise: str, language: str) -> None:
    assert detect(premise) == language


def test_tags_are_canonical_and_checked() -> None:
    assert normalise("pt-br") == "pt-BR"
    assert normalise(" zh_hant ") == "zh-Hant"
    assert normalise("es-419") == "es-419"
    with pytest.raises(LanguageError, match="BCP 47"):
        normalise("Spanish please")


def test_names_and_direction() -> None:
    assert name("es-MX") == "Spanish"
    assert name("xx") == "xx"
    assert is_right_to_left("ar-EG") and is_right_to_left("he")
    assert not is_right_to_left("en")


def test_a_book_keeps_its_language_or_reads_it_from_the_premise() -> None:
    chosen = Book(settings=GenerationSettings(premise="A fox", language="es-mx"))
    assert chosen.language == "es-MX"
    older = Book.model_validate({"settings": {"premise": "Una niña que colecciona nubes"}})
    assert older.settings.language is None and older.language == "es"
    with pytest.raises(ValueError, match="BCP 47"):
        GenerationSettings(premise="A fox", language="not a language")
