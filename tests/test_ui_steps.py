"""Plain-language steps, the page shell without CDNs, and the upload that waits for its session."""

from __future__ import annotations

import asyncio

import ui  # noqa: F401  (points Chainlit's app root at ui/ before chainlit is imported)
from tools.scoring import score_partner
from ui import pages, steps, upload_route


def test_a_score_step_says_what_it_found_with_tables() -> None:
    result = score_partner({"icp_overlap": 80, "market_influence": 70, "practice_alignment": 60,
                            "partnership_appetite": 90, "revenue_potential": 50})
    output = {"result": result.model_dump(mode="json")}
    assert steps.summary("score_partner", output) == (
        f"Scored 5 criteria: {result.score:g}, {result.band.value}")
    body = steps.step_markdown("score_partner", {"icp_overlap": 80}, output, None)
    assert "| Input | Value |" in body and "| ICP overlap | 80 |" in body
    assert "| Market influence | 17.5 |" in body and "{" not in body


def test_summaries_of_other_tools_and_errors() -> None:
    assert steps.summary("check_tier", {"tier": "gold"}) == "Qualifies for Gold"
    assert steps.summary("review_tier", {"action": "hold", "from": "gold", "to": "gold"}) == \
        "Review: hold (stays Gold)"
    assert steps.summary("review_tier", {"action": "demote", "from": "gold",
                                         "to": "silver"}) == "Review: demote (Gold to Silver)"
    assert steps.summary("find_partners", {"count": 1, "partners": []}) == "Found 1 partner"
    assert steps.summary("search_framework", {"passages": [{}, {}]}) == \
        "Found 2 framework passages"
    assert steps.summary("unknown_tool", None) == "Unknown tool: done"
    assert steps.progress("search_framework") == "Searching the framework…"
    assert steps.step_markdown("check_tier", {}, None, "partner: not found").startswith(
        "**Could not run check tier:**")


def test_the_page_shell_loads_nothing_from_outside() -> None:
    html = ('<link rel="preconnect" href="https://fonts.googleapis.com" />\n'
            '<link\n  rel="stylesheet"\n  href="https://cdn.jsdelivr.net/npm/katex.css"\n/>\n'
            '<meta property="og:image" content="https://chainlit-cloud.s3/banner.png">\n'
            '<link rel="icon" href="/favicon" />')
    out = pages.strip_external(html)
    assert "https://" not in out and '<link rel="icon" href="/favicon" />' in out


def test_an_upload_waits_for_its_session_then_gives_up() -> None:
    from chainlit.session import WebsocketSession

    async def late_session() -> tuple[object, object]:
        made: list[WebsocketSession] = []

        async def connect() -> None:  # the page's socket registers its session later
            await asyncio.sleep(0.3)
            made.append(WebsocketSession(id="s-late", socket_id="sock-late",
                                         emit=lambda *a: None, emit_call=lambda *a: None,
                                         user_env={}, client_type="webapp"))

        task = asyncio.create_task(connect())
        found = await upload_route.wait_for_session("s-late", timeout=10)
        await task
        missing = await upload_route.wait_for_session("s-never", timeout=0.3)
        for session in made:
            session.delete()
        return found is made[0], missing

    assert asyncio.run(late_session()) == (True, None)
