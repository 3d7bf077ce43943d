"""``--var NAME=VALUE`` and ``--vars-json``: variables typed the way an operator means them.

A value that is JSON is that JSON (``5``, ``true``, ``null``, ``{"a": 1}``); anything else is
the text itself, so ``phone=+79161234567`` stays a string (JSON has no leading ``+``).
Python's ``NaN`` and ``Infinity`` are not JSON and stay text too: no engine variable holds them.
"""

from __future__ import annotations

import json
from typing import Any

import click


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def value_of(text: str) -> Any:
    """The JSON ``text`` stands for, or ``text`` when it is not JSON."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except ValueError:
        return text


def parse_vars(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    """A click callback: ``NAME=VALUE`` pairs into a dict (the last of a repeated name wins)."""
    variables: dict[str, Any] = {}
    for pair in values:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE")
        variables[name] = value_of(text)
    return variables


def parse_vars_json(_ctx: click.Context, _param: click.Parameter, text: str | None) -> dict[str, Any]:
    """A click callback: a JSON object of variables (empty when the option is absent)."""
    if text is None:
        return {}
    try:
        found = json.loads(text, parse_constant=_no_constants)
    except ValueError as err:
        raise click.BadParameter(f"not JSON: {err}") from None
    if not isinstance(found, dict):
        raise click.BadParameter(f"expected a JSON object, got {type(found).__name__}")
    return found
