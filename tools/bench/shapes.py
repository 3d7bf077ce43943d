"""Load shapes: ``1000x5`` is 1,000 process instances of a chain of 5 external tasks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SHAPE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shape:
    instances: int
    steps: int

    @property
    def tasks(self) -> int:
        return self.instances * self.steps

    @property
    def label(self) -> str:
        return f"{self.instances}x{self.steps}"


def parse_shape(text: str) -> Shape:
    """``"1000x5"`` → Shape(1000, 5); raises ValueError naming the bad text."""
    match = _SHAPE.match(text)
    if match is None:
        raise ValueError(f"{text!r}: expected INSTANCESxSTEPS, for example 1000x5")
    shape = Shape(int(match.group(1)), int(match.group(2)))
    if shape.instances < 1 or shape.steps < 1:
        raise ValueError(f"{text!r}: instances and steps must be at least 1")
    return shape


def parse_shapes(values: Iterable[str]) -> tuple[Shape, ...]:
    """Every shape of repeated options, each possibly a comma-separated list; duplicates dropped."""
    found = [parse_shape(part) for value in values for part in value.split(",") if part.strip()]
    return tuple(dict.fromkeys(found))
