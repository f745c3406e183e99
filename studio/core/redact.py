"""Scrub secrets from text that may reach a log, a message or a crash report, and
control sequences from log lines that reach a terminal."""

from __future__ import annotations

import logging
import re

from studio.core.terminal import terminal_text

_PATTERNS = (
    (re.compile(r"(://)[^/\s:@]+:[^/\s@]+@"), r"\1***@"),  # user:password@ in URLs
    (re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{8,}"), r"\1-***"),  # OpenAI-style keys
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-.=]{8,}"), r"\1***"),
    (re.compile(r"(?i)(api[-_]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",]{6,}"), r"\1***"),
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with known secrets and anything shaped like a key or credential replaced."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message without secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


class TerminalTextFilter(logging.Filter):
    """A logging filter that leaves each record's message and traceback printable text:
    a server's words in a log line never reach the terminal as control sequences."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = terminal_text(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = terminal_text(record.exc_text)
        if record.stack_info:
            record.stack_info = terminal_text(record.stack_info)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def install_terminal_text(logger: logging.Logger | None = None) -> None:
    """Add `TerminalTextFilter` to every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, TerminalTextFilter) for f in handler.filters):
            handler.addFilter(TerminalTextFilter())
