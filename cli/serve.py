"""``partnerpilot serve`` (HTTP API), ``partnerpilot mcp`` (MCP server), ``partnerpilot keys``.

``serve`` is OpenAI-compatible; ``keys`` manages the API keys it accepts.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.access import DEFAULT_ROLE, parse_role
from cli.common import JsonFlag, emit, fail, out_console, user_errors, whole_number
from knowledge.indexing import ensure_index
from knowledge.settings import get_settings
from knowledge.store import Store
from ui.api.app import DEFAULT_MAX_BODY, ServeState, create_app
from ui.api.keys import ENV_VAR, KeyRing, add_key, keys_path, read_file_keys, remove_key
from ui.api.links import DEFAULT_LINK_TTL

keys_app = typer.Typer(help="API keys for `partnerpilot serve`.", no_args_is_help=True)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback interface (127.0.0.0/8, ::1 or ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _open_store() -> Store:
    store = Store.open(get_settings())
    ensure_index(store)
    return store


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(parser=whole_number(1, 65535),
                                    help="Port to listen on.")] = 8000,
    max_body: Annotated[int, typer.Option(
        parser=whole_number(1024, 2**30), help="Largest request body accepted, in bytes.")
    ] = DEFAULT_MAX_BODY,
    link_ttl: Annotated[int, typer.Option(
        parser=whole_number(60, 366 * 86400),
        help="Seconds a document link in an answer opens without a key.")
    ] = DEFAULT_LINK_TTL,
) -> None:
    """Serve the agent as an OpenAI-compatible API (/v1/chat/completions) until Ctrl-C.

    Keys: `partnerpilot keys add NAME` or PARTNERPILOT_API_KEYS. With no key the server
    answers anyone, so it then refuses any address but loopback.
    """
    import uvicorn  # lazy: only this command serves HTTP

    with user_errors():
        settings = get_settings()
        keys = KeyRing.load(Path(settings.data_dir))
        if not keys and not is_loopback(host):
            fail(f"host: refusing to serve on {host} with no API key; add one with "
                 f"`partnerpilot keys add NAME` or set {ENV_VAR}")
        state = ServeState(settings, keys, store=_open_store(), link_ttl=link_ttl)
    app = create_app(state, max_body=max_body)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"partnerpilot API on http://{shown}:{port}/v1 "
               f"(models: {', '.join(state.models())}; "
               + (f"{len(keys.keys)} API key(s))" if keys else "no API key: loopback only)"))
    sys.stdout.flush()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        state.close()


def mcp(
    http: Annotated[bool, typer.Option(
        "--http", help="Serve streamable HTTP instead of stdio.")] = False,
    host: Annotated[str, typer.Option(help="Loopback interface for --http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(parser=whole_number(1, 65535),
                                    help="Port for --http.")] = 8765,
) -> None:
    """Serve the agent's tools, documents and prompts over MCP (stdio, or --http)."""
    from ui import mcp_server  # lazy: the MCP SDK is imported by this command only

    if http and not is_loopback(host):
        fail(f"host: the MCP server binds to loopback only (got {host})")
    mcp_server.log_to_stderr()
    protocol = None if http else mcp_server.claim_stdout()  # before anything can print
    with user_errors():
        server = mcp_server.McpServer(get_settings(), store=_open_store())
    if protocol is None:
        mcp_server.serve_http(server, host, port)
    else:
        mcp_server.serve_stdio(server, protocol)


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who the key is for (letters, digits, _.-).")],
    role: Annotated[str, typer.Option(help="admin, member or viewer.")] = DEFAULT_ROLE.value,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key; it is printed once and stored only as a hash (file mode 0600)."""
    with user_errors():
        try:
            chosen = parse_role(role)
        except ValueError as exc:
            fail(str(exc))
        data_dir = Path(get_settings().data_dir)
        key = add_key(data_dir, name, chosen)
    emit({"name": name, "role": chosen.value, "key": key, "file": str(keys_path(data_dir))},
         as_json, lambda: out_console.print(
             f"API key for {name} ({chosen.value}): {key}\nstored as a hash in "
             f"{keys_path(data_dir)}; it is not shown again", markup=False))


@keys_app.command("list")
def keys_list(as_json: JsonFlag = False) -> None:
    """List the API keys by name and role (file and PARTNERPILOT_API_KEYS), never the keys."""
    with user_errors():
        keys = KeyRing.load(Path(get_settings().data_dir)).keys
    rows = [{"name": k.name, "role": k.role.value, "source": k.source} for k in keys]
    emit({"keys": rows}, as_json, lambda: out_console.print(
        "\n".join(f"{r['name']} ({r['role']}, {r['source']})" for r in rows) or "no API keys",
        markup=False))


@keys_app.command("remove")
def keys_remove(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Delete an API key from the data folder's key file."""
    with user_errors():
        data_dir = Path(get_settings().data_dir)
        read_file_keys(data_dir)
        remove_key(data_dir, name)
    out_console.print(f"removed the API key of {name}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``mcp`` and ``keys`` to the root app."""
    app.command("serve")(serve)
    app.command("mcp")(mcp)
    app.add_typer(keys_app, name="keys")
