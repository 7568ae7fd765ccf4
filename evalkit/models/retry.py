"""When to retry a model request, and how long to wait: exponential backoff with full jitter,
at least as long as the server's Retry-After on 429/503."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 120.0


@dataclass(frozen=True)
class BackoffPolicy:
    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        exponential = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        jittered = exponential * (0.5 + rng.random() / 2)
        if retry_after_s is not None:
            return max(min(retry_after_s, MAX_RETRY_AFTER_S), jittered)
        return jittered


def is_retryable_status(status: int) -> bool:
    """5xx, 408 and 429 are worth another try; any other 4xx is the caller's mistake."""
    return status in RETRY_STATUSES or 500 <= status < 600


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
