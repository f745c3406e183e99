"""Text from a book, a server or a file name, made safe to print on a terminal.

A terminal acts on control sequences in what it prints: OSC 52 writes the
clipboard, CSI 2J clears the screen, a carriage return lets a title overwrite
its own line, and bidi overrides make text read differently from what it is.
`terminal_text` keeps every printable character in every script and removes
the rest, so untrusted text can only ever show up as text.
"""

from __future__ import annotations

import re

# ESC- and C1-introduced sequences, removed whole when complete.
_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]     # CSI ... final byte
    | (?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)    # OSC ... BEL or ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f])                      # DCS, SOS, PM, APC ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)                   # ... up to ST (or BEL)
    | \x1b[\x20-\x2f]+[\x30-\x7e]                            # nF: ESC ( B and friends
    | \x1b[\x30-\x7e]                                        # two-byte: ESC c, ESC 7, ESC M
    """,
    re.VERBOSE,
)

# What is left after the sequences: C0 controls but newline and tab, DEL, C1
# controls, bidi embeddings, overrides and isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n]+")

REMOVED = frozenset(
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n\t"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
"""Every code point `terminal_text` never lets through (lone surrogates aside)."""


def terminal_text(text: object, *, one_line: bool = False) -> str:
    """`text` as a terminal shows it literally: printable characters, newlines and tabs.

    Complete escape sequences (CSI, OSC, DCS, SOS, PM, APC, two-byte escapes, and
    their 8-bit C1 forms) go whole; what is left of a broken one loses its
    introducer and shows as plain characters. C0 and C1 controls (carriage
    return and backspace too) and bidi overrides and isolates are removed, and a
    lone surrogate, which no terminal encoding can carry, becomes U+FFFD.
    `one_line` also turns newlines and tabs into single spaces (for a field in a
    listing or a one-line message).
    """
    cleaned = _CONTROL.sub("", _SEQUENCE.sub("", str(text)))
    cleaned = _SURROGATE.sub("\ufffd", cleaned)
    if one_line:
        cleaned = _LINE_BREAKS.sub(" ", cleaned)
    return cleaned


__all__ = ["REMOVED", "terminal_text"]
