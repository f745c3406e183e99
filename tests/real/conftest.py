"""The real local model server, started once for the tests in this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.real.llama import LlamaServer, installed, llama_server
from tests.tools import missing_tool


@pytest.fixture(scope="session")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    if not installed():
        missing_tool("llama-cpp-python's server is not installed: run scripts/real-server.sh")
    with llama_server(tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server
