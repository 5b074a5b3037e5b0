"""The template loader: every template renders with fixture data; a missing value fails loudly."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml

from prompts import environment, load_template, render_template, template_names
from tools.documents import DOCUMENT_KINDS, build_document, find_placeholders

ROOT = Path(__file__).resolve().parents[1]


def fixture(kind: str) -> object:
    path = ROOT / "examples" / f"draft_{kind.replace('-', '_')}.yaml"
    return build_document(kind, yaml.safe_load(path.read_text(encoding="utf-8")))


def test_every_template_renders_with_fixture_data() -> None:
    by_template = {kind.template: name for name, kind in DOCUMENT_KINDS.items()}
    document_templates = sorted(by_template)
    assert set(document_templates) <= set(template_names())
    for template in document_templates:
        text = render_template(template, doc=fixture(by_template[template]))
        assert text.startswith("# "), template
        assert "Northwind Analytics" in text, template
        assert find_placeholders(text) == [], template


def test_templates_are_package_files_loaded_by_name() -> None:
    template = load_template("thesis.md.j2")
    assert isinstance(template, jinja2.Template)
    with pytest.raises(jinja2.TemplateNotFound):
        load_template("no_such_template.md.j2")


def test_missing_variable_raises_instead_of_printing_nothing() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_template("okrs.md.j2")
    with pytest.raises(jinja2.UndefinedError):
        render_template("thesis.md.j2", doc={"company": "Acme"})


def test_environment_is_strict_and_does_not_escape_markdown() -> None:
    env = environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.from_string("{{ x }}").render(x="a < b & **c**") == "a < b & **c**"


@pytest.mark.parametrize(("source", "value", "expected"), [
    ("{{ v | pct }}", 30.0, "30%"),
    ("{{ v | pct }}", 12.5, "12.5%"),
    ("{{ v | num }}", 11.25, "11.25"),
    ("{{ v | num }}", 16.0, "16"),
    ("{{ v | cell }}", "a | b\nc", "a / b c"),
])
def test_filters(source: str, value: object, expected: str) -> None:
    assert environment().from_string(source).render(v=value) == expected
