"""Secret redaction shared by logging, error messages and ``repr``.

Known secret values (registered at start-up from settings) are replaced wherever they
appear; patterns catch the common shapes even when nobody registered them: passwords in
URLs, Bitrix24 webhook codes, bearer tokens and API keys.
"""

from __future__ import annotations

import re
import threading

MASK = "***"

# (clues, pattern, replacement). A pattern can only match text that contains one of its clues
# (compared case-folded); checking the clues first skips the regexes on ordinary log lines,
# where the last pattern alone cost ~40 µs per line (profiled in docs/performance.md).
_PATTERNS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    # scheme://user:password@host → scheme://user:***@host (empty user too; up to the last "@"
    # before the host, so an unescaped "@" in the password does not leave its tail readable)
    (
        ("://",),
        re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^\s/\"'<>]+(?=@)", re.IGNORECASE),
        rf"\g<pre>{MASK}",
    ),
    # Bitrix24 incoming webhook: /rest/<user>/<code>/
    (("/rest/",), re.compile(r"(?P<pre>/rest/\d+/)[A-Za-z0-9_]{6,}"), rf"\g<pre>{MASK}"),
    # Authorization headers and token-ish key=value pairs
    (
        ("bearer", "token", "api-key", "basic"),
        re.compile(r"(?P<pre>\b(?:Bearer|Token|Api-Key|Basic)\s+)[A-Za-z0-9._~+/=-]{6,}"),
        rf"\g<pre>{MASK}",
    ),
    (
        ("passw", "secret", "token", "api"),
        re.compile(
            # also prefixed names: access_token, client_secret, db_password, X-Api-Key
            r"(?P<pre>\b[\w-]*?(?:password|passwd|secret|token|api[_-]?key)\b[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+",
            re.IGNORECASE,
        ),
        rf"\g<pre>{MASK}",
    ),
)

_known: set[str] = set()
# Longest first, so a secret containing another is masked whole. Replaced (never mutated) under
# the lock, so ``redact`` in any thread reads a consistent tuple without taking the lock.
_ordered: tuple[str, ...] = ()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is masked wherever it shows up later."""
    global _ordered
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)
            _ordered = tuple(sorted(_known, key=len, reverse=True))


def redact(text: str) -> str:
    """Mask registered secrets and secret-looking patterns in ``text``."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    folded = text.casefold()
    for clues, pattern, replacement in _PATTERNS:
        if any(clue in folded for clue in clues):
            text = pattern.sub(replacement, text)
    return text


def redact_url(url: str) -> str:
    """A URL safe to print: credentials and webhook codes masked."""
    return redact(url)
