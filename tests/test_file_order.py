"""The order the suite hands its files to the workers (tests/conftest.py): heavy files first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conftest import pytest_collection_modifyitems


@dataclass
class Item:
    """Just what the ordering reads of a collected test: its node id and its marks."""

    nodeid: str
    marks: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> str | None:
        return name if name in self.marks else None


def test_heavy_files_first_then_the_late_file_then_the_rest_each_file_kept_together() -> None:
    items = [Item("tests/test_a.py::one"), Item("tests/test_a.py::two"),
             Item("tests/test_pf.py::fast"),
             Item("tests/test_pf.py::live", {"slow", "server", "late"}),
             Item("tests/test_b.py::one"), Item("tests/test_ev.py::all", {"slow"}),
             Item("tests/test_ui.py::plain"), Item("tests/test_ui.py::page", {"browser"}),
             Item("tests/test_srv.py::up", {"server"})]
    pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [i.nodeid for i in items] == [
        "tests/test_ui.py::plain", "tests/test_ui.py::page",  # browser: the whole file
        "tests/test_srv.py::up", "tests/test_ev.py::all",  # server, then slow
        "tests/test_pf.py::fast", "tests/test_pf.py::live",  # late: after the heavy files
        "tests/test_a.py::one", "tests/test_a.py::two", "tests/test_b.py::one"]  # as collected


def test_the_makefile_keeps_this_order_from_xdist() -> None:
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "--no-loadscope-reorder" in makefile, "xdist would send most-tests-first"

