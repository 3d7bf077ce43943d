"""How operations commands print: ``--json`` (the models as the API returns them) or a table."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import click
from pydantic import BaseModel

from core.errors import CamundaError, OperationError

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")


def print_json(value: BaseModel | Sequence[BaseModel]) -> None:
    data = (
        value.model_dump(mode="json")
        if isinstance(value, BaseModel)
        else [item.model_dump(mode="json") for item in value]
    )
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Columns padded to their widest cell; ``-`` for a missing value."""
    cells = [list(headers), *([cell_text(cell) for cell in row] for row in rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    for row in cells:
        click.echo("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())


def print_fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """``label  value`` lines, labels aligned: one object's details."""
    width = max(len(label) for label, _value in pairs)
    for label, value in pairs:
        click.echo(f"{label.ljust(width)}  {cell_text(value)}")


def cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@contextmanager
def reported() -> Iterator[None]:
    """Not found, refused, engine down or engine said no: one line on stderr and exit 1."""
    try:
        yield
    except (OperationError, CamundaError) as err:
        raise click.ClickException(str(err)) from None
