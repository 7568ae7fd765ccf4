"""Secrets and the rules around them, with no database: password and token hashing, password
strength, rater names, token lifetimes and the sign-in limits policy.

The store applies them (`raters.py` when a secret is set, `login.py` at sign-in); the CLI checks
a name and password with `check_rater` before any store is opened or created.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from evalkit.errors import UserError

DEFAULT_TOKEN_DAYS = 90
RATER_PASSWORD_MIN = 8
ADMIN_PASSWORD_MIN = 12
TOKEN_WORDS = "reusable until reset or expired"  # what a token is, said the same way everywhere


@dataclass(frozen=True)
class LoginPolicy:
    """Sign-in limits, per name and per client address (failures within `window` seconds).

    A name: every failure after the first makes the next attempt wait (1 s, 2 s, 4 s …), and
    `name_lock_after` failures lock the name for `lock_seconds`, twice as long for each further
    lock (up to `max_lock`). A client address allows more failures (several raters may share
    one address) before the same delays and locks. A refused attempt computes no hash."""

    name_free: int = 1
    name_lock_after: int = 5
    client_free: int = 10
    client_lock_after: int = 30
    lock_seconds: float = 60.0
    max_lock: float = 24 * 3600.0
    max_delay: float = 30.0
    window: float = 15 * 60.0  # failures older than this (and not locked) are forgotten
    lock_memory: float = 24 * 3600.0  # locks older than this are forgotten

    def delay(self, failures: int, free: int) -> float:
        return 0.0 if failures <= free else min(2.0 ** (failures - free - 1), self.max_delay)

    def lock(self, locks: int) -> float:
        return min(self.lock_seconds * 2.0**locks, self.max_lock)


_hasher: Any = None


def _password_hasher() -> Any:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    """argon2id hash (argon2-cffi's defaults, which follow RFC 9106)."""
    return _password_hasher().hash(password)


def _verify_password(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _password_hasher()
    try:
        if stored is None:  # same work for an unknown name: no timing hint of who exists
            hasher.verify(_dummy_hash(), password + "\x00")
            return False
        return bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def _token_hash(token: str) -> str:
    """Tokens are 192 random bits, so a plain SHA-256 is enough (and allows an indexed lookup)."""
    return hashlib.sha256(token.encode()).hexdigest()


# A small built-in list of the most common passwords and their stems (lower case): an admin
# password equal to one of them, or to one followed by digits and symbols ("Password2024!"), is
# refused. It is no breach corpus: it catches the obvious, a passphrase or a password manager
# does the rest.
COMMON_PASSWORDS = frozenset(
    """
    password passw0rd p@ssword p@ssw0rd pass passwort motdepasse contrasena senha parola
    admin administrator admin123 root toor superuser changeme change_me default letmein
    welcome welcome1 hello hello123 iloveyou trustno1 secret secret123 master login guest
    qwerty qwertz azerty qwertyuiop asdfghjkl zxcvbnm 1q2w3e4r 1q2w3e4r5t6y qazwsx qazwsxedc
    abc123 abcdef abcd1234 monkey dragon football baseball soccer hockey batman superman
    sunshine princess shadow michael jessica charlie starwars whatever freedom computer
    internet server database evalkit streamlit grader graders rating rater raters
    correcthorsebatterystaple
    password1 password12 password123 password1234 password12345 password123456
    passwordpassword adminadmin rootroot qwerty123 qwerty1234 qwerty123456 1qaz2wsx3edc
    123456 1234567 12345678 123456789 1234567890 0123456789 123123 111111 000000 654321
    123456789012 1234567890123 111111111111 000000000000 123123123123
    """.split()
)
_SEQUENCES = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz",
              "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm",
              "azertyuiopqsdfghjklmwxcvbn")  # fmt: skip
_TRAILING = "0123456789!@#$%^&*()-_=+.,;:?/~ "
PASSWORD_RULES = (
    f"admin passwords need at least {ADMIN_PASSWORD_MIN} characters and must not be a common "
    "password (evalkit checks a small built-in list, with digits or symbols appended, plus "
    "keyboard or alphabet runs and one repeated character); rater passwords need at least "
    f"{RATER_PASSWORD_MIN}. Use a passphrase or a password manager."
)


def password_problem(password: str, role: str) -> str | None:
    """Why a password is too weak for the role (None: acceptable)."""
    minimum = ADMIN_PASSWORD_MIN if role == "admin" else RATER_PASSWORD_MIN
    if len(password) < minimum:
        return f"password must be at least {minimum} characters"
    if role != "admin":
        return None
    lowered = password.lower()
    stem = lowered.rstrip(_TRAILING)
    squashed = "".join(ch for ch in lowered if ch.isalnum())
    if lowered in COMMON_PASSWORDS or stem in COMMON_PASSWORDS or squashed in COMMON_PASSWORDS:
        return "a common password; choose another (a passphrase works well)"
    if len(set(lowered)) <= 2:
        return "too few different characters"
    if not stem or any(stem in run or stem in run[::-1] for run in _SEQUENCES):
        return "a keyboard or alphabet run, or only digits and symbols"
    return None


def check_rater(name: str, role: str, password: str | None = None) -> str:
    """The rater's name (stripped) if name, role and password are acceptable; else UserError
    (checked before a store is opened or created, so a typo leaves nothing behind)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("rater name: must be 1-200 characters")
    if ":" in name:
        raise UserError(f"rater name {name!r}: ':' is reserved for automatic graders")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError(f"rater name {name!r}: no control or invisible characters")
    if role not in ("rater", "admin"):
        raise UserError(f"rater {name!r}: role must be 'rater' or 'admin', not {role!r}")
    if password is not None:
        check_password(name, role, password)
    return name


def check_password(name: str, role: str, password: str) -> None:
    problem = password_problem(password, role)
    if problem:
        raise UserError(f"{role} {name!r}: {problem} ({PASSWORD_RULES})")


def token_expiry(days: float | None) -> str:
    """The ISO UTC time a token issued now expires (`days` from now; default 90)."""
    days = DEFAULT_TOKEN_DAYS if days is None else days
    if not 0 < days <= 3650:
        raise UserError(f"token lifetime {days:g} days: use more than 0 and at most 3650 days")
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def _expired(expires_at: str | None, now: float) -> bool:
    if not expires_at:
        return False
    try:
        return datetime.fromisoformat(expires_at).timestamp() <= now
    except ValueError:
        return True  # an unreadable expiry is no licence to sign in


def _readable_time(iso: str | None) -> str:
    return (iso or "?").replace("T", " ").replace("+00:00", " UTC")
