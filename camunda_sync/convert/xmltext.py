"""Small readers of XML text, source lines and attribute names that the converter shares."""

from __future__ import annotations

from lxml import etree


def stripped_text(element: etree._Element | None) -> str:
    """All text inside ``element``, trimmed; ``""`` for no element."""
    return "".join(str(text) for text in element.itertext()).strip() if element is not None else ""


def line_of(element: etree._Element) -> int | None:
    """The source line of ``element`` (None for elements the converter created)."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None


def attribute_names(element: etree._Element) -> list[str]:
    return [key if isinstance(key, str) else key.decode() for key in element.attrib]


def squash(text: str | None) -> str:
    """Whitespace (line breaks, no-break spaces) collapsed to single spaces."""
    return " ".join((text or "").split())
