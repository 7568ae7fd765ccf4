"""Model backends: one OpenAI-compatible client for every endpoint, and the embedded llama.cpp
servers that make the demo and the tests run a real model offline."""

from evalkit.models.client import (
    ChatResult,
    ModelCallError,
    ModelClient,
    client_for,
    completion_prompt,
)
from evalkit.models.embedded import LlamaServer, gguf_path, serving

__all__ = [
    "ChatResult",
    "LlamaServer",
    "ModelCallError",
    "ModelClient",
    "client_for",
    "completion_prompt",
    "gguf_path",
    "serving",
]
