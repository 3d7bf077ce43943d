"""Who may call the API: static bearer tokens and JWTs, and the roles they carry."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import HTTPException
from pydantic import SecretStr

from api.auth import Authenticator, parse_tokens
from core.config.models import ApiConfig
from core.errors import ConfigError
from core.redact import redact

OPERATE = "operate-token-0123456789"
READ = "read-token-0123456789abc"


def authenticator(**config: Any) -> Authenticator:
    return Authenticator(ApiConfig(tokens=SecretStr(f"ops:operate:{OPERATE},viewer:read:{READ}"), **config))


def refused(auth: Authenticator, header: str | None) -> str:
    with pytest.raises(HTTPException) as caught:
        auth.principal(header)
    assert caught.value.status_code == 401
    return str(caught.value.detail)


def test_tokens_name_their_caller_and_role() -> None:
    auth = authenticator()
    ops, viewer = auth.principal(f"Bearer {OPERATE}"), auth.principal(f"bearer {READ}")
    assert (ops.name, ops.may("operate"), ops.may("read")) == ("ops", True, True)
    assert (viewer.name, viewer.may("operate"), viewer.may("read")) == ("viewer", False, True)
    assert "a bearer token is required" in refused(auth, None)
    assert "a bearer token is required" in refused(auth, f"Token {OPERATE}")
    assert refused(auth, f"Bearer {OPERATE}x") == "the bearer token is not valid"


def test_tokens_never_reach_a_log_line() -> None:
    authenticator()
    assert OPERATE not in redact(f"Authorization: Bearer {OPERATE} in a message")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ops:operate", "entry 1 is not name:role:token"),
        (f"ops:admin:{OPERATE}", "entry 1 is not name:role:token with role read or operate"),
        (f"ops:read:{READ}, :read:{OPERATE}", "entry 2 is not name:role:token"),
        ("ops:read:short", "entry 1: a token needs 16 characters or more"),
    ],
)
def test_a_malformed_token_list_is_a_configuration_error(text: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        parse_tokens(text)
    assert caught.value.key == "api.tokens"
    assert OPERATE not in str(caught.value) and "short" not in str(caught.value)


def hs256(claims: dict[str, Any], key: str = "shared-secret-0123456789abcdef-0123") -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "alice", "exp": int(time.time()) + 60, "aud": "exchanger", **extra}


def test_a_jwt_with_its_roles_is_accepted_until_it_expires() -> None:
    auth = authenticator(jwt_key=SecretStr("shared-secret-0123456789abcdef-0123"), jwt_audience="exchanger")
    alice = auth.principal(f"Bearer {hs256(claims(roles=['operate']))}")
    assert (alice.name, alice.may("operate"), alice.may("read")) == ("jwt:alice", True, True)
    spaced = auth.principal(f"Bearer {hs256(claims(roles='read unknown'))}")
    assert (spaced.may("read"), spaced.may("operate")) == (True, False)
    assert refused(auth, f"Bearer {hs256(claims(exp=int(time.time()) - 5))}") == "the token has expired"
    assert "audience" in refused(auth, f"Bearer {hs256(claims(aud='other'))}").lower()
    assert "exp" in refused(auth, f"Bearer {hs256({'sub': 'alice', 'aud': 'exchanger'})}")
    assert (
        "signature"
        in refused(auth, f"Bearer {hs256(claims(), key='another-secret-0123456789abcd-01234')}").lower()
    )


def test_an_rs256_jwt_is_checked_with_the_configured_public_key() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    auth = authenticator(
        jwt_key=SecretStr(public_pem.decode()), jwt_algorithms=["RS256"], jwt_audience="exchanger"
    )
    token = jwt.encode(claims(roles=["read"]), private, algorithm="RS256")
    assert auth.principal(f"Bearer {token}").may("read")
    # An HS256 token "signed" with the public key must not pass (algorithm confusion)
    assert "not valid" in refused(auth, f"Bearer {hs256(claims(roles=['operate']), key='x' * 32)}")


def test_without_tokens_or_a_key_nothing_is_configured() -> None:
    assert not Authenticator(ApiConfig()).configured
    assert authenticator().configured


def test_a_short_shared_jwt_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="32 bytes or more") as caught:
        authenticator(jwt_key=SecretStr("too-short-a-secret"))
    assert caught.value.key == "api.jwt_key" and "too-short" not in str(caught.value)
