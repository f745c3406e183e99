"""Fakes the tests and benchmarks talk to instead of real services."""

from tests.fakes.server import FakeOpenAI, FakeOpenAIThread, Fault, RecordedRequest

__all__ = ["FakeOpenAI", "FakeOpenAIThread", "Fault", "RecordedRequest"]
