"""A book's language: a BCP 47 tag, told by the premise or chosen by the author.

`detect(text)` reads the script first (kana is Japanese, Hangul Korean, Arabic,
Hebrew, Devanagari, Thai, Greek, Cyrillic, …); for Latin script it scores the
words against the common words of each language in
`studio/assets/languages/common_words.toml`, with a few letters that only one
language uses as tie-breakers. Premises are a sentence long, which is too short
for a statistical model to be surer than this; when nothing tells, the answer
is English.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache

from studio.resources import asset_path

DEFAULT = "en"

NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ka": "Georgian",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "yi": "Yiddish",
    "zh": "Chinese",
}
"""English names of the languages the studio names in prompts and messages."""

RIGHT_TO_LEFT = frozenset({"ar", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"})

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?$")

# (first code point, last code point, language): a script that tells its language
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x3040, 0x30FF, "ja"),  # hiragana, katakana
    (0x31F0, 0x31FF, "ja"),
    (0xAC00, 0xD7AF, "ko"),  # hangul syllables
    (0x1100, 0x11FF, "ko"),
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x0590, 0x05FF, "he"),
    (0x0900, 0x097F, "hi"),
    (0x0980, 0x09FF, "bn"),
    (0x0B80, 0x0BFF, "ta"),
    (0x0E00, 0x0E7F, "th"),
    (0x0370, 0x03FF, "el"),
    (0x1F00, 0x1FFF, "el"),
    (0x0400, 0x04FF, "ru"),
    (0x10A0, 0x10FF, "ka"),
    (0x0530, 0x058F, "hy"),
    (0x4E00, 0x9FFF, "zh"),  # han: Chinese unless kana says Japanese
    (0x3400, 0x4DBF, "zh"),
)


class LanguageError(ValueError):
    """A language tag that is not BCP 47."""


def normalise(tag: str) -> str:
    """`tag` in its canonical case ("pt-br" → "pt-BR", "zh-hant" → "zh-Hant").

    Raises LanguageError for anything that is not a language tag."""
    tag = tag.strip().replace("_", "-")
    if not _TAG.match(tag):
        raise LanguageError(
            f"{tag!r} is not a language tag; use a BCP 47 tag such as en, es, pt-BR or ja."
        )
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


def primary(tag: str) -> str:
    """The language without its script or region: "pt-BR" → "pt"."""
    return tag.split("-")[0].lower()


def name(tag: str) -> str:
    """The language's English name ("es" → "Spanish"); the tag itself when unknown."""
    return NAMES.get(primary(tag), tag)


def is_right_to_left(tag: str) -> bool:
    return primary(tag) in RIGHT_TO_LEFT


def detect(text: str) -> str:
    """The language `text` is written in, as a BCP 47 tag (English when nothing tells)."""
    by_script = _by_script(text)
    if by_script is not None:
        return by_script
    return _by_words(text)


def _by_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        for first, last, lang in _SCRIPTS:
            if first <= code <= last:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not counts:
        return None
    if counts.get("ja"):
        return "ja"  # kana with or without kanji
    lang, count = max(counts.items(), key=lambda item: item[1])
    if count * 2 < letters:
        return None  # mostly Latin, with a word or two in another script
    if lang == "ru" and any(c in text for c in "іїєґІЇЄҐ"):
        return "uk"
    if lang == "ar" and any(c in text for c in "پچژگ"):
        return "fa"
    return lang


@cache
def _common_words() -> dict[str, frozenset[str]]:
    table = tomllib.loads(asset_path("languages/common_words.toml").read_text(encoding="utf-8"))
    return {lang: frozenset(entry["words"].split()) for lang, entry in table.items()}


# letters that only one of the Latin-script languages above uses
_LETTERS = {"ñ": "es", "¿": "es", "¡": "es", "ß": "de", "ã": "pt", "õ": "pt", "ø": "da"}


def _by_words(text: str) -> str:
    lowered = unicodedata.normalize("NFC", text.casefold())
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", lowered)
    if not words:
        return DEFAULT
    scores = {lang: sum(w in common for w in words) for lang, common in _common_words().items()}
    for letter, lang in _LETTERS.items():
        if letter in lowered and lang in scores:
            scores[lang] += 2
    best = max(scores.values())
    if best == 0:
        return DEFAULT
    leaders = [lang for lang, score in scores.items() if score == best]
    return DEFAULT if DEFAULT in leaders else sorted(leaders)[0]
