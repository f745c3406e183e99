"""The `studio` command as a user or a script runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import __version__
from studio.core.imaging import verify_file
from studio.core.library import Bundle
from tests.fakes.server import FakeOpenAIThread, Fault


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    clean.update(
        STUDIO_LIBRARY=str(tmp_path / "library"),
        STUDIO_CONFIG_DIR=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
    )
    return clean


@pytest.fixture
def server() -> Iterator[FakeOpenAIThread]:
    with FakeOpenAIThread(pages=3, retry_after=0.05) as fake:
        yield fake


def studio(
    *args: str, env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def check(bundle: str, env: dict[str, str]) -> dict[str, object]:
    result = studio("check", bundle, "--json", env=env)
    report: dict[str, object] = json.loads(result.stdout)
    assert result.returncode == (0 if report["valid"] else 1)
    return report


def test_version() -> None:
    result = studio("--version", env=dict(os.environ))
    assert result.returncode == 0
    assert result.stdout.strip() == f"Story Studio {__version__}"


def test_offline_engine_makes_a_complete_book(env: dict[str, str], tmp_path: Path) -> None:
    result = studio(
        "generate", "a shy hedgehog named Pip who is afraid of the dark", "--pages", "3", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "offline engine" in result.stderr
    bundle = result.stdout.strip().splitlines()[-1]
    assert Path(bundle).parent == tmp_path / "library"
    report = check(bundle, env)
    assert report == {
        "valid": True,
        "title": report["title"],
        "language": "en",
        "pages": 3,
        "texts_done": 3,
        "images_done": 3,
        "failed_pages": [],
        "problems": [],
    }
    book = Bundle(Path(bundle)).load()
    assert "Pip" in " ".join(p.text for p in book.pages)


def test_a_book_keeps_the_language_of_its_premise_or_the_one_asked_for(
    env: dict[str, str], tmp_path: Path
) -> None:
    told = studio("generate", "Una niña que colecciona nubes", "--pages", "2", env=env)
    assert told.returncode == 0, told.stderr
    assert check(told.stdout.strip().splitlines()[-1], env)["language"] == "es"
    asked = studio("generate", "A fox", "--pages", "2", "--language", "pt-br", env=env)
    assert asked.returncode == 0, asked.stderr
    bundle = Bundle(Path(asked.stdout.strip().splitlines()[-1]))
    assert bundle.load().settings.language == "pt-BR"
    japanese = studio("generate", "小さな竜が空を飛ぶ練習をする", "--pages", "2", env=env)
    assert japanese.returncode == 0, japanese.stderr
    assert "writes English and Spanish only, so this book (ja) will be written in English" in (
        japanese.stderr
    )
    book = Bundle(Path(japanese.stdout.strip().splitlines()[-1])).load()
    assert book.language == "ja" and "dragon" in book.pages[0].text
    assert "writes English" not in told.stderr
    wrong = studio("generate", "A fox", "--language", "Portuguese please", env=env)
    assert wrong.returncode == 2
    assert "is not a language tag; use a BCP 47 tag" in wrong.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "x", "--engine", "openai"], "OPENAI_API_KEY"),
        (["generate", "x", "--pages", "41"], "2 to 40"),
        (["generate", "x", "--pages", "1"], "2 to 40"),
        (["generate", "x", "--image-size", "big"], "WIDTHxHEIGHT"),
    ],
)
def test_bad_arguments_exit_2_and_say_what_to_do(
    args: list[str], message: str, env: dict[str, str]
) -> None:
    result = studio(*args, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_openai_engine_through_an_endpoint(server: FakeOpenAIThread, env: dict[str, str]) -> None:
    env["OPENAI_API_KEY"] = "sk-test-cli"
    result = studio("generate", "a fox", "--pages", "3", "--base-url", server.base_url, env=env)
    assert result.returncode == 0, result.stderr
    report = check(result.stdout.strip().splitlines()[-1], env)
    assert report["images_done"] == 3


def test_failed_pages_exit_3_and_resume_finishes(
    server: FakeOpenAIThread, env: dict[str, str]
) -> None:
    env["OPENAI_API_KEY"] = "sk-test-cli"
    server.inject(Fault.CONTENT_POLICY, endpoint="images", times=5, match="(page 2)")
    result = studio("generate", "a fox", "--pages", "3", "--base-url", server.base_url, env=env)
    assert result.returncode == 3, result.stderr
    assert "Page 2: picture failed" in result.stderr
    bundle = result.stdout.strip().splitlines()[-1]
    assert check(bundle, env)["failed_pages"] == [2]
    server.clear_faults()
    resumed = studio("resume", bundle, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip().splitlines()[-1] == bundle
    assert check(bundle, env)["images_done"] == 3


def test_a_bad_key_stops_with_exit_2(server: FakeOpenAIThread, env: dict[str, str]) -> None:
    env["OPENAI_API_KEY"] = "sk-test-wrong"
    server.inject(Fault.UNAUTHORIZED, endpoint="chat", times=5)
    result = studio("generate", "a fox", "--pages", "3", "--base-url", server.base_url, env=env)
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert "sk-test-wrong" not in result.stderr + result.stdout


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "studio", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_a_picture(library: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for bundle in library.glob("*.storybook"):
            if any(bundle.glob("images/*-display.jpg")):
                return bundle
        time.sleep(0.05)
    raise AssertionError("no picture appeared")


def test_ctrl_c_cancels_saves_and_exits_130(env: dict[str, str], tmp_path: Path) -> None:
    with FakeOpenAIThread(pages=8, image_latency=0.5) as slow:
        env["OPENAI_API_KEY"] = "sk-test-cli"
        proc = _start(
            [
                "generate",
                "a fox",
                "--pages",
                "8",
                "--concurrency",
                "2",
                "--base-url",
                slow.base_url,
            ],
            env,
        )
        bundle = _wait_for_a_picture(tmp_path / "library")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
        assert proc.returncode == 130, err
        assert "Cancelled" in err
        report = check(str(bundle), env)
        assert 1 <= int(report["images_done"]) < 8  # type: ignore[call-overload]
        resumed = studio("resume", str(bundle), env=env)
        assert resumed.returncode == 0, resumed.stderr
        assert check(str(bundle), env)["images_done"] == 8


def test_kill_9_mid_generation_leaves_a_loadable_book(env: dict[str, str], tmp_path: Path) -> None:
    with FakeOpenAIThread(
        pages=6, image_latency=0.3, image_jitter=0.3, image_size=(512, 512)
    ) as slow:
        env["OPENAI_API_KEY"] = "sk-test-cli"
        proc = _start(["generate", "a fox", "--pages", "6", "--base-url", slow.base_url], env)
        bundle = _wait_for_a_picture(tmp_path / "library")
        time.sleep(0.2)
        proc.kill()
        proc.communicate(timeout=10)
        book = Bundle(bundle).load()
        for page in book.pages:
            if page.is_done:
                assert page.image.current is not None
                assert verify_file(
                    Bundle(bundle).image_path(page.image.current.original).read_bytes()
                )
        resumed = studio("resume", str(bundle), env=env)
        assert resumed.returncode == 0, resumed.stderr
        assert check(str(bundle), env)["images_done"] == 6


def test_check_reports_a_broken_book(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.storybook"
    broken.mkdir()
    (broken / "book.json").write_text('{"schema_version": 1, "settings": {"premise": 3}}')
    report = check(str(broken), env)
    assert report["valid"] is False
    assert "book.json" in str(report["problems"])
    human = studio("check", str(broken), env=env)
    assert human.returncode == 1 and "NOT valid" in human.stdout


def test_review_and_regenerate_with_the_note(env: dict[str, str]) -> None:
    made = studio("generate", "a kitten named Miso who wants to fly", "--pages", "3", env=env)
    bundle = made.stdout.strip().splitlines()[-1]
    before = Bundle(Path(bundle)).load()
    marked = studio(
        "review",
        bundle,
        "--page",
        "2",
        "--state",
        "needs_changes",
        "--note",
        "Make it funnier",
        env=env,
    )
    assert marked.returncode == 0, marked.stderr
    assert "page 2 needs changes" in marked.stdout
    rewritten = studio("regenerate", bundle, "--page", "2", "--text", "--with-note", env=env)
    assert rewritten.returncode == 0, rewritten.stderr
    redrawn = studio("regenerate", bundle, "--page", "1", "--picture", env=env)
    assert redrawn.returncode == 0, redrawn.stderr
    after = Bundle(Path(bundle)).load()
    assert after.pages[1].text != before.pages[1].text
    assert after.pages[1].text_history[-1].text == before.pages[1].text
    assert after.pages[1].review.notes == "Make it funnier"
    assert after.pages[0].image.history == [before.pages[0].image.current]
    missing = studio("review", bundle, "--page", "9", env=env)
    assert missing.returncode == 2 and "no page 9" in missing.stderr


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_a_story_server_with_the_offline_painter(
    server: FakeOpenAIThread, env: dict[str, str]
) -> None:
    made = studio(
        "generate", "a fox", "--pages", "3", "--base-url", server.base_url,
        "--text-model", "gemma-3-270m", "--image-engine", "offline", env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "offline painter" in made.stderr
    assert server.requests_to("images") == []
    assert check(_last_line(made), env)["images_done"] == 3
    book = Bundle(Path(_last_line(made))).load()
    assert book.settings.image_engine == "offline" and book.usage.cost_usd == 0
    assert {p.image.current.model for p in book.pages if p.image.current} == {"offline-painter"}


def test_resume_with_a_new_base_url_moves_the_pictures_too(
    server: FakeOpenAIThread, env: dict[str, str]
) -> None:
    env["OPENAI_API_KEY"] = "sk-test-cli"
    gone = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    server.inject(Fault.CONTENT_POLICY, endpoint="images", times=3)
    made = studio("generate", "a fox", "--pages", "3", "--base-url", server.base_url, env=env)
    assert made.returncode == 3, made.stderr
    bundle = _last_line(made)
    assert Bundle(Path(bundle)).load().settings.image_base_url is None  # "same as the story"
    with FakeOpenAIThread(pages=3) as moved:
        resumed = studio("resume", bundle, "--base-url", moved.base_url, env=env)
        assert resumed.returncode == 0, resumed.stderr
        assert len(moved.requests_to("images")) == 3
    assert len(server.requests_to("images")) == 3
    split = studio(
        "resume", bundle, "--base-url", gone, "--image-base-url", server.base_url, env=env
    )
    assert split.returncode == 0, split.stderr
    settings = Bundle(Path(bundle)).load().settings
    assert (settings.base_url, settings.image_base_url) == (gone, server.base_url)


def test_help_states_where_each_setting_comes_from(env: dict[str, str]) -> None:
    for command in ("resume", "regenerate"):
        shown = studio(command, "--help", env=env)
        assert "from its flag, else from the book, else from the environment" in " ".join(
            shown.stdout.split()
        )
        assert "--image-engine" in shown.stdout and "--response-format" in shown.stdout


def test_check_calls_a_failed_story_and_a_cut_picture_invalid(
    server: FakeOpenAIThread, env: dict[str, str]
) -> None:
    env["OPENAI_API_KEY"] = "sk-test-cli"
    server.inject(Fault.REFUSAL, endpoint="chat", times=20)
    failed = studio(
        "generate", "a fox", "--pages", "3", "--base-url", server.base_url, "--plan", "whole",
        env=env,
    )  # fmt: skip
    assert failed.returncode == 1, failed.stderr
    report = check(_last_line(failed), env)
    assert report["valid"] is False
    assert "declined to write this story" in str(report["problems"])
    server.clear_faults()
    made = studio("generate", "a fox", "--pages", "3", "--base-url", server.base_url, env=env)
    bundle = Path(_last_line(made))
    original = Bundle(bundle).load().pages[0].image.current
    assert original is not None
    picture = bundle / "images" / original.original
    picture.write_bytes(picture.read_bytes()[: picture.stat().st_size // 2])
    report = check(str(bundle), env)
    assert report["valid"] is False and "Page 1" in str(report["problems"])


def test_a_review_note_reaches_the_rewriter_and_the_painter_in_their_own_words(
    server: FakeOpenAIThread, env: dict[str, str]
) -> None:
    key = {**env, "OPENAI_API_KEY": "sk-test-notes"}
    made = studio("generate", "a kitten named Miso", "--pages", "2", "--engine", "openai",
                  "--base-url", server.base_url, env=key)  # fmt: skip
    assert made.returncode == 0, made.stderr
    bundle = _last_line(made)
    marked = studio("review", bundle, "--page", "2", "--state", "needs_changes",
                    "--note", "Make it funnier", env=env)  # fmt: skip
    assert marked.returncode == 0, marked.stderr
    server.reset()
    rewritten = studio("regenerate", bundle, "--page", "2", "--text", "--with-note", env=key)
    assert rewritten.returncode == 0, rewritten.stderr
    [chat] = server.requests_to("chat")
    sent = json.dumps(chat.body["messages"])
    assert "Rewrite this page as the author's review note asks: Make it funnier" in sent
    assert "Redraw this picture" not in sent
    redrawn = studio("regenerate", bundle, "--page", "2", "--picture", "--with-note",
                     "--instruction", "a red kite in the sky", env=key)  # fmt: skip
    assert redrawn.returncode == 0, redrawn.stderr
    [picture] = server.requests_to("images")
    prompt = str(picture.body["prompt"])
    assert "Change: a red kite in the sky" in prompt
    assert "change requested by the author: Make it funnier." in prompt
