"""``data.transform``: reshape every row.

    data.transform = {"rename": {"nmId": "product_id", "stats.views": "views"},
                      "set": {"source": "wb"},
                      "compute": {"ctr": "clicks / views"},
                      "select": ["product_id", "views", "ctr", "source"]}

Steps run in this order on a copy of each row: ``rename`` (a top-level key is moved; a
dotted path is copied up, the nested original stays), ``set`` (constants), ``compute`` (see
:mod:`.expressions`; later fields may use earlier ones), ``select`` (only these fields, in
this order; a missing one is null; a dotted path becomes a field named by the path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.paths import MISSING, get_path
from systems.python.expressions import Expression
from systems.python.properties import as_json, invalid, property_label

HANDLER = "data.transform"
SPEC = "data.transform"
STEPS = ("rename", "set", "compute", "select")


@dataclass(frozen=True)
class TransformSpec:
    rename: Mapping[str, str] = field(default_factory=dict)
    set: Mapping[str, Any] = field(default_factory=dict)
    compute: Mapping[str, Expression] = field(default_factory=dict)
    select: tuple[str, ...] | None = None


def parse_spec(raw: str) -> TransformSpec:
    """Check ``data.transform`` and compile its expressions."""
    label = property_label(SPEC)
    spec = as_json(raw, dict, HANDLER, label)
    unknown = set(spec) - set(STEPS)
    if unknown or not spec:
        raise invalid(HANDLER, label, f"must be an object with some of {', '.join(STEPS)}")
    return TransformSpec(
        rename=_text_map(spec, "rename", label),
        set=as_json(spec.get("set", {}), dict, HANDLER, f"{label} key 'set'"),
        compute={
            name: Expression(text, origin=f"{HANDLER}: compute {name!r}")
            for name, text in _text_map(spec, "compute", label).items()
        },
        select=_select(spec, label),
    )


def _text_map(spec: Mapping[str, Any], key: str, label: str) -> dict[str, str]:
    value = as_json(spec.get(key, {}), dict, HANDLER, f"{label} key {key!r}")
    if not all(isinstance(v, str) and v for v in value.values()):
        raise invalid(HANDLER, f"{label} key {key!r}", "must map field names to non-empty text")
    return {str(k): v for k, v in value.items()}


def _select(spec: Mapping[str, Any], label: str) -> tuple[str, ...] | None:
    if "select" not in spec:
        return None
    fields = as_json(spec["select"], list, HANDLER, f"{label} key 'select'")
    if not all(isinstance(name, str) and name for name in fields):
        raise invalid(HANDLER, f"{label} key 'select'", "must be a list of field names")
    return tuple(fields)


def transform_rows(rows: Sequence[Mapping[str, Any]], spec: TransformSpec) -> list[dict[str, Any]]:
    """Every row reshaped; the input rows are not changed."""
    return [transform_row(row, index, spec) for index, row in enumerate(rows)]


def transform_row(row: Mapping[str, Any], index: int, spec: TransformSpec) -> dict[str, Any]:
    out = dict(row)
    for old, new in spec.rename.items():
        value = out.pop(old) if old in out else get_path(out, old)
        if value is not MISSING:
            out[new] = value
    out.update(spec.set)
    for name, expression in spec.compute.items():
        out[name] = expression.evaluate(out, index)
    if spec.select is None:
        return out
    return {name: _present(get_path(out, name)) for name in spec.select}


def _present(value: Any) -> Any:
    return None if value is MISSING else value
