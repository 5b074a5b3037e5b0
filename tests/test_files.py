"""The one YAML/JSON loader: content, empty files and every bad file name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.files import load_data, load_fields
from tools.errors import FrameworkError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_and_json_read_the_same(tmp_path: Path) -> None:
    assert load_fields(write(tmp_path, "a.yaml", "x: 1\ny: [a]\n"), "--input") == {
        "x": 1, "y": ["a"]}
    assert load_fields(write(tmp_path, "a.json", '{"x": 1, "y": ["a"]}'), "--input") == {
        "x": 1, "y": ["a"]}
    assert load_fields(write(tmp_path, "empty.yaml", ""), "--input") == {}


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.yaml", "x: [1", "is not valid YAML or JSON"),
    ("bad.json", "{", "is not valid YAML or JSON"),
    ("list.yaml", "- 1\n- 2\n", "must hold a mapping of fields"),
])
def test_bad_files_name_the_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(FrameworkError) as info:
        load_fields(write(tmp_path, name, text), "--input")
    assert info.value.field == "--input" and message in str(info.value)


def test_load_data_keeps_any_shape(tmp_path: Path) -> None:
    assert load_data(write(tmp_path, "l.yaml", "- 1\n"), "f") == [1]
