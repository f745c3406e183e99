import logging

import pytest

from studio.core.redact import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("GET http://user:hunter22@example.com/v1/models", "hunter22"),
        ("Incorrect API key provided: sk-proj-abcdefghijklmnop", "abcdefghijklmnop"),
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnop"),
        ("{'api_key': 'mysecretvalue123'}", "mysecretvalue123"),
    ],
)
def test_credentials_never_survive(text: str, hidden: str) -> None:
    assert hidden not in redact(text)


def test_a_known_secret_is_removed_whatever_its_shape() -> None:
    assert "plainsecret" not in redact("key=plainsecret", "plainsecret")


def test_log_records_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("studio.test.redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="studio.test.redact"):
        logger.info("calling %s", "https://bob:pa55word@host/v1")
    assert "pa55word" not in caplog.text
    assert "https://***@host/v1" in caplog.text
