"""What the engine answered: status, reason and the whole body, read before the connection is reused."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any


@dataclass(frozen=True, slots=True)
class EngineResponse:
    """One engine answer; ``.json()``, ``.text``, ``.content`` and ``.status_code`` read like requests'."""

    status: int
    reason: str
    body: bytes = field(repr=False)
    content_type: str = ""

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def content(self) -> bytes:
        return self.body

    @property
    def text(self) -> str:
        """The body decoded with the charset the engine names, else UTF-8 (what it sends)."""
        return self.body.decode(_charset(self.content_type), errors="replace")

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not JSON."""
        return json.loads(self.body)


def _charset(content_type: str) -> str:
    if "charset" not in content_type:
        return "utf-8"
    header = Message()
    header["Content-Type"] = content_type
    charset = header.get_content_charset() or "utf-8"
    try:
        "".encode(charset)
    except LookupError:
        return "utf-8"
    return charset
