"""The board tools' slot readers: money by role, KPI clauses, sponsor pairings, canvas answers.

Pure functions over text (no store, no model): each reads a mechanism, not a phrasing, so
the messages here are worded differently from the eval suites.
"""

from __future__ import annotations

from agent.planner import board_inputs, canvas_inputs, plans
from agent.planner.doc_signals import filled_document
from agent.planner.partners import PartnerMatch


def test_money_takes_the_role_its_own_segment_cues() -> None:
    text = ("Turnover was $70M, of which $14M came through the channel; we spent $2M on "
            "the program and revenue per partner is $1.1M")
    found = board_inputs.money_roles(text, board_inputs.DASHBOARD_ROLES)
    assert found == {"total_revenue_usd": 70e6, "partner_sourced_revenue_usd": 14e6,
                     "investment_usd": 2e6, "kpi:revenue_per_partner": 1.1e6}


def test_two_amounts_in_one_segment_split_at_the_amounts() -> None:
    found = board_inputs.money_roles("partner revenue $5M of $25M total",
                                     board_inputs.DASHBOARD_ROLES)
    assert found == {"partner_sourced_revenue_usd": 5e6, "total_revenue_usd": 25e6}


def test_an_amount_without_a_cue_is_left_alone() -> None:
    assert board_inputs.money_roles("we have $9M", board_inputs.DASHBOARD_ROLES) == {}


def test_a_percent_kpi_prefers_the_figure_with_a_percent_sign() -> None:
    found = board_inputs.kpi_actuals("deal reg inside 24h at 91%, retention 87%, NPS 8.9")
    assert found == {"kpi:deal_registration_sla": 91.0, "kpi:partner_retention": 87.0,
                     "kpi:partner_satisfaction": 8.9}


def test_dashboard_facts_read_active_partnerships_and_the_month() -> None:
    found = board_inputs.dashboard_facts("month 7, 64 live partners")
    assert found["program_month"] == 7 and found["active_partnerships"] == 64


def test_roadmap_facts_read_tier_counts_in_words_and_the_q3_pipeline() -> None:
    found = board_inputs.roadmap_facts("sign two platinum and 6 gold; pipeline by Q3 $3.5M")
    assert found == {"platinum_partners": 2, "gold_partners": 6, "q3_pipeline_usd": 3.5e6}
    assert board_inputs.roadmap_year("our 2029 plan") == 2029


def test_canvas_facts_skip_clauses_that_say_nothing_is_settled() -> None:
    found = canvas_inputs.canvas_facts(
        "Worth roughly $3M annually; attribution via the partner portal; split 65/35; "
        "if it underperforms we renegotiate; exit terms are still open.")
    assert found["total_value_usd"] == 3e6
    assert found["split"] == {"our_share_pct": 65.0, "partner_share_pct": 35.0}
    assert "portal" in found["measurement"] and "renegotiate" in found["downside"]
    assert "exit_economics" not in found and "upside" not in found


def test_a_split_in_the_partners_favour_is_read_theirs_first() -> None:
    assert canvas_inputs.canvas_facts("split 80/20 in the partner's favour")["split"] == {
        "our_share_pct": 20.0, "partner_share_pct": 80.0}


def test_pairings_read_one_per_clause_with_either_separator() -> None:
    found = canvas_inputs.pairings(
        "Our sponsors. Acme Corp: Jo Lee (SVP), with our COO, biweekly; "
        "globex partners - Sam Roe (CTO) with our CEO + CFO, every quarter.")
    assert found == [
        {"partner": "Acme Corp", "partner_executive": "Jo Lee (SVP)", "our_counterpart": "COO",
         "cadence": "biweekly"},
        {"partner": "globex partners", "partner_executive": "Sam Roe (CTO)",
         "our_counterpart": "CEO + CFO", "cadence": "every quarter"}]


def test_counts_only_reads_a_limited_count_or_names_not_wanted() -> None:
    assert plans.counts_only("only the totals for Acme, please")
    assert plans.counts_only("overlap with Acme - skip the list of accounts")
    assert not plans.counts_only("show me the overlap with Acme and the matched accounts")


def test_a_message_stating_a_documents_inputs_points_at_it_unnamed() -> None:
    text = ("Q2 2027 numbers for the board, month 15: sales $90M, partners brought in $30M, "
            "$5M invested so far")
    assert filled_document(text, PartnerMatch()) == "board_dashboard"
    assert filled_document("what is a good partner-sourced share?", PartnerMatch()) == ""
