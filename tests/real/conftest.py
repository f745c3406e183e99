"""The real local model server, started once for the tests in this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.real import llama as real
from tests.real.llama import LlamaServer
from tests.tools import missing_tool


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """llama-cpp-python's server with Gemma 3 270M: `.base_url` (…/v1), `.model`, `.log`."""
    if not real.installed():
        missing_tool("llama-cpp-python's server is not installed: run scripts/real-server.sh")
    with real.llama_server(tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def llama(llama_server: LlamaServer) -> LlamaServer:
    """The same server under its shorter name."""
    return llama_server
