"""``partnerpilot ask`` (one question) and ``partnerpilot chat`` (interactive, streaming)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.core import Agent
from agent.session import Session
from cli.common import err_console, out_console, user_errors
from knowledge.settings import Settings, get_settings
from tools.errors import FrameworkError, validate

if TYPE_CHECKING:
    from agent.core import TurnResult
    from agent.events import Citation, Event

BackendOption = Annotated[
    str | None,
    typer.Option("--backend", "-b", help="offline, openai or local (default: from settings).",
                 show_default=False),
]
EXIT_WORDS = {"exit", "quit", ":q", "bye"}


def _agent(backend: str | None) -> Agent:
    settings = get_settings()
    if backend is not None:
        settings = validate(Settings, {**settings.model_dump(), "backend": backend.lower()})
    return Agent.from_settings(settings)


def _citation_line(citation: Citation) -> str:
    return f"- {citation.title} > {citation.section} ({citation.doc_id})"


def _print_result(result: TurnResult) -> None:
    out_console.print(result.answer, markup=False)
    if result.citations:
        out_console.print("\nSources:", markup=False)
        seen: set[tuple[str, str]] = set()
        for citation in result.citations:
            if (citation.doc_id, citation.section) not in seen:
                seen.add((citation.doc_id, citation.section))
                out_console.print(_citation_line(citation), markup=False)
    for document in result.documents:
        out_console.print(f"\nDocument: {document.title}: {document.docx_path} "
                          f"(Markdown: {document.markdown_path})", markup=False)
    if result.ungrounded:
        out_console.print("Withheld unverified figures: " + ", ".join(result.ungrounded),
                          markup=False, style="yellow")
    out_console.print(f"\nanswered by: {result.backend}"
                      + (f" ({result.model})" if result.model else ""), markup=False,
                      style="dim")


def ask(
    question: Annotated[str, typer.Argument(help="Your question, in plain words.")],
    backend: BackendOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the turn as JSON.")] = False,
) -> None:
    """Ask one question; the answer cites its sources and names the backend that answered."""
    with user_errors():
        if not question.strip():
            raise FrameworkError("question", "must not be empty", question)
        agent = _agent(backend)
        try:
            result = agent.run(question, Session())
        finally:
            agent.close()
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False, default=str))
    else:
        _print_result(result)
    if result.error is not None:
        err_console.print(f"error: {result.error.message}", markup=False)
        raise typer.Exit(1)


class _ChatPrinter:
    """Renders one turn's events as they arrive."""
    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self.in_text = False

    def _break(self) -> None:
        if self.in_text:
            out_console.print()
            self.in_text = False

    def show(self, event: Event) -> None:
        kind = event.type
        if kind == "text_delta":
            out_console.print(event.text, end="", markup=False)  # type: ignore[union-attr]
            self.in_text = True
        elif kind == "tool_call":
            self._break()
            args = json.dumps(event.input, ensure_ascii=False)  # type: ignore[union-attr]
            out_console.print(f"  -> {event.name} {args[:160]}", markup=False,  # type: ignore[union-attr]
                              style="dim")
        elif kind == "tool_result" and event.error:  # type: ignore[union-attr]
            out_console.print(f"     error: {event.error}", markup=False, style="yellow")  # type: ignore[union-attr]
        elif kind == "citation":
            self.citations.append(event)  # type: ignore[arg-type]
        elif kind == "document":
            self._break()
            out_console.print(f"  document: {event.title}: {event.docx_path}",  # type: ignore[union-attr]
                              markup=False, style="green")
        elif kind == "error":
            self._break()
            out_console.print(f"error: {event.message}", markup=False, style="red")  # type: ignore[union-attr]
        elif kind == "final":
            self._finish(event)

    def _finish(self, event: Any) -> None:
        self._break()
        seen: set[str] = set()
        for citation in self.citations:
            line = _citation_line(citation)
            if line not in seen:
                seen.add(line)
                out_console.print(line, markup=False, style="cyan")
        if event.ungrounded:
            out_console.print("Withheld unverified figures: " + ", ".join(event.ungrounded),
                              markup=False, style="yellow")
        model = f" ({event.model})" if event.model else ""
        out_console.print(f"answered by: {event.backend}{model}", markup=False, style="dim")


def chat(backend: BackendOption = None) -> None:
    """Chat interactively: answers stream in with tool steps and sources (exit or Ctrl-D)."""
    with user_errors():
        agent = _agent(backend)
    session = Session()
    out_console.print(f"partnerpilot chat, answered by: {agent.backend_name}. "
                      "Type exit to leave.", markup=False, style="dim")
    try:
        while True:
            try:
                message = out_console.input("you> ")
            except (EOFError, KeyboardInterrupt):
                out_console.print()
                break
            if message.strip().lower() in EXIT_WORDS:
                break
            if not message.strip():
                continue
            printer = _ChatPrinter()
            for event in agent.stream(message, session):
                printer.show(event)
    finally:
        agent.close()


def register(app: typer.Typer) -> None:
    """Add ``ask`` and ``chat`` to the root app."""
    app.command("ask")(ask)
    app.command("chat")(chat)
