"""The API key never leaves memory: a whole session, then every file and output searched.

The session runs the real command line with a recognisable key: generate through the
fake server with verbose logging (a picture refused, so resume has work), resume,
a rejected key, a server that echoes the key back in its errors, a base URL with
credentials in it, export to every format, import the archive, list and check, and
settings saved. Then every file written under the test's home (library, exports,
config dir) and everything printed is searched for the key, inside zip members,
EPUBs and PDF streams too.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from studio.core.settings import AppSettings, save_settings, settings_file
from tests.fakes.server import FakeOpenAIThread, Fault
from tests.reliability.helpers import CANARY, Run, studio, studio_env

URL_SECRET = "sk-test-URLSECRET-canary-5678"
SECRETS = (CANARY, URL_SECRET, "SECRET-canary", "URLSECRET")


class EchoServer:
    """A rude OpenAI-compatible server that repeats the Authorization header in every error."""

    def __init__(self, status: int, code: str | None) -> None:
        self.status, self.code = status, code
        self.seen: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.base_url = ""

    async def _answer(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        self.seen.append(auth)
        message = f"Request with '{auth}' refused; content_policy check for {auth[7:]}"
        body = {"error": {"message": message, "type": "invalid_request_error", "code": self.code}}
        return web.json_response(body, status=self.status)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._answer)
        app.router.add_post("/v1/images/generations", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"

    def __enter__(self) -> EchoServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def _blobs(path: Path) -> Iterator[tuple[str, bytes]]:
    """The bytes of a file, and of what is packed inside it (zip members, PDF streams)."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                yield f"{path}!{info.filename}", zf.read(info)
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        yield f"{path}!text", text.encode()
        for number, obj in enumerate(reader.resolved_objects.values()):
            get_data = getattr(obj, "get_data", None)
            if get_data is not None:
                try:
                    yield f"{path}!obj{number}", get_data()
                except Exception:  # a stream pypdf cannot decode is searched raw above
                    continue


def _leaks(root: Path, outputs: list[Run]) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for where, blob in _blobs(path):
            for secret in SECRETS:
                if secret.encode() in blob:
                    found.append(f"{secret} in {where}")
    for run in outputs:
        for secret in SECRETS:
            if secret in run.stdout + run.stderr:
                found.append(f"{secret} printed: {run.stdout[-300:]} {run.stderr[-300:]}")
    return found


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], list[Run]]]:
    home = tmp_path / "home"
    env = studio_env(home, OPENAI_API_KEY=CANARY)
    yield home, env, []


@pytest.mark.slow
def test_a_whole_session_leaves_the_key_nowhere(
    session: tuple[Path, dict[str, str], list[Run]], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, env, runs = session
    library = home / "library"
    exports = home / "exports"
    exports.mkdir(parents=True)

    def run(*args: object, code: int | None = 0) -> Run:
        result = studio(*map(str, args), env=env)
        runs.append(result)
        if code is not None:
            assert result.code == code, (args, result.stderr)
        return result

    with FakeOpenAIThread(pages=3) as server:
        server.inject(Fault.CONTENT_POLICY, endpoint="images", match="(page 2)", times=9)
        first = run(
            "-v", "--library", library, "generate", "a fox and a lantern", "--pages", 3,
            "--engine", "openai", "--base-url", server.base_url, code=3,
        )  # fmt: skip
        bundle = first.bundle
        assert bundle is not None
        assert all(r.body for r in server.requests_to("images"))  # the key was really sent
        server.clear_faults()
        run("-v", "resume", bundle)

        server.inject(Fault.UNAUTHORIZED, endpoint="chat", times=9)
        rejected = run(
            "-v", "--library", library, "generate", "a badger", "--pages", 2,
            "--engine", "openai", "--base-url", server.base_url, code=2,
        )  # fmt: skip
        assert "OPENAI_API_KEY" in rejected.stderr
        server.clear_faults()

        # servers that echo the key back in their errors: the story, and one picture
        with EchoServer(400, None) as echo:
            echoed = run(
                "-v", "--library", library, "generate", "an owl", "--pages", 2,
                "--engine", "openai", "--base-url", echo.base_url, code=1,
            )  # fmt: skip
            assert any(CANARY in a for a in echo.seen)
            assert echoed.bundle is not None
        with EchoServer(400, "content_policy_violation") as echo:
            run(
                "-v", "--library", library, "generate", "a mole", "--pages", 2,
                "--engine", "openai", "--base-url", server.base_url,
                "--image-base-url", echo.base_url, code=3,
            )  # fmt: skip
        with EchoServer(500, None) as echo:
            run(
                "-v", "--library", library, "generate", "a wren", "--pages", 2,
                "--engine", "openai", "--base-url", server.base_url,
                "--image-base-url", echo.base_url, code=3,
            )  # fmt: skip

    for fmt, out in [
        ("pdf", exports / "book.pdf"),
        ("epub", exports / "book.epub"),
        ("html", exports / "web"),
        ("png", exports / "pages"),
        ("archive", exports / "book.storybook.zip"),
    ]:
        run("export", bundle, "--format", fmt, "--out", out)
    run("--library", home / "imported", "import", exports / "book.storybook.zip")
    run("--library", library, "library")
    run("check", bundle, "--json")

    monkeypatch.setenv("STUDIO_CONFIG_DIR", env["STUDIO_CONFIG_DIR"])
    with_credentials = f"http://user:{URL_SECRET}@models.example.com/v1"
    save_settings(AppSettings(base_url=with_credentials, image_base_url=with_credentials))
    assert settings_file().is_file()

    assert _leaks(home, runs) == []


@pytest.mark.slow
def test_credentials_in_a_base_url_are_used_but_never_stored_or_printed(tmp_path: Path) -> None:
    env = studio_env(tmp_path / "home", OPENAI_API_KEY=CANARY)
    with FakeOpenAIThread(pages=2) as server:
        port = server.base_url.split(":")[2].split("/")[0]
        url = f"http://user:{URL_SECRET}@127.0.0.1:{port}/v1"
        run = studio(
            "-v", "--library", tmp_path / "home/library", "generate", "a heron", "--pages", 2,
            "--engine", "openai", "--base-url", url, env=env,
        )  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.bundle is not None
    stored = json.loads((run.bundle / "book.json").read_text())["settings"]["base_url"]
    assert stored == server.base_url
    assert _leaks(tmp_path / "home", []) == []
    assert _leaks(tmp_path / "empty", [run]) == []


def test_plain_http_to_another_machine_warns_that_the_key_travels_unencrypted(
    tmp_path: Path,
) -> None:
    env = studio_env(tmp_path / "home", OPENAI_API_KEY=CANARY)
    # 127.0.0.2 is not one of the local names, so it stands for another machine here
    with FakeOpenAIThread(pages=2, host="127.0.0.2") as server:
        run = studio(
            "--library", tmp_path / "lib", "generate", "a fox", "--pages", 2,
            "--engine", "openai", "--base-url", server.base_url, env=env,
        )  # fmt: skip
    assert run.code == 0, run.stderr
    assert "127.0.0.2 uses plain http: the API key would travel unencrypted" in run.stderr
    assert run.stderr.count("unencrypted") == 1
    assert CANARY not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("url", "warns"),
    [
        ("http://192.168.1.20:8080/v1", True),
        ("http://models.example.com/v1", True),
        ("http://user:pw@models.example.com/v1", True),
        ("HTTP://MODELS.EXAMPLE.COM/v1", True),
        ("https://models.example.com/v1", False),
        ("http://localhost:11434/v1", False),
        ("http://127.0.0.1:1234/v1", False),
        ("http://[::1]:1234/v1", False),
        (None, False),
    ],
)
def test_which_addresses_warn(url: str | None, warns: bool) -> None:
    from studio.core.config import insecure_url_warning

    warning = insecure_url_warning(url)
    assert bool(warning) is warns
    assert warning is None or ("unencrypted" in warning and "pw" not in warning)
