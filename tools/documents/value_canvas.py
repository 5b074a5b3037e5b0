"""The value canvas: the five value-capture questions, answered, and the term sheet checked.

The five questions: the total value the partnership creates; how it is measured; how it is
split; what happens when value runs above or below expectations; the exit economics. When a
term sheet is given, each question is checked against it: the fee (a percentage of ACV or
list price) answers how value is measured and split; the kill switch alone covers only the
downside, so question four needs an upside clause too; the wind-down and the IP terms on
termination answer the exit economics. The term sheet never states the total value. Every
question the term sheet leaves open is answered from the canvas and listed as a clause to add.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from tools.documents.common import (
    DocumentModel,
    InputModel,
    Money,
    Name,
    Percent,
    Text,
    parse_input,
)
from tools.documents.term_sheet import TermSheet, TermSheetInput, build_term_sheet
from tools.errors import FrameworkError
from tools.parsing import format_usd

Source = Literal["term sheet", "value canvas", "open"]
QUESTIONS: dict[str, str] = {
    "total_value": "What is the total value the partnership creates?",
    "measurement": "How is that value measured?",
    "split": "How is it split between the partners?",
    "above_below": "What happens when value runs above or below expectations?",
    "exit_economics": "What are the exit economics?",
}


class ValueSplit(InputModel):
    """How the value is shared.

    Args:
        our_share_pct: Our share, percent.
        partner_share_pct: The partner's share, percent (the two add up to 100).
    """

    our_share_pct: Percent
    partner_share_pct: Percent

    @model_validator(mode="after")
    def _adds_up(self) -> ValueSplit:
        if abs(self.our_share_pct + self.partner_share_pct - 100) > 1e-9:
            raise ValueError("our_share_pct and partner_share_pct must add up to 100")
        return self


class ValueCanvasInput(InputModel):
    """What the value canvas needs; any answer left out is flagged as open.

    Args:
        company: Our company.
        partner: The partner.
        partner_win: What the partner wins, in its own terms.
        total_value_usd: Total value created per year, USD.
        value_basis: What the total value consists of.
        measurement: How the value is measured (the metric and the source of truth).
        split: How the value is shared, in percent.
        upside: What happens when value runs above expectations.
        downside: What happens when value runs below expectations.
        exit_economics: What each side keeps or pays when the partnership ends.
        term_sheet: The term sheet's fields, to check what it already covers.
    """

    company: Name
    partner: Name
    partner_win: Text
    total_value_usd: Money | None = None
    value_basis: Text | None = None
    measurement: Text | None = None
    split: ValueSplit | None = None
    upside: Text | None = None
    downside: Text | None = None
    exit_economics: Text | None = None
    term_sheet: TermSheetInput | None = None


class CanvasAnswer(DocumentModel):
    """One value-capture question and how it is answered."""

    key: str
    question: str
    answer: str
    source: Source
    term_sheet_covers: bool | None
    add_to_term_sheet: bool


class ValueCanvas(DocumentModel):
    """A finished value canvas."""

    company: str
    partner: str
    partner_win: str
    answers: list[CanvasAnswer]
    term_sheet_checked: bool
    added: list[str]
    open_questions: list[str]


def term_sheet_answers(sheet: TermSheet, has_fee: bool) -> dict[str, str | None]:
    """What a built term sheet answers of the five questions (None: not covered).

    Args:
        sheet: A built term sheet.
        has_fee: Whether its input agreed a fee or margin percentage.
    """
    fee = sheet.economics.fee
    return {
        "total_value": None,
        "measurement": f"{sheet.economics.mechanism}: {fee}" if has_fee else None,
        "split": f"{fee}; {sheet.economics.cost_sharing}" if has_fee else None,
        "above_below": None,
        "exit_economics": f"{sheet.term.wind_down}. IP: {sheet.ip.on_termination}",
    }


def _canvas_answers(g: ValueCanvasInput) -> dict[str, str | None]:
    total = None
    if g.total_value_usd is not None:
        total = f"{format_usd(g.total_value_usd)} a year"
        total += f" ({g.value_basis})" if g.value_basis else ""
    elif g.value_basis:
        total = g.value_basis
    split = (f"{g.split.our_share_pct:g}% to {g.company}, {g.split.partner_share_pct:g}% to "
             f"{g.partner}" if g.split else None)
    above_below = (f"Upside: {g.upside}; downside: {g.downside}" if g.upside and g.downside
                   else None)
    return {"total_value": total, "measurement": g.measurement, "split": split,
            "above_below": above_below, "exit_economics": g.exit_economics}


def build_value_canvas(data: ValueCanvasInput | dict[str, Any]) -> ValueCanvas:
    """Answer the five value-capture questions and say what the term sheet must add.

    Args:
        data: A ValueCanvasInput or a dict with its fields.

    Raises:
        FrameworkError: Naming the field on bad input (term-sheet fields under
            ``term_sheet.``), or ``term_sheet.partner`` when it names another partner.
    """
    g = parse_input(ValueCanvasInput, data)
    sheet_answers: dict[str, str | None] = {}
    if g.term_sheet is not None:
        try:
            sheet = build_term_sheet(g.term_sheet)
        except FrameworkError as exc:
            raise FrameworkError(f"term_sheet.{exc.field}", exc.problem) from None
        if sheet.partner.lower() != g.partner.lower():
            raise FrameworkError("term_sheet.partner", f"names {sheet.partner}, not {g.partner}")
        sheet_answers = term_sheet_answers(
            sheet, g.term_sheet.economics.fee_pct is not None)
    canvas = _canvas_answers(g)
    answers: list[CanvasAnswer] = []
    for key, question in QUESTIONS.items():
        from_sheet = sheet_answers.get(key)
        covers = None if g.term_sheet is None else from_sheet is not None
        source: Source = "open"
        answer = "Not answered yet: agree it before signing"
        if from_sheet is not None:
            answer, source = from_sheet, "term sheet"
        elif canvas[key] is not None:
            answer, source = str(canvas[key]), "value canvas"
        answers.append(CanvasAnswer(
            key=key, question=question, answer=answer, source=source,
            term_sheet_covers=covers,
            add_to_term_sheet=covers is False and source == "value canvas"))
    return ValueCanvas(
        company=g.company, partner=g.partner, partner_win=g.partner_win, answers=answers,
        term_sheet_checked=g.term_sheet is not None,
        added=[a.key for a in answers if a.add_to_term_sheet],
        open_questions=[a.key for a in answers if a.source == "open"])
