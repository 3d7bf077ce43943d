"""Who is calling: bearer tokens from the environment, or JWTs signed with a configured key.

Two roles: ``read`` sees everything; ``operate`` also changes things (submit, start, pause,
resume, stop, retry, unlock) and includes ``read``. A token is compared in constant time;
tokens and keys are registered for redaction so no log line can show one.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status

from core.config.models import ApiConfig
from core.errors import ConfigError
from core.redact import register_secret

Role = Literal["read", "operate"]
ROLES: tuple[Role, ...] = ("read", "operate")
_IMPLIED: dict[str, frozenset[str]] = {"read": frozenset({"read"}), "operate": frozenset({"read", "operate"})}


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]

    def may(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class _Token:
    name: str
    role: Role
    secret: str


class Authenticator:
    def __init__(self, config: ApiConfig) -> None:
        self._tokens = parse_tokens(config.tokens.get_secret_value() if config.tokens else "")
        self._jwt_key = config.jwt_key.get_secret_value() if config.jwt_key else None
        self._audience = config.jwt_audience
        self._algorithms = config.jwt_algorithms
        self._roles_claim = config.jwt_roles_claim
        if self._jwt_key:
            register_secret(self._jwt_key)
            _check_shared_key(self._jwt_key, self._algorithms)

    @property
    def configured(self) -> bool:
        return bool(self._tokens) or bool(self._jwt_key)

    def principal(self, authorization: str | None) -> Principal:
        """The caller, or HTTPException 401 naming what is wrong (never the token)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise _unauthorized("a bearer token is required (Authorization: Bearer …)")
        presented = authorization[7:].strip()
        for token in self._tokens:
            if hmac.compare_digest(token.secret.encode(), presented.encode()):
                return Principal(token.name, _IMPLIED[token.role])
        if self._jwt_key and presented.count(".") == 2:
            return self._from_jwt(presented)
        raise _unauthorized("the bearer token is not valid")

    def _from_jwt(self, presented: str) -> Principal:
        try:
            claims = jwt.decode(
                presented,
                self._jwt_key or "",
                algorithms=self._algorithms,
                audience=self._audience,
                options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("the token has expired") from None
        except jwt.InvalidTokenError as err:
            raise _unauthorized(f"the token is not valid: {err}") from None
        granted = claims.get(self._roles_claim) or []
        granted = granted.split() if isinstance(granted, str) else granted
        roles = frozenset().union(*(_IMPLIED[r] for r in granted if r in _IMPLIED))
        return Principal(f"jwt:{claims['sub']}", roles)


def parse_tokens(text: str) -> list[_Token]:
    """``name:role:token`` entries, comma-separated; a malformed entry is a configuration error."""
    tokens = []
    for number, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), start=1):
        parts = entry.split(":", 2)
        if len(parts) != 3 or not all(parts) or parts[1] not in ROLES:
            raise ConfigError(
                f"EXCHANGER_API_TOKENS entry {number} is not name:role:token with role read or operate",
                key="api.tokens",
            )
        if len(parts[2]) < 16:
            raise ConfigError(
                f"EXCHANGER_API_TOKENS entry {number}: a token needs 16 characters or more", key="api.tokens"
            )
        register_secret(parts[2])
        tokens.append(_Token(parts[0], parts[1], parts[2]))  # type: ignore[arg-type]
    return tokens


MIN_SHARED_KEY_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash


def _check_shared_key(key: str, algorithms: list[str]) -> None:
    if any(a.startswith("HS") for a in algorithms) and len(key.encode()) < MIN_SHARED_KEY_BYTES:
        raise ConfigError(
            f"EXCHANGER_API_JWT_KEY: an HS* key needs {MIN_SHARED_KEY_BYTES} bytes or more", key="api.jwt_key"
        )


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": "Bearer"})


def requires(role: Role) -> Callable[[Request], Principal]:
    """A FastAPI dependency: the caller, who must hold ``role`` (403 otherwise)."""

    def dependency(request: Request) -> Principal:
        authenticator: Authenticator = request.app.state.authenticator
        caller = authenticator.principal(request.headers.get("authorization"))
        if not caller.may(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this call needs the role {role!r}")
        return caller

    return dependency


Reader = Annotated[Principal, Depends(requires("read"))]
Operator = Annotated[Principal, Depends(requires("operate"))]
