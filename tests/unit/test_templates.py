"""The one template engine: safe substitution, two spellings, errors naming variable and activity."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import PermanentError
from core.templates import PROSE, Scope, Template, render, render_json, render_value


def test_a_missing_variable_names_itself_the_origin_and_the_activity() -> None:
    scope = Scope({}, activity="'Review' (Task_1)")

    with pytest.raises(PermanentError) as caught:
        render("Order {{ order.no }}", scope, "extension property bitrix.title")

    assert str(caught.value) == (
        "extension property bitrix.title: template variable 'order.no' is missing (activity 'Review' (Task_1))"
    )


def test_json_spelling_for_machines_and_prose_spelling_for_people() -> None:
    variables = {"ok": True, "none": None, "tags": ["a"], "day": date(2024, 5, 1)}
    text = "{{ ok }} {{ tags }} {{ day }}"

    assert render(text, Scope(variables), "t") == 'true ["a"] 2024-05-01'
    assert render(text, Scope(variables, style=PROSE), "t") == 'yes ["a"] 2024-05-01'
    assert render("{{ none }}", Scope(variables), "t") == "null"
    with pytest.raises(PermanentError, match="'none' is missing"):
        render("{{ none }}", Scope(variables, style=PROSE), "t")


def test_a_lone_placeholder_keeps_its_type_and_other_names_come_after_the_variables() -> None:
    scope = Scope({"ids": [1, 2], "x": "var"}, {"x": "name", "process_name": "Offer"}, style=PROSE)

    assert render_value(" {{ ids }} ", scope, "t") == [1, 2]
    assert render_value("{{ x }}/{{ process_name }}", scope, "t") == "var/Offer"
    assert render_json({"a": "{{ ids }}", "b": " {{ ids }}"}, Scope({"ids": [1]}), "t") == {
        "a": [1],
        "b": " [1]",
    }


def test_values_are_never_expanded_twice_and_code_is_not_a_placeholder() -> None:
    assert Template("{{ a }}", origin="t").render(Scope({"a": "{{ b }}", "b": "no"})) == "{{ b }}"
    with pytest.raises(PermanentError, match="is not a placeholder"):
        Template("{{ a.__class__() }}", origin="t")
