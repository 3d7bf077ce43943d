"""Hardened XML parsing for BPMN files that come from outside.

Refuses DTDs and entities (XXE, billion laughs), never touches the network, and caps the
document size, so a hostile or broken file fails with a clear error instead of hurting
the host. Every BPMN read in Exchanger goes through :func:`parse_xml`.
"""

from __future__ import annotations

from lxml import etree

from core.errors import MalformedXmlError, UnsafeXmlError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def _parser(encoding: str | None = None) -> etree.XMLParser:
    # huge_tree stays off: libxml2's own depth and text-node limits remain in force.
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
        huge_tree=False,
    )


def parse_xml(
    data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str = "<xml>"
) -> etree._Element:
    """Parse ``data`` safely and return the root element.

    Raises:
        UnsafeXmlError: the document is over ``max_bytes`` or declares a DTD or entities.
        MalformedXmlError: the document is not well-formed; the message names the line.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXmlError(f"{source}: {len(raw)} bytes is over the limit of {max_bytes} bytes")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise UnsafeXmlError(f"{source}: DTDs and entity declarations are not allowed")
    try:
        # Text was encoded as UTF-8 above: its own encoding declaration (if any) no longer holds.
        root = etree.fromstring(raw, parser=_parser("utf-8" if isinstance(data, str) else None))
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        where = f" at line {line}" if line else ""
        raise MalformedXmlError(f"{source}: not well-formed XML{where}: {err.msg}", line=line) from None
    if root is None:
        raise MalformedXmlError(f"{source}: empty document")
    if root.getroottree().docinfo.internalDTD is not None:  # e.g. UTF-16, unseen by the byte check
        raise UnsafeXmlError(f"{source}: DTDs and entity declarations are not allowed")
    return root


def serialize(root: etree._Element) -> bytes:
    """Serialise an element tree as UTF-8 with an XML declaration."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
