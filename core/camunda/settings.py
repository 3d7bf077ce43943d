"""Connection settings for the engine's REST API."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CamundaSettings:
    """Where the engine is and how to authenticate; secrets never appear in ``repr``.

    ``ca_bundle`` adds trust for a private CA; certificate checking itself cannot be turned off.
    """

    base_url: str = "http://127.0.0.1:8080/engine-rest"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    pool_size: int = 10

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/")
