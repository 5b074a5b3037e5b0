"""The framework documents: well-formed, in our own words, and agreeing with the tools."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
import yaml

from tools.decisions import ACQUIRE_MIN_MONTHS
from tools.models import PARTNERSHIP_MODELS, Commitment
from tools.parsing import format_usd
from tools.partners import Tier
from tools.program import COMPETITOR_MAP_MONTHS, PROOF_POINT_DAYS
from tools.scoring import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    PRIORITY_THRESHOLD,
    SECONDARY_THRESHOLD,
    score_partner,
)
from tools.star import DIMENSIONS, PROCEED_MIN_DIMENSION, PROCEED_MIN_OVERALL, REJECT_BELOW_OVERALL
from tools.targets import KPI_TARGETS, PHASE_TARGETS
from tools.tiers import (
    DEMOTE_AFTER_MISSES,
    EXIT_MONTHS,
    PROMOTE_AFTER_QUARTERS,
    REGISTERED_EXIT_MONTHS,
    TIER_CRITERIA,
)

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
SHINGLES = REPO / "tests" / "data" / "seed_shingles.txt"
WINDOW = 12
EXPECTED_IDS = {
    "attractiveness-scoring", "star-assessment", "partner-tiers", "tier-movement",
    "partnership-models", "build-partner-acquire", "partnership-thesis", "market-mapping",
    "deal-design-term-sheet", "operating-plan-governance", "okrs-roadmap", "program-strategy",
    "kpis-targets", "risk-management", "quality-rules", "best-practices", "board-reporting",
}
CRITERION_LABELS = {
    "icp_overlap": "ICP client overlap",
    "market_influence": "Market influence",
    "practice_alignment": "Practice alignment",
    "partnership_appetite": "Partnership appetite",
    "revenue_potential": "Revenue potential",
}


@dataclass
class Doc:
    path: Path
    meta: dict[str, object]
    text: str
    sections: dict[str, str]

    def section(self, title: str) -> str:
        """The section's text with line breaks folded into single spaces."""
        assert title in self.sections, f"{self.path.name}: no section {title!r}"
        return " ".join(self.sections[title].split())

    def table(self, title: str) -> list[list[str]]:
        """The rows of the Markdown table in a section (header and rule dropped)."""
        assert title in self.sections, f"{self.path.name}: no section {title!r}"
        return _rows(self.sections[title])


def _parse(path: Path) -> Doc:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, flags=re.S)
    assert match, f"{path.name}: no front matter"
    meta = yaml.safe_load(match.group(1))
    parts = re.split(r"^## +(.+)$", match.group(2), flags=re.M)
    sections = {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}
    return Doc(path, meta, match.group(2), sections)


def _doc_paths() -> list[Path]:
    folder = Path(str(resources.files("knowledge.docs")))
    return sorted(folder.glob("*.md"))


DOCS = {doc.meta["id"]: doc for doc in map(_parse, _doc_paths())}


def _rows(section: str) -> list[list[str]]:
    """Table rows of a Markdown section, as lists of cell texts (header and rule dropped)."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.strip().startswith("|")
    ]
    return [row for row in rows[2:] if not set("".join(row)) <= set("-: ")]


def _row(rows: list[list[str]], label: str) -> list[str]:
    found = [row for row in rows if row[0].lower() == label.lower()]
    assert len(found) == 1, f"no single table row {label!r}"
    return found[0]


def _usd(text: str) -> float:
    number, unit = re.fullmatch(r"\$([\d.]+)([KM]?)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"": 1, "K": 1e3, "M": 1e6}[unit]


def _money(cell: str) -> list[float]:
    return [_usd(m) for m in re.findall(r"\$[\d.]+[KM]?", cell)]


def _num(value: float | Decimal) -> str:
    return f"{Decimal(str(value)).normalize():f}"


# --- form ---------------------------------------------------------------------------------


def test_front_matter_and_unique_ids() -> None:
    paths = _doc_paths()
    assert len(DOCS) == len(paths)  # ids are unique
    assert EXPECTED_IDS <= set(DOCS)
    for doc in DOCS.values():
        assert set(doc.meta) >= {"id", "title", "summary", "tags"}, doc.path.name
        assert doc.meta["id"] == doc.path.stem
        assert isinstance(doc.meta["title"], str) and doc.meta["title"].strip()
        assert isinstance(doc.meta["summary"], str) and len(doc.meta["summary"].split()) >= 8
        assert isinstance(doc.meta["tags"], list) and doc.meta["tags"]


@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_sections_are_focused_chunks(doc_id: str) -> None:
    doc = DOCS[doc_id]
    assert len(doc.sections) >= 2
    for title, body in doc.sections.items():
        words = len(body.split())
        assert 80 <= words <= 300, f"{doc_id} / {title}: {words} words"


def test_no_placeholders_left() -> None:
    for doc in DOCS.values():
        assert not re.search(r"\[(X|N|Company Name|Date|TODO)[^\]]*\]|TODO|TBD", doc.text), (
            doc.path.name
        )


# --- own words ----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str) -> dict[str, str]:
    tokens = _words(text)
    windows = (" ".join(tokens[i : i + WINDOW]) for i in range(len(tokens) - WINDOW + 1))
    return {hashlib.sha1(w.encode()).hexdigest(): w for w in windows}


def _seed_fingerprint() -> set[str]:
    return set(SHINGLES.read_text(encoding="utf-8").split())


def test_committed_fingerprint_matches_the_seeds() -> None:
    committed = _seed_fingerprint()
    assert len(committed) > 1000
    if not SEEDS.is_dir():  # CI: the seeds live elsewhere; the fingerprint stands in
        return
    fresh: set[str] = set()
    for path in SEEDS.glob("*.txt"):
        fresh |= set(_shingles(path.read_text(encoding="utf-8")))
    assert fresh == committed, "run tests/data/make_seed_shingles.py"


@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_no_twelve_word_run_copied_from_the_seeds(doc_id: str) -> None:
    seeds = _seed_fingerprint()
    copied = [w for digest, w in _shingles(DOCS[doc_id].path.read_text("utf-8")).items()
              if digest in seeds]
    assert copied == []


def test_shingle_check_catches_a_copy() -> None:
    copied = "Invest as much time in governance design as deal design. The contract"
    assert set(_shingles(copied)) & _seed_fingerprint()


# --- the numbers agree with the tools -----------------------------------------------------


def test_weights_match_the_scorer() -> None:
    title = "The five attractiveness criteria and their weights"
    doc = DOCS["attractiveness-scoring"]
    rows, section = doc.table(title), doc.section(title)
    assert set(CRITERION_LABELS) == set(CRITERIA)
    for key, label in CRITERION_LABELS.items():
        weight = _row(rows, label)[1]
        assert weight == f"{_num(DEFAULT_WEIGHTS.weights[key])}%", label
    assert "add up to 100%" in section


def test_band_thresholds_match_the_scorer() -> None:
    doc = DOCS["attractiveness-scoring"]
    rows = doc.table("Attractiveness score bands")
    section = doc.section("Attractiveness score bands")
    p, s = PRIORITY_THRESHOLD, SECONDARY_THRESHOLD
    assert f"score >= {p}" in _row(rows, "Priority")[1]
    assert f"{s} <= score < {p}" in _row(rows, "Secondary")[1]
    assert f"score < {s}" in _row(rows, "Opportunistic")[1]
    assert f"{p}.0 is priority" in section and f"{s}.0 is secondary" in section


def test_worked_example_is_what_the_scorer_computes() -> None:
    section = DOCS["attractiveness-scoring"].section("Worked attractiveness score example")
    inputs: dict[str, int] = {}
    shown: dict[str, float] = {}
    for key, label in CRITERION_LABELS.items():
        match = re.search(rf"- {label}: (\d+) x (\d+)% = ([\d.]+)", section)
        assert match, label
        inputs[key] = int(match.group(1))
        assert float(match.group(2)) == DEFAULT_WEIGHTS.weights[key]
        shown[key] = float(match.group(3))
    result = score_partner(inputs)
    assert shown == pytest.approx(result.contributions)
    total = re.search(r"The total is ([\d.]+), which falls in the (\w+) band", section)
    assert total and float(total.group(1)) == result.score
    assert total.group(2) == result.band.value


def test_tier_criteria_match_the_tier_tool() -> None:
    rows = DOCS["partner-tiers"].table("Tier criteria at a glance")
    for tier in Tier:
        rule = TIER_CRITERIA[tier]
        name, pipeline, certified, practice = _row(rows, tier.value.title())
        if tier is Tier.REGISTERED:
            assert _money(pipeline) == [TIER_CRITERIA[Tier.SILVER].min_pipeline_usd]
            assert rule.min_pipeline_usd == 0 and rule.min_certified == 0
        else:
            assert _money(pipeline)[0] == rule.min_pipeline_usd, name
            assert f"at least {rule.min_certified} certified" == certified, name
        above = [t for t in Tier if t.rank == tier.rank + 1]
        if above and tier is not Tier.REGISTERED:
            assert _money(pipeline)[1] == TIER_CRITERIA[above[0]].min_pipeline_usd, name
        assert practice == ("required" if rule.dedicated_practice else "not required"), name


def test_each_tier_section_states_its_criteria_and_terms() -> None:
    doc = DOCS["partner-tiers"]
    for tier in (Tier.PLATINUM, Tier.GOLD, Tier.SILVER):
        rule = TIER_CRITERIA[tier]
        section = doc.section(f"{tier.value.title()} tier")
        assert _money(section)[0] == rule.min_pipeline_usd, tier
        assert f"at least {rule.min_certified} certified" in section, tier
        for line in rule.benefits + rule.commitments:
            for figure in re.findall(r"\d+(?:-\d+)? \w+", line):  # e.g. "5 business"
                assert figure in section, f"{tier}: {line!r}"


def test_tier_movement_rules_match_the_tier_tool() -> None:
    doc = DOCS["tier-movement"]
    promote = doc.section("Promotion after two qualifying quarters")
    assert f"higher tier for {PROMOTE_AFTER_QUARTERS} consecutive" in promote
    demote = doc.section("Demotion after two consecutive misses")
    assert f"for {DEMOTE_AFTER_MISSES} consecutive" in demote
    assert "for 1 quarter" in doc.section("Warning after one missed quarter")
    exit_rules = doc.section("Exit after inactivity")
    assert f"**{EXIT_MONTHS} months** ({EXIT_MONTHS // 3} consecutive quarters)" in exit_rules
    assert (
        f"**{REGISTERED_EXIT_MONTHS} months** ({REGISTERED_EXIT_MONTHS // 3} consecutive "
        "quarters)" in exit_rules
    )
    assert f"Registered partner with no pipeline activity for {REGISTERED_EXIT_MONTHS} months" in (
        DOCS["partner-tiers"].section("Registered tier")
    )


def test_partnership_models_and_fees_match_the_model_tool() -> None:
    doc = DOCS["partnership-models"]
    rows = doc.table("The seven partnership models")
    assert len(rows) == len(PARTNERSHIP_MODELS) == 7
    for model in PARTNERSHIP_MODELS.values():
        row = _row(rows, model.name)
        ranges = re.findall(r"(\d+)-(\d+)%", row[3])
        if model.fee_range is None:
            assert ranges == [], model.key
            continue
        low, high = _num(model.fee_range.low), _num(model.fee_range.high)
        assert ranges == [(low, high)], model.key
        basis = "ACV" if "ACV" in model.fee_range.basis else "off list"
        assert basis in row[3], model.key
        prose = doc.section("Referral and reseller models")
        assert f"{low}-{high}%" in prose, model.key


def test_commitment_spectrum_has_every_level_in_order() -> None:
    section = DOCS["partnership-models"].section("The commitment spectrum")
    items = re.findall(r"(?:^| )\d+\. \*\*(.+?)\*\*", section)
    assert len(items) == len(Commitment)
    assert items[0].lower().startswith("transactional")
    assert items[-1].lower().startswith("strategic investment")


def test_build_partner_acquire_rules_match_the_decision_tool() -> None:
    doc = DOCS["build-partner-acquire"]
    rules = doc.section("The build vs partner vs acquire decision rules")
    assert f"more than {ACQUIRE_MIN_MONTHS} months" in rules
    assert "D-001" in doc.section("The decision log")
    assert "Finance" in doc.section("Finance input to build vs partner decisions")


def test_star_dimensions_and_verdict_match_the_star_tool() -> None:
    doc = DOCS["star-assessment"]
    dimensions = doc.section("The four STAR dimensions").lower()
    for name in DIMENSIONS:
        assert name.replace("_", " ") in dimensions
    verdict = doc.section("STAR verdict thresholds")
    assert f"is {PROCEED_MIN_OVERALL} or higher" in verdict
    assert f"no dimension is rated below {PROCEED_MIN_DIMENSION}" in verdict
    assert f"below {REJECT_BELOW_OVERALL}" in verdict
    assert "50-70%" in doc.section("Why partnerships fail")


def test_phase_targets_match_the_program_tool() -> None:
    rows = DOCS["kpis-targets"].table("Program phase targets")
    for target in PHASE_TARGETS:
        row = [r for r in rows if r[0].startswith(f"Phase {target.phase}:")]
        assert len(row) == 1, target.phase
        _, months, share, active = row[0]
        assert months == target.months
        assert share == f"{target.revenue_share_pct}%"
        assert active == f"{target.active_partnerships_min}+"


def test_kpi_targets_appear_in_the_documents() -> None:
    text = " ".join((DOCS["kpis-targets"].text + DOCS["okrs-roadmap"].text).split())
    for kpi in KPI_TARGETS:
        if kpi.unit == "USD":  # money reads as the documents write it: $2M
            assert format_usd(kpi.target) in text, kpi.key
            continue
        number = _num(kpi.target)
        assert f"{number}{kpi.unit}" in text or f"{number} {kpi.unit}" in text, kpi.key


def test_program_rules_match_the_program_tool() -> None:
    quality = DOCS["quality-rules"].section("The six framework quality rules")
    assert f"every {COMPETITOR_MAP_MONTHS} months" in quality
    assert f"{PROOF_POINT_DAYS}-day proof point" in DOCS["program-strategy"].section(
        "Sponsor, proof point and kill switch"
    )
    assert f"every {COMPETITOR_MAP_MONTHS} months" in DOCS["market-mapping"].section(
        "Refreshing the landscape map"
    )
