"""Agent events -> Chainlit messages, steps and elements. No strategy logic lives here.

:class:`TurnRenderer` consumes one turn's events (see ``agent/events.py``): text deltas stream
into the answer, each tool call becomes a collapsible step with its input and output,
citations become side-panel sources the answer names, partner hits a compact table, drafted
documents an inline message with DOCX and Markdown downloads, and the final answer carries a
badge saying which backend answered. The helpers above it are pure and unit-tested.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.data import get_data_layer
from chainlit.step import check_add_step_in_cot, stub_step
from chainlit.utils import utc_now

from agent.events import (
    Citation,
    DocumentProduced,
    ErrorEvent,
    Event,
    FinalAnswer,
    FollowUp,
    TextDelta,
    ToolCall,
    ToolResult,
)
from ui import steps as step_text
from ui.charts import comparison, figures_for_tool
from ui.render_text import (
    chunks,
    citation_body,
    citation_name,
    document_title,
    download_name,
    model_badge,
    partner_rows,
    partner_table,
    pretty_json,
    tool_title,
    without_listed_partners,
)
from ui.safe_md import safe_markdown

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Streaming a long piece of text in small chunks, so a user sees it arrive.
STREAM_PAUSE_S = 0.02
STREAM_BUDGET_S = 1.0
SAVE_TRIES = 5
READING_TITLE = "Reading your question"
READING_LABEL = "Reading your question…"


async def close_sources() -> None:
    """Close the source panel (Chainlit's element sidebar), e.g. when a new answer starts."""
    await cl.ElementSidebar.set_elements([])


async def aiter_events(events: Iterator[Event]) -> AsyncIterator[Event]:
    """Drive a blocking event iterator in a worker thread, yielding to the event loop."""
    done = object()
    while True:
        event = await asyncio.to_thread(next, events, done)
        if event is done:
            return
        yield event  # type: ignore[misc]


async def show_step(step: cl.Step, new: bool) -> None:
    """Show ``step`` (or its new state) in the page without saving it.

    ``Step.send`` and ``Step.update`` save in a background task holding the step as it was
    then; several sessions writing at once can delay one past the step's final save, and a
    reopened thread showed "Searching the partner portfolio…" for a finished step (3 of 120
    steps with five sessions at once). A step is saved only with its result
    (:meth:`TurnRenderer.persist_steps`), so no earlier state is left to land late.
    """
    shown = step.to_dict() if check_add_step_in_cot(step) else stub_step(step)
    await (cl.context.emitter.send_step(shown) if new else cl.context.emitter.update_step(shown))


class TurnRenderer:
    """Renders one turn's events into the current Chainlit conversation.

    Everything shown passes through :meth:`safe` (no remote images, foreign links as text,
    server paths as file names); ``link_hosts`` are the hosts links may point to and
    ``roots`` the server folders to hide (the data dir).
    After :meth:`finish`, ``answer`` is the message sent, ``steps`` the tool steps by call id,
    ``documents`` the document messages and ``final`` the final event (for tests and the app).
    """

    def __init__(self, link_hosts: tuple[str, ...] = (), roots: tuple[str, ...] = ()) -> None:
        self.link_hosts = link_hosts
        self.roots = roots
        self._raw = ""
        self.answer: cl.Message | None = None
        self.steps: dict[str, cl.Step] = {}
        self.citations: list[cl.Text] = []
        self.charts: list[cl.Plotly] = []
        self.tables: list[str] = []
        self.documents: list[cl.Message] = []
        self.errors: list[cl.ErrorMessage] = []
        self.follow_up: str | None = None
        self.final: FinalAnswer | None = None
        self.metadata: dict[str, Any] = {}
        self.cited_docs: list[str] = []
        self.partner_rows: list[Mapping[str, Any]] = []
        self._inputs: dict[str, dict[str, Any]] = {}
        self._raw_steps: list[cl.Step] = []
        self._streamed = False
        self._pace_left = STREAM_BUDGET_S
        self.scores: list[tuple[str, Mapping[str, float], float]] = []
        self.placeholder: cl.Step | None = None

    async def begin(self) -> None:
        """Show a step at once, before any slow work (routing, retrieval, a model's reply).

        The step reads "Reading your question…" and becomes the first tool's step when the
        agent names it; a turn without a tool call removes it at :meth:`finish`. It is shown,
        not saved (:func:`show_step`): it is saved once it holds a tool's result.
        """
        parent = cl.context.current_step
        step = cl.Step(name=READING_TITLE, type="tool", show_input=False, default_open=False,
                       parent_id=parent.id if parent is not None else None)
        step.start = utc_now()
        step.output = READING_LABEL
        self.placeholder = step
        await show_step(step, new=True)

    async def finish_failed(self) -> None:
        """Take the "Reading your question" step away when no tool ran (or nothing could)."""
        if self.placeholder is not None and not self.steps:
            await self.placeholder.remove()

    async def handle(self, event: Event) -> None:
        """Render one event."""
        if isinstance(event, TextDelta):
            await self._text(event)
        elif isinstance(event, ToolCall):
            await self._tool_call(event)
        elif isinstance(event, ToolResult):
            await self._tool_result(event)
        elif isinstance(event, Citation):
            self._citation(event)
        elif isinstance(event, DocumentProduced):
            await self._document(event)
        elif isinstance(event, FollowUp):
            self.follow_up = event.question
        elif isinstance(event, FinalAnswer):
            self.final = event
        elif isinstance(event, ErrorEvent):
            error = cl.ErrorMessage(content=f"Something went wrong ({event.kind}): "
                                    f"{self.safe(event.message)}")
            self.errors.append(error)
            await error.send()

    def safe(self, markdown: str) -> str:
        """``markdown`` as this UI shows it (see :func:`ui.safe_md.safe_markdown`)."""
        return safe_markdown(markdown, self.link_hosts, self.roots)

    async def _text(self, event: TextDelta) -> None:
        if self.answer is None:
            self.answer = cl.Message(content="")
        self._streamed = True
        for piece in chunks(event.text):
            self._raw += piece
            # The whole text so far, made safe, replaces what was shown: an image or a link
            # is only complete (and dangerous) once its closing bracket has streamed in.
            await self.answer.stream_token(self.safe(self._raw) or " ", is_sequence=True)
            if self._pace_left > 0:  # a whole answer at once reads as no streaming at all
                self._pace_left -= STREAM_PAUSE_S
                await asyncio.sleep(STREAM_PAUSE_S)

    async def _tool_call(self, event: ToolCall) -> None:
        parent = cl.context.current_step
        if event.call_id in self.steps:
            return
        step, first = self.placeholder, self.placeholder is not None and not self.steps
        if step is None or not first:
            step = cl.Step(name=tool_title(event.name), type="tool", show_input=False,
                           default_open=False,
                           parent_id=parent.id if parent is not None else None)
            step.start = utc_now()
        step.name = tool_title(event.name)
        step.input = self.safe(pretty_json(event.input))
        step.output = step_text.progress(event.name)
        step.metadata = {"tool": event.name, "call_id": event.call_id}
        self.steps[event.call_id] = step
        self._inputs[event.call_id] = dict(event.input)
        await show_step(step, new=not first)  # saved with its result (see show_step)

    async def _tool_result(self, event: ToolResult) -> None:
        step = self.steps.get(event.call_id)
        if step is None:
            await self._tool_call(ToolCall(call_id=event.call_id, name=event.name, input={}))
            step = self.steps[event.call_id]
        step.end = utc_now()
        step.output = self.safe(step_text.step_markdown(
            event.name, self._inputs.get(event.call_id, {}), event.output, event.error))
        raw = cl.Step(name="Raw data", type="tool", language="json", show_input="json",
                      default_open=False, parent_id=step.id)
        raw.input = step.input
        raw.output = self.safe(pretty_json({"error": event.error} if event.error
                                           else event.output))
        raw.start, raw.end = step.start, step.end
        self._raw_steps.append(raw)
        if event.error:
            step.is_error = True
        else:
            for name, figure in figures_for_tool(event.name, event.output):
                self.charts.append(cl.Plotly(name=name, figure=figure, display="inline",
                                             size="medium"))
            scored = event.output.get("result") if isinstance(event.output, Mapping) else None
            if event.name == "score_partner" and isinstance(scored, Mapping):
                self.scores.append((str(event.output.get("partner_name") or "New partner"),
                                    scored.get("contributions") or {},
                                    float(scored.get("score") or 0)))
            if event.name == "find_partners":
                rows = partner_rows(event.output)
                table = partner_table(rows)
                if table:
                    self.tables.append(table)
                    self.partner_rows.extend(rows)
        await step.update()
        await raw.send()

    def _citation(self, event: Citation) -> None:
        known = {element.content for element in self.citations}
        body = citation_body(event)
        if body in known:
            return
        if event.doc_id not in self.cited_docs:
            self.cited_docs.append(event.doc_id)
        name = citation_name(len(self.citations) + 1, event)
        self.citations.append(cl.Text(name=name, content=body, display="side"))

    async def _document(self, event: DocumentProduced) -> None:
        files: list[Any] = []
        formats = []
        title = document_title(event.title, event.model)
        if event.docx_path and Path(event.docx_path).is_file():
            files.append(cl.File(name=download_name(title, "docx"), path=event.docx_path,
                                 mime=DOCX_MIME, display="inline"))
            formats.append("Word (.docx)")
        files.append(cl.File(name=download_name(title, "md"),
                             content=event.markdown.encode(), mime="text/markdown",
                             display="inline"))
        formats.append("Markdown (.md)")
        note = f"\n\n---\n**Download:** {' and '.join(formats)}, below."
        message = cl.Message(content=self.safe(event.markdown) + note, elements=files)
        self.documents.append(message)
        await message.send()

    def compose(self) -> str:
        """The answer's full Markdown: text, partner tables, sources and the model badge."""
        text = ""
        if self.answer is not None and self._streamed:
            text = self._raw
        elif self.final is not None and self.final.text:
            text = self.final.text
        elif self.follow_up:
            text = self.follow_up
        text = self.safe(text)
        if self.partner_rows:
            text = without_listed_partners(text, self.partner_rows)
        parts = [text.strip()] if text.strip() else []
        if self.follow_up and self.safe(self.follow_up) not in text:
            parts.append(self.safe(self.follow_up))
        parts.extend(self.tables)
        if self.citations:
            parts.append("**Sources:** " + ", ".join(c.name for c in self.citations))
        if self.final is not None:
            parts.append(model_badge(self.final))
        return "\n\n".join(parts)

    async def finish(self) -> cl.Message:
        """Send (or complete) the answer message with its elements; return it."""
        if self.answer is None:
            self.answer = cl.Message(content="")
        self.answer.content = self.compose()
        charts = self.charts
        if len(self.scores) >= 2:  # a comparison: one grouped chart instead of one per partner
            charts = [cl.Plotly(name="Comparison", figure=comparison(self.scores),
                                display="inline", size="large"),
                      *[c for c in charts if not c.name.startswith("Score breakdown")]]
        self.charts = charts
        self.answer.elements = [*self.citations, *charts]  # type: ignore[list-item]
        self.answer.metadata = {
            **self.metadata,
            "tools": [str(step.metadata.get("tool")) for step in self.steps.values()],
            "cites": list(self.cited_docs),
            "backend": self.final.backend if self.final else None,
            "model": self.final.model if self.final else None,
        }
        await self.finish_failed()  # no tool ran: no "Reading your question" step to keep
        await self.answer.send()  # ends a stream too, and persists the message
        await self.persist_steps()
        return self.answer

    async def persist_steps(self) -> None:
        """Save every step once more, with its result, after the answer.

        A step is first saved by ``Step.update`` with its result, in a background task;
        a write that meets a busy database is logged and dropped by the layer, and the step
        would be missing on reopening. Here each step is saved, read back, and saved again
        until it holds. No earlier state of the step was saved (:func:`show_step`), so no
        late write can replace the result.
        """
        layer = get_data_layer()
        if layer is None:
            return
        await asyncio.sleep(0)
        for step in [*self.steps.values(), *self._raw_steps]:
            for _ in range(SAVE_TRIES):  # the layer logs and drops a failed write (a busy DB)
                await layer.update_step(step.to_dict())
                stored = await layer.get_step(step.id) if hasattr(layer, "get_step") else None
                if stored is None or stored.get("output") == step.output:
                    break
                await asyncio.sleep(0.2)
