"""``partnerpilot mcp``: the agent's tools, documents, partners and drafting kinds over MCP.

Transports: stdio, or streamable HTTP on loopback with the ``Host`` and ``Origin`` checked.

Everything comes from the registries the agent itself uses: every entry of
:data:`agent.registry.TOOLS` is an MCP tool with its input model's JSON schema and is run
through :func:`agent.registry.execute`; the drafting kinds are those of
:data:`tools.documents.DOCUMENT_KINDS`. Logs go to stderr only; in stdio mode file
descriptor 1 is handed to the protocol and everything else written to stdout goes to stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import anyio
import mcp.types as types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyUrl
from starlette.applications import Starlette
from starlette.routing import Mount

from agent.registry import TOOLS, execute
from agent.toolset import Deps, ExecutedTool
from knowledge.chunking import default_docs_dir, load_documents
from knowledge.settings import Settings
from knowledge.store import Store
from tools.documents import DOCUMENT_KINDS
from ui.api.chat import scrub
from ui.api.documents import FORMATS, find_document

logger = logging.getLogger("partnerpilot.mcp")
SCHEME = "partnerpilot"
DOCS_DIR = "mcp-documents"
SUMMARY_FIELDS = 6  # scalar fields shown in a tool result's short text


def _short_text(name: str, data: Any) -> str:
    """One line for people: the tool and its result's first scalar fields."""
    if not isinstance(data, dict):
        return f"{name}: {json.dumps(data, ensure_ascii=False, default=str)[:300]}"
    scalars = [f"{k}={v}" for k, v in data.items()
               if isinstance(v, str | int | float | bool) and len(str(v)) < 80]
    return f"{name}: " + (", ".join(scalars[:SUMMARY_FIELDS]) or "done (see structured content)")


def _prompt_for(kind: str) -> types.Prompt:
    entry = DOCUMENT_KINDS[kind]
    fields = entry.input_model.model_fields
    return types.Prompt(
        name=f"draft-{kind}", title=f"Draft a {entry.title.lower()}",
        description=f"Draft a {entry.title.lower()} with the partnerpilot tool draft_"
                    f"{kind.replace('-', '_')}; give what you know, the framework fills the rest.",
        arguments=[types.PromptArgument(name=field, description=info.description or None,
                                        required=info.is_required())
                   for field, info in fields.items()])


class McpServer:
    """The MCP server over one store; drafted documents go to ``<data_dir>/mcp-documents``."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.data_dir = Path(settings.data_dir).resolve()
        self.deps = Deps(settings, store=store, output_dir=self.data_dir / DOCS_DIR)
        self.roots = (str(self.data_dir),)
        self.docs = self._framework_docs()
        self.server: Server[Any, Any] = Server("partnerpilot", version="1")
        self._register()

    @staticmethod
    def _framework_docs() -> dict[str, tuple[str, Path]]:
        folder = default_docs_dir()
        seen: dict[str, tuple[str, Path]] = {}
        for chunk in load_documents(folder):
            seen.setdefault(chunk.doc_id, (chunk.title, folder / chunk.source))
        return seen

    # -- tools ---------------------------------------------------------------------------
    def tools(self) -> list[types.Tool]:
        """Every registry tool, with its input model's schema."""
        return [types.Tool(name=spec.name, description=spec.description,
                           inputSchema=spec.json_schema()) for spec in TOOLS.values()]

    def result(self, done: ExecutedTool) -> types.CallToolResult:
        """A tool run as MCP content: structured data plus a short text, or a tool error."""
        if done.error is not None:
            return types.CallToolResult(
                isError=True, content=[types.TextContent(type="text", text=f"error: {done.error}")])
        data = scrub(done.output_data(), self.roots)
        content: list[types.ContentBlock] = []
        if isinstance(data, dict) and isinstance(data.get("markdown"), str) and data.get(
                "docx_path"):
            stem = Path(str(data["docx_path"])).stem
            content.append(types.TextContent(type="text", text=data["markdown"]))
            content.append(types.ResourceLink(
                type="resource_link", name=f"{stem}.docx", title=str(data.get("title", stem)),
                uri=AnyUrl(f"{SCHEME}://documents/{stem}.docx"), mimeType=FORMATS["docx"][0]))
        else:
            content.append(types.TextContent(type="text", text=_short_text(done.name, data)))
        structured = data if isinstance(data, dict) else {"result": data}
        return types.CallToolResult(content=content, structuredContent=structured, isError=False)

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        """Run a tool through the registry in a worker thread."""
        done = await anyio.to_thread.run_sync(execute, name, arguments, self.deps)
        logger.info("tool %s: %s", name, "error" if done.error else "ok")
        return self.result(done)

    # -- resources -----------------------------------------------------------------------
    def resources(self) -> list[types.Resource]:
        """The framework documents and the stored partners."""
        found = [types.Resource(uri=AnyUrl(f"{SCHEME}://knowledge/{doc}"), name=doc, title=title,
                                mimeType="text/markdown") for doc, (title, _) in self.docs.items()]
        found.extend(types.Resource(uri=AnyUrl(f"{SCHEME}://partners/{p.partner_id}"),
                                    name=p.partner_id, title=p.name, mimeType="application/json")
                     for p in self.deps.store.all_partners())
        return found

    def read(self, uri: str) -> list[ReadResourceContents]:
        """A resource's contents; ``ValueError`` naming the URI when there is none."""
        kind, _, ident = uri.removeprefix(f"{SCHEME}://").partition("/")
        if kind == "knowledge" and ident in self.docs:
            text = self.docs[ident][1].read_text(encoding="utf-8")
            return [ReadResourceContents(content=text, mime_type="text/markdown")]
        if kind == "partners":
            partner = self.deps.store.get_partner(ident)
            if partner is not None:
                return [ReadResourceContents(content=partner.model_dump_json(indent=2),
                                             mime_type="application/json")]
        if kind == "documents":
            stem, _, fmt = ident.rpartition(".")
            try:
                found = find_document(self.deps.output_dir, stem, fmt)
            except Exception:  # the API's 404 / 400, here just "no such resource"
                found = None
            if found is not None:
                data = found.path.read_bytes()
                body: str | bytes = data.decode("utf-8") if fmt == "md" else data
                return [ReadResourceContents(content=body, mime_type=found.media_type)]
        raise ValueError(f"uri: no resource {uri[:200]!r}")

    def _register(self) -> None:
        server = self.server

        @server.list_tools()  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def list_tools() -> list[types.Tool]:
            return self.tools()

        # the registry validates the arguments itself, naming the field
        @server.call_tool(validate_input=False)  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
            return await self.call(name, arguments)

        @server.list_resources()  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def list_resources() -> list[types.Resource]:
            return await anyio.to_thread.run_sync(self.resources)

        @server.list_resource_templates()  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def list_templates() -> list[types.ResourceTemplate]:
            return [types.ResourceTemplate(uriTemplate=f"{SCHEME}://{kind}/{{id}}", name=kind,
                                           mimeType=mime) for kind, mime in (
                ("knowledge", "text/markdown"), ("partners", "application/json"),
                ("documents", "application/octet-stream"))]

        @server.read_resource()  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def read_resource(uri: AnyUrl) -> Iterable[ReadResourceContents]:
            return await anyio.to_thread.run_sync(self.read, str(uri))

        @server.list_prompts()  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def list_prompts() -> list[types.Prompt]:
            return [_prompt_for(kind) for kind in DOCUMENT_KINDS]

        @server.get_prompt()  # type: ignore[misc,no-untyped-call,untyped-decorator,unused-ignore]
        async def get_prompt(name: str, arguments: dict[str, str] | None) -> types.GetPromptResult:
            kind = name.removeprefix("draft-")
            if not name.startswith("draft-") or kind not in DOCUMENT_KINDS:
                raise ValueError(f"name: no prompt {name[:100]!r}")
            given = "\n".join(f"- {k}: {v}" for k, v in (arguments or {}).items() if v)
            tool = f"draft_{kind.replace('-', '_')}"
            text = (f"Draft a {DOCUMENT_KINDS[kind].title.lower()} for me with the partnerpilot "
                    f"tool `{tool}`. Ask me for any required input that is missing; leave the "
                    "rest to the framework's defaults." + (f"\n\nWhat I know:\n{given}"
                                                           if given else ""))
            return types.GetPromptResult(description=_prompt_for(kind).description, messages=[
                types.PromptMessage(role="user", content=types.TextContent(type="text",
                                                                           text=text))])


def log_to_stderr() -> None:
    """Send every log record to stderr (stdout may carry the protocol)."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True)


def claim_stdout() -> io.TextIOWrapper:
    """Take file descriptor 1 for the protocol; later writes to stdout go to stderr.

    Call this before anything can print (store, embedder): a stray line on fd 1 would break
    the JSON-RPC stream.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return io.TextIOWrapper(os.fdopen(protocol_fd, "wb", buffering=0), encoding="utf-8",
                            write_through=True)


def serve_stdio(server: McpServer, out: io.TextIOWrapper) -> None:
    """Run over stdin/stdout (``out``: the stream :func:`claim_stdout` returned)."""

    async def main() -> None:
        stdout = anyio.wrap_file(out)
        async with stdio_server(stdout=stdout) as (read, write):
            await server.server.run(read, write, server.server.create_initialization_options())

    anyio.run(main)


def http_app(server: McpServer, port: int) -> Any:
    """The streamable HTTP app at ``/mcp``: loopback ``Host`` and ``Origin`` only."""
    loopback = ("127.0.0.1", "localhost", "[::1]")
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:{port}" for h in loopback],
        allowed_origins=[f"http://{h}:{port}" for h in loopback])
    manager = StreamableHTTPSessionManager(app=server.server, security_settings=security)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with manager.run():
            yield

    return Starlette(routes=[Mount("/mcp", app=manager.handle_request)], lifespan=lifespan)


def serve_http(server: McpServer, host: str, port: int) -> None:
    """Run streamable HTTP on ``host:port`` (loopback) until Ctrl-C."""
    print(f"partnerpilot MCP server on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
    uvicorn.run(http_app(server, port), host=host, port=port, log_level="warning")
