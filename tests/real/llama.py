"""llama-cpp-python's OpenAI-compatible server with Gemma 3 270M, on a random loopback port.

Installed by `scripts/real-server.sh` into `.venv-llama`; used by the tests in this
folder and by the real-model benchmark.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-llama" / "bin" / "python"
# The packaged GGUF with Gemma 3's chat template written in (see scripts/real-server.sh):
# without one the server falls back to the llama-2 format, where the model mostly answers
# with an empty message.
GGUF = ROOT / ".venv-llama" / "models" / "gemma-3-270m.gguf"
MODEL = "gemma-3-270m"


@dataclass(frozen=True)
class LlamaServer:
    base_url: str
    model: str
    log: Path


def installed() -> bool:
    return PYTHON.is_file() and GGUF.is_file()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def llama_server(log: Path, *, start_limit: float = 120.0) -> Iterator[LlamaServer]:
    """Start the server, wait until it lists its model, stop it afterwards."""
    port = _free_port()
    command = [
        str(PYTHON), "-m", "llama_cpp.server", "--model", str(GGUF), "--model_alias", MODEL,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192", "--n_threads", "2",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}/v1"
        try:
            _wait_until_ready(base_url, process, log, start_limit)
            yield LlamaServer(base_url, MODEL, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], log: Path, limit: float
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama server exited ({process.returncode}): {_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as answer:
                if any(m.get("id") == MODEL for m in json.load(answer).get("data", [])):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"llama server did not answer within {limit:g} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-1500:]
