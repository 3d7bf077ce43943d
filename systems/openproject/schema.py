"""The project's work package form: which fields are required, and where custom fields go.

``POST /projects/{id}/work_packages/form`` answers with ``_embedded.schema`` (one entry per
field: ``type``, ``name``, ``required``, ``hasDefault``, ``writable``, ``location: "_links"``
for linked values, ``allowedValues`` for lists) and ``_embedded.payload`` (the defaults the
server fills in). Custom fields and required fields depend on the project *and* the type, so
the form is read once per (project, type) and cached. A required, writable field without a
default that neither the task nor the defaults fill is refused here with every such field
named, instead of a 422 from the create.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import PermanentError
from systems.openproject.client import OpenProjectClient
from systems.openproject.errors import WorkPackageIncomplete
from systems.openproject.hal import JsonMap, id_of, link

IMPLIED = frozenset({"project"})  # the create's path names the project
LINKED_KINDS = {"User": "users", "CustomOption": "custom_options", "Version": "versions"}


@dataclass(frozen=True)
class Field:
    key: str
    name: str
    type: str
    required: bool
    writable: bool
    has_default: bool
    linked: bool
    allowed: tuple[tuple[str, str], ...] = ()  # (href, title) of list values, when embedded

    @property
    def demanded(self) -> bool:
        """The task must fill it: required, writable, no default, and not named by the path."""
        return self.required and self.writable and not self.has_default and self.key not in IMPLIED

    @classmethod
    def of(cls, key: str, entry: Mapping[str, Any]) -> Field:
        return cls(
            key=key,
            name=str(entry.get("name") or key),
            type=str(entry.get("type") or ""),
            required=entry.get("required") is True,
            writable=entry.get("writable") is not False,
            has_default=entry.get("hasDefault") is True,
            linked=entry.get("location") == "_links",
            allowed=_allowed(entry),
        )


@dataclass(frozen=True)
class Schema:
    fields: dict[str, Field]
    payload: JsonMap = field(default_factory=dict)

    @classmethod
    def of_form(cls, form: Mapping[str, Any]) -> Schema:
        embedded = _mapping(form.get("_embedded"))
        raw, payload = _mapping(embedded.get("schema")), _mapping(embedded.get("payload"))
        entries = {
            k: Field.of(k, v) for k, v in raw.items() if not k.startswith("_") and isinstance(v, Mapping)
        }
        return cls(entries, dict(payload))

    def missing(self, body: Mapping[str, Any]) -> list[Field]:
        """Required, writable fields without a default that neither ``body`` nor the defaults fill."""
        return [
            spec
            for key, spec in self.fields.items()
            if spec.demanded and not filled(body, key) and not filled(self.payload, key)
        ]

    def require(self, body: Mapping[str, Any], project: str) -> None:
        gaps = self.missing(body)
        if gaps:
            named = ", ".join(f"{spec.name} ({spec.key})" for spec in gaps)
            raise WorkPackageIncomplete(
                f"openproject: project {project!r} requires {named}, which the task does not fill: map them "
                "under custom_fields, set openproject.<field> extension properties, or give them defaults "
                "in OpenProject"
            )


def filled(resource: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` has a value in a work package body: a property or a link."""
    value = resource.get(key)
    if isinstance(value, Mapping):
        value = value.get("raw")
    if value not in (None, "", []):
        return True
    links = resource.get("_links")
    linked = links.get(key) if isinstance(links, Mapping) else None
    if isinstance(linked, list):
        return bool(linked)
    return isinstance(linked, Mapping) and bool(linked.get("href"))


def shape_custom_field(
    schema: Schema, key: str, value: Any, origin: str, client: OpenProjectClient
) -> tuple[bool, Any]:
    """(linked?, value as the API takes it) for one custom field, checked against the form."""
    spec = schema.fields.get(key)
    if spec is None:
        raise PermanentError(
            f"openproject: {origin} fills {key}, which is not a field of this project and type "
            "(enable the custom field for the project and the type)"
        )
    if spec.linked:
        many = spec.type.startswith("[]")
        items = value if isinstance(value, list) else [value]
        hrefs = [{"href": _href(spec, item, origin, client)} for item in items]
        return True, hrefs if many else hrefs[0]
    if spec.type == "Formattable":
        return False, {"format": "markdown", "raw": str(value)}
    if spec.type == "String":
        return False, str(value)
    return False, value


def _href(spec: Field, value: Any, origin: str, client: OpenProjectClient) -> str:
    """An href for a linked custom field: given as one, by id, or by a list value's title."""
    text = str(value).strip()
    if text.startswith("/") and id_of(text) is not None:
        return text
    kind = LINKED_KINDS.get(spec.type.removeprefix("[]"))
    if text.isdigit() and kind:
        return client.href(kind, int(text))
    folded = text.casefold()
    found = next((href for href, title in spec.allowed if title.casefold() == folded), None)
    if found is None:
        raise PermanentError(
            f"openproject: {origin}: {spec.name} ({spec.key}) takes an href, an id or one of its list "
            f"values; {text[:40]!r} is none of them"
        )
    return found


def _allowed(entry: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(href, title) of the list values a schema entry carries: embedded resources or links.

    A link to a separate collection (``_links.allowedValues.href``) is not followed: ids and
    hrefs still work for such fields, names do not.
    """
    embedded = _mapping(entry.get("_embedded"))
    links = _mapping(entry.get("_links"))
    pairs: list[tuple[Any, Any]] = []
    if isinstance(embedded.get("allowedValues"), list):
        for item in embedded["allowedValues"]:
            if isinstance(item, Mapping):
                pairs.append((link(item, "self").get("href"), item.get("value") or item.get("name")))
    elif isinstance(links.get("allowedValues"), list):
        for item in links["allowedValues"]:
            if isinstance(item, Mapping):
                pairs.append((item.get("href"), item.get("title")))
    return tuple((str(href), str(title or "")) for href, title in pairs if href)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def form_body(type_href: str | None) -> JsonMap:
    """What the form is asked with: the type alone (it decides the custom fields)."""
    return {"_links": {"type": {"href": type_href}}} if type_href else {}
