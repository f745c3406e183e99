"""The provider for any OpenAI-compatible endpoint.

Works with OpenAI itself, Azure, Ollama, LM Studio, llama.cpp server, vLLM and
LocalAI. Every failure leaves this package as a `ProviderError` whose message a
person can act on, quoting the server's own words; the API key never appears in one.
"""

from studio.core.providers.openai import _sdk  # noqa: F401  (warms the SDK's lazy imports)
from studio.core.providers.openai._client import make_client
from studio.core.providers.openai._download import download
from studio.core.providers.openai._errors import map_openai_error, retry_after_seconds
from studio.core.providers.openai._formats import ResponseFormat, parse_format
from studio.core.providers.openai._images import OpenAIImageProvider
from studio.core.providers.openai._pictures import read_picture_json
from studio.core.providers.openai._schema import (
    outline_schema,
    page_schema,
    rewrite_schema,
    story_plan_schema,
)
from studio.core.providers.openai._sse import read_sse_event, split_sse
from studio.core.providers.openai._text import (
    OpenAITextProvider,
    outline_token_cap,
    plan_token_cap,
)

__all__ = [
    "OpenAIImageProvider",
    "OpenAITextProvider",
    "ResponseFormat",
    "download",
    "make_client",
    "map_openai_error",
    "outline_schema",
    "outline_token_cap",
    "page_schema",
    "parse_format",
    "plan_token_cap",
    "read_picture_json",
    "read_sse_event",
    "retry_after_seconds",
    "rewrite_schema",
    "split_sse",
    "story_plan_schema",
]
