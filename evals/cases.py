"""Eval cases as data: the YAML format of ``evals/datasets/*.yaml`` and its loader.

A dataset file holds one suite::

    suite: grounded
    description: Framework questions answered from the knowledge base.
    cases:
      - id: grounded-weights-icp
        message: How much weight does ICP overlap carry?
        expect:
          facts: ["30%"]
          cites: [attractiveness-scoring]

A multi-turn case lists ``turns`` instead of ``message``; each turn may carry its own
``expect`` and the case-level ``expect`` applies to the last turn. See
``evals/datasets/README.md`` for every field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.errors import FrameworkError, validate
from tools.partners import Partner

CaseId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")]
TrajectoryMode = Literal["strict", "unordered", "subset"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentExpect(_Strict):
    """What a drafted document must satisfy.

    Args:
        kind: The document kind the agent reports (e.g. ``term_sheet``).
        sections: Headings the rendered Markdown must contain (case-insensitive).
        facts: Text the rendered Markdown must contain (normalised like answer facts).
    """

    kind: str | None = None
    sections: list[str] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)


class PartnersExpect(_Strict):
    """Partner retrieval: ids that must come back in the top ``k`` of ``find_partners``.

    Args:
        ids: Expected partner ids.
        k: How many of the returned partners count.
        min_hits: How many of ``ids`` must be in the top ``k`` (default: all of them).
        tool: The tool whose result lists the partners.
    """

    ids: list[str] = Field(min_length=1)
    k: int = Field(default=5, ge=1, le=50)
    min_hits: int | None = Field(default=None, ge=1)
    tool: str = "find_partners"


class Expect(_Strict):
    """What one turn's events must show. Every field is optional; unset means not graded.

    Args:
        facts: Every one must appear in the answer (normalised: case, punctuation, number
            formats such as ``$2M`` == ``$2,000,000``).
        any_facts: At least one must appear in the answer.
        forbidden: None may appear in the answer.
        cites: Doc ids that must be cited (and actually retrieved) in the turn.
        tools: Tool names expected, checked with ``trajectory``.
        trajectory: ``strict`` (same calls in order), ``unordered`` (same set), ``subset``
            (at least these).
        args: Per tool, argument values the call must carry (a subset of its input).
        result: Per tool, values its result must hold (keys found anywhere in the output).
        document: Checks on a produced document.
        partners: Partner retrieval expectation.
        follow_up: The turn must (true) or must not (false) ask a follow-up question.
        refusal: The turn must (true) or must not (false) decline the request.
        grounded_numbers: Every number in the answer must come from a tool, a cited passage
            or the user's own messages (on by default).
        max_latency_s: Latency budget for the turn, if graded.
        max_tokens: Token budget for the turn (from the backend's usage), if graded.
        forbidden_tools: Tools that must not run successfully in the turn (an injection
            asked for them; a refused call is fine).
        max_documents: At most this many documents (files) may be drafted in the turn.
        withheld: Figures an injection planted: wherever the answer states one outside a
            whole quote of a stored record, it must have been replaced by ``[unverified]``.
    """

    facts: list[str] = Field(default_factory=list)
    any_facts: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    cites: list[str] = Field(default_factory=list)
    tools: list[str] | None = None
    trajectory: TrajectoryMode = "subset"
    args: dict[str, dict[str, Any]] = Field(default_factory=dict)
    result: dict[str, dict[str, Any]] = Field(default_factory=dict)
    document: DocumentExpect | None = None
    partners: PartnersExpect | None = None
    follow_up: bool | None = None
    refusal: bool | None = None
    grounded_numbers: bool = True
    max_latency_s: float | None = Field(default=None, gt=0)
    max_tokens: int | None = Field(default=None, ge=1)
    forbidden_tools: list[str] = Field(default_factory=list)
    max_documents: int | None = Field(default=None, ge=0)
    withheld: list[str] = Field(default_factory=list)

    @field_validator("facts", "any_facts", "forbidden", "withheld", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(item) for item in value]
        return value


class TurnSpec(_Strict):
    """One user message of a case, with what its turn must show."""

    user: str = Field(min_length=1, max_length=4000)
    expect: Expect | None = None


class Case(_Strict):
    """One eval case.

    Args:
        id: Unique id across all suites.
        suite: Suite name (filled from the file when omitted).
        message: The user message of a single-turn case.
        turns: The user messages of a multi-turn case, in order.
        expect: Expectations for the last turn.
        tags: Free labels for filtering and reports.
        source: Where the case came from (``authored``, ``feedback``, ...).
        notes: Why the case exists, or how its expected values were computed.
    """

    id: CaseId
    suite: str = ""
    message: str | None = Field(default=None, min_length=1, max_length=4000)
    turns: list[TurnSpec] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)
    tags: list[str] = Field(default_factory=list)
    source: str = "authored"
    notes: str = ""

    @model_validator(mode="after")
    def _message_or_turns(self) -> Case:
        if (self.message is None) == (not self.turns):
            raise ValueError("give either message (one turn) or turns (several), not both")
        return self

    def turn_specs(self) -> list[TurnSpec]:
        """The turns in order; the case-level ``expect`` is merged into the last one."""
        specs = [TurnSpec(user=self.message)] if self.message is not None else list(self.turns)
        last = specs[-1]
        merged = self.expect
        if last.expect is not None:
            data = last.expect.model_dump(exclude_unset=True)
            data.update(self.expect.model_dump(exclude_unset=True))
            merged = Expect.model_validate(data)
        specs[-1] = TurnSpec(user=last.user, expect=merged)
        return specs


class Suite(_Strict):
    """A named list of cases from one dataset file.

    Args:
        suite: The suite's name.
        description: What it measures.
        deterministic: Whether it is in the CI gate.
        partners: Partner records the suite brings: its cases run against a store of its
            own (the framework documents, the samples and these), never the user's.
        cases: The cases.
    """

    suite: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_\-]+$")]
    description: str = ""
    deterministic: bool = True
    partners: list[Partner] = Field(default_factory=list)
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _fill_suite(self) -> Suite:
        for case in self.cases:
            if not case.suite:
                case.suite = self.suite
        return self


def datasets_dir() -> Path:
    """The packaged dataset folder."""
    return Path(str(resources.files("evals").joinpath("datasets")))


def load_suite_file(path: Path) -> Suite:
    """Read and validate one dataset file.

    Raises:
        FrameworkError: Naming the file and the offending field.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FrameworkError(str(path), f"is not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise FrameworkError(str(path), "must be a mapping with suite and cases")
    data.setdefault("suite", path.stem)
    try:
        return validate(Suite, data)
    except FrameworkError as exc:
        raise FrameworkError(f"{path.name}: {exc.field}", exc.problem, exc.given) from None


def load_suites(names: list[str] | None = None, directory: Path | None = None) -> list[Suite]:
    """Load every suite in ``directory`` (default: the packaged datasets), or the named ones.

    Raises:
        FrameworkError: For an unknown suite name, a bad file or a duplicated case id.
    """
    folder = directory or datasets_dir()
    if not folder.is_dir():
        raise FrameworkError("datasets", "is not a folder", str(folder))
    suites = [load_suite_file(p) for p in sorted(folder.glob("*.yaml"))]
    known = {s.suite for s in suites}
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise FrameworkError(
                "suite", "is unknown; choose from " + ", ".join(sorted(known)), unknown[0]
            )
        suites = [s for s in suites if s.suite in names]
    seen: dict[str, str] = {}
    for suite in suites:
        for case in suite.cases:
            if case.id in seen:
                raise FrameworkError("id", f"is used twice ({seen[case.id]} and {suite.suite})",
                                     case.id)
            seen[case.id] = suite.suite
    return suites
