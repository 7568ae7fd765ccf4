"""Secrets never reach a file: redact credentials from any text evalkit stores or prints.

Servers echo credentials in error bodies ("Incorrect API key provided: sk-..."), and a
base_url may carry a password (https://user:pw@host). `redact` removes the configured key,
bearer and basic credentials, URL passwords, and strings shaped like API keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[redacted]"
_PATTERNS = (
    # Authorization schemes: Bearer / Basic / Token followed by a credential
    re.compile(r"(?i)\b(bearer|basic|token)(\s+|%20)[A-Za-z0-9._~+/=\-]{6,}"),
    # user:password@ in URLs
    re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*):[^@\s/]*@"),
    # common API key shapes: sk-..., sk-proj-..., hf_..., ghp_..., xox?-..., AKIA...
    re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\b(hf|ghp|gho|ghs|glpat|xox[abpr])[_-][A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bAKIA[0-9A-Z]{12,}"),
    # key=value / "api_key": "value"
    re.compile(
        r"(?i)((?:api[_-]?key|access[_-]?token|secret|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]{4,}"
    ),
)


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """`text` without the given secrets and without anything shaped like a credential."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}:{MASK}@", text)
    for pattern in _PATTERNS[2:5]:
        text = pattern.sub(MASK, text)
    return _PATTERNS[5].sub(lambda m: f"{m.group(1)}{MASK}", text)
