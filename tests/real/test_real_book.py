"""A whole book from a real local model server: llama-cpp-python with Gemma 3 270M.

The server refuses json_schema with HTTP 500, sends no usage chunk and runs one
request at a time; the model is weak enough to echo the schema. The studio must
still make a book whose every page has real words, with pictures from the painter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.library import Bundle
from tests.real.llama import LlamaServer

pytestmark = [pytest.mark.slow, pytest.mark.real_server, pytest.mark.timeout(1500)]

SCHEMA_WORDS = ('"type"', '"properties"', "additionalproperties", "json schema")


def studio(*args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_four_page_book_from_the_real_server(llama: LlamaServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(
        STUDIO_LIBRARY=str(tmp_path / "library"),
        STUDIO_CONFIG_DIR=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    started = time.monotonic()
    made = studio(
        "generate", "a shy hedgehog named Pip who is afraid of the dark", "--pages", "4",
        "--base-url", llama.base_url, "--text-model", llama.model, "--image-engine", "offline",
        env=env, timeout=1200,
    )  # fmt: skip
    took = time.monotonic() - started
    bundle = Path(made.stdout.strip().splitlines()[-1]) if made.stdout.strip() else None
    if made.returncode != 0 and bundle is not None:
        resumed = studio("resume", str(bundle), env=env, timeout=900)  # what a user does next
        assert resumed.returncode == 0, f"{made.stderr}\n--- resume ---\n{resumed.stderr}"
    else:
        assert made.returncode == 0, made.stderr
    assert bundle is not None
    book = Bundle(bundle).load()
    assert book.is_complete, made.stderr
    assert len(book.pages) == 4
    for page in book.pages:
        words = page.text.split()
        assert len(words) >= 4, f"page {page.number}: {page.text!r}"
        assert not any(w in page.text.lower() for w in SCHEMA_WORDS), page.text
        assert "{" not in page.text and page.image.current is not None
    assert len({p.text for p in book.pages}) == 4
    assert book.usage.cost_usd == 0
    learned = json.loads((tmp_path / "config" / "settings.json").read_text())["learned_formats"]
    assert list(learned.values()) == ["json_object"]  # json_schema got HTTP 500 once
    assert took < 1200
