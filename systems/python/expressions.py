"""A tiny arithmetic language for ``data.transform``'s ``compute``: ``clicks / views * 100``.

Parsed with :mod:`ast` and checked against a whitelist: numbers, field names (dotted paths
such as ``stats.views``, looked up as mapping keys, never as attributes), ``+ - * /``, unary
``-``/``+`` and parentheses. Nothing is ever evaluated by Python: the tree is turned into
small closures. A missing or null field makes the result null, and so do division by zero
and an overflow to infinity; a field that is not a number is a ``PermanentError``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from core.errors import PermanentError
from core.paths import MISSING, get_path

MAX_LENGTH = 500
Number = int | float
Row = Mapping[str, Any]
Evaluator = Callable[[Row, int], Number | None]
_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number | None]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda left, right: None if right == 0 else left / right,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class Expression:
    """One compiled expression; ``origin`` prefixes its errors (handler and output field)."""

    def __init__(self, text: str, *, origin: str) -> None:
        self.text = text
        self.origin = origin
        self._evaluate = _compile(_parse(text, origin), origin)

    def evaluate(self, row: Row, index: int) -> Number | None:
        """The value for one row (``index`` is named in errors)."""
        value = self._evaluate(row, index)
        return None if isinstance(value, float) and not math.isfinite(value) else value


def _parse(text: str, origin: str) -> ast.expr:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        raise PermanentError(f"{origin}: expression must be text of 1 to {MAX_LENGTH} characters")
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise PermanentError(f"{origin}: {text[:80]!r} is not an arithmetic expression") from None


def _compile(node: ast.expr, origin: str) -> Evaluator:
    if isinstance(node, ast.Constant) and _is_number(node.value):
        constant: Any = node.value
        return lambda row, index: constant
    if isinstance(node, ast.Name | ast.Attribute):
        return _field(_dotted(node, origin), origin)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _unary(_UNARY[type(node.op)], _compile(node.operand, origin))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _compile(node.left, origin), _compile(node.right, origin)
        return _binary(_BINARY[type(node.op)], left, right)
    shown = ast.unparse(node)[:40]
    raise PermanentError(f"{origin}: {shown!r} is not allowed; use numbers, field names and + - * / ( )")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dotted(node: ast.expr, origin: str) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value, origin)}.{node.attr}"
    raise PermanentError(f"{origin}: {ast.unparse(node)[:40]!r} is not a field name")


def _field(path: str, origin: str) -> Evaluator:
    def read(row: Row, index: int) -> Number | None:
        value = get_path(row, path)
        if value is MISSING or value is None:
            return None
        if not _is_number(value):
            raise PermanentError(
                f"{origin}: row {index} field {path!r} is a {type(value).__name__}, not a number"
            )
        number: Number = value
        return number

    return read


def _unary(apply: Callable[[Number], Number], operand: Evaluator) -> Evaluator:
    def evaluate(row: Row, index: int) -> Number | None:
        value = operand(row, index)
        return None if value is None else apply(value)

    return evaluate


def _binary(apply: Callable[[Number, Number], Number | None], left: Evaluator, right: Evaluator) -> Evaluator:
    def evaluate(row: Row, index: int) -> Number | None:
        a, b = left(row, index), right(row, index)
        return None if a is None or b is None else apply(a, b)

    return evaluate
