"""A dict that refuses changes after construction.

Parsed models are cached and shared between worker threads, so their mappings must not be
changed by one task behind the others' backs. A ``dict`` subclass (rather than
``MappingProxyType``) keeps them usable with ``json.dumps``, ``dataclasses.asdict``, pickle
and copy.
"""

from __future__ import annotations

from typing import NoReturn, TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


def _refuse() -> NoReturn:
    raise TypeError("this mapping is read-only (it belongs to a shared, cached BPMN model)")


class FrozenDict(dict[_K, _V]):
    """A read-only ``dict``: every mutating method raises ``TypeError``."""

    __slots__ = ()

    def __setitem__(self, key: _K, value: _V) -> NoReturn:
        _refuse()

    def __delitem__(self, key: _K) -> NoReturn:
        _refuse()

    # mypy wants __ior__ to mirror dict.__or__'s overloads; this one only ever refuses.
    def __ior__(self, other: object) -> NoReturn:  # type: ignore[misc]
        _refuse()

    def clear(self) -> NoReturn:
        _refuse()

    def pop(self, *args: object) -> NoReturn:
        _refuse()

    def popitem(self) -> NoReturn:
        _refuse()

    def setdefault(self, *args: object) -> NoReturn:
        _refuse()

    def update(self, *args: object, **kwargs: object) -> NoReturn:
        _refuse()

    def __reduce__(self) -> tuple[type[FrozenDict[_K, _V]], tuple[dict[_K, _V]]]:
        # pickle and copy would otherwise rebuild the dict through __setitem__.
        return (type(self), (dict(self),))
