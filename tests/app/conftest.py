"""The app's tests hash passwords with argon2id at its least work: the defaults take about half a
second a hash here, and these tests sign in hundreds of times. What the store hashes with (and
that a refused sign-in hashes nothing) is tested in tests/store/test_core.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def fast_argon2() -> Iterator[None]:
    from argon2 import PasswordHasher

    import evalkit.store.credentials as credentials_module

    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        patch.setattr(credentials_module, "_hasher", cheap)
        patch.setattr(credentials_module, "_DUMMY", [])
        yield
