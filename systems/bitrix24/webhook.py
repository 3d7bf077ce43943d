"""The incoming-webhook URL (``https://portal/rest/<user>/<code>/``) and its redaction.

The webhook code is a secret: ``repr``, logs and error messages show
``https://portal/rest/1/***/``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from core.redact import register_secret

MASK = "***"


class Webhook:
    """An incoming-webhook base URL; only :attr:`redacted` is ever shown."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url.strip())
        segments = [s for s in parts.path.split("/") if s]
        if parts.scheme not in ("https", "http") or not parts.netloc or "rest" not in segments[:-2]:
            # The URL itself stays out of the message: it holds the secret.
            raise ValueError("a Bitrix24 webhook URL looks like https://<portal>/rest/<user>/<code>/")
        self.secret = segments[-1]
        register_secret(self.secret)
        self.portal = parts.netloc
        prefix = f"{parts.scheme}://{parts.netloc}/{'/'.join(segments[:-1])}/"
        self.base = f"{prefix}{self.secret}/"
        self.redacted = f"{prefix}{MASK}/"

    def url(self, method: str) -> str:
        """The endpoint of ``method`` (no ``.json``: JSON is the default)."""
        return self.base + method

    def scrub(self, text: str) -> str:
        """``text`` with the webhook code masked (exception texts quote the URL)."""
        return text.replace(self.secret, MASK)

    def __repr__(self) -> str:
        return f"Webhook({self.redacted!r})"

    __str__ = __repr__
