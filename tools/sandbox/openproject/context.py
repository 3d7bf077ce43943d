"""What a request handler gets: the request, the sandbox's state and settings, the path's parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.sandbox.openproject.hal import ApiError
from tools.sandbox.openproject.seed import Project
from tools.sandbox.openproject.state import State


@dataclass
class Settings:
    """What a test may change at run time (``POST /_sandbox/settings``)."""

    rate_limit_rps: float | None = 20.0  # null: no limit
    rate_limit_burst: int = 40
    retry_after_s: float | None = None  # a Retry-After header on 429s (OpenProject sends none)
    max_page_size: int = 100  # the instance's "maximum API page size"
    default_page_size: int = 20
    read_only: bool = False  # the token's user may read but nowhere write (403)

    def json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Request:
    verb: str
    path: str  # without the query
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    raw: bytes = b""


@dataclass
class Call:
    state: State
    settings: Settings
    request: Request
    args: dict[str, str]
    now: float
    body: dict[str, Any] = field(default_factory=dict)
    conflict: bool = False  # a switched-on fault: this PATCH meets 409

    def may_write(self, project: Project) -> bool:
        return not (self.settings.read_only or project.forbidden)

    def require_write(self, project: Project, message: str) -> None:
        if not self.may_write(project):
            raise ApiError.of("MissingPermission", message)
