"""`studio --smoke`, run in this process: the same code a frozen build runs."""

from __future__ import annotations

import pytest

from studio.smoke import run_smoke

pytestmark = pytest.mark.gui


def test_smoke_makes_a_book_and_a_pdf(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_smoke() == 0
    out, err = capsys.readouterr()
    assert out.startswith("smoke ok: ")
    assert "3 pages, 3 pictures" in out
    assert err == ""


def test_smoke_fails_with_a_message_when_out_of_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_smoke(time_limit=0.05) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "smoke FAILED: did not finish within" in err
