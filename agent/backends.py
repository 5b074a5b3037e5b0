"""What answers a turn (the :class:`Backend` protocol) and the factories that build one.

Backends are built from the settings, never at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from agent.events import Event
from agent.session import Session
from agent.toolset import Deps
from tools.errors import FrameworkError

if TYPE_CHECKING:
    from knowledge.settings import Settings

@runtime_checkable
class Backend(Protocol):
    """What answers a turn.

    Implementations: ``agent.planner.OfflinePlanner`` (``offline``) and
    ``agent.llm_agent.LLMBackend`` (``openai`` and ``local``).

    ``stream_turn`` yields the turn's events in order: text deltas, tool calls and results,
    citations, documents, follow-up questions, and one ``FinalAnswer`` (or an ``ErrorEvent``).
    It may read and update ``session`` (focus partner, pending question) but must not add
    turns: :class:`Agent` records the user message and the answer. It should not raise;
    :class:`Agent` turns an escaped exception into an ``ErrorEvent``.

    Attributes:
        name: ``offline``, ``openai`` or ``local`` (shown to users as "answered by").
        model: The model name, or None when no model answers.
    """

    name: str
    model: str | None

    def stream_turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        """Answer one user message, yielding events."""
        ...


DUMMY_API_KEY = "not-needed"  # keyless local servers still need a non-empty key
LOCAL_MAX_TOKENS = 512  # reply cap for the local model


def make_chat_model(settings: Settings, *, base_url: str | None = None,
                    api_key: str | None = None, model: str | None = None,
                    max_tokens: int | None = None, **extra: Any) -> Any:
    """A streaming ``ChatOpenAI`` for any OpenAI-compatible server.

    Retries are the agent loop's (LangChain's ``ModelRetryMiddleware``, with backoff), so the
    client's are off. Streams are checked (:mod:`agent.chat_model`).

    Args:
        settings: Model name, key, base URL and timeout.
        base_url: Overrides ``settings.openai_base_url`` (the local server's URL).
        api_key: Overrides ``settings.openai_api_key``; a dummy key when neither is set.
        model: Overrides ``settings.model``.
        max_tokens: Cap on the reply length.
        extra: More ``ChatOpenAI`` options.
    """
    from agent.chat_model import CheckedChatOpenAI  # lazy: LangChain, about 1.3 s

    name = (model if model is not None else settings.model or "").strip()
    if not name:
        raise FrameworkError("model", "is empty; set PARTNERPILOT_MODEL to the server's model "
                             "name", model if model is not None else settings.model)
    # Chat completions only: some names (gpt-5.1-codex, o1-pro) make LangChain switch to the
    # Responses API, which llama.cpp, vLLM and Ollama servers do not serve.
    options: dict[str, Any] = {"streaming": True, "stream_usage": True,
                               "use_responses_api": False, "timeout": settings.request_timeout,
                               "max_retries": 0, "max_tokens": max_tokens, **extra}
    return CheckedChatOpenAI(
        model=name,
        base_url=base_url or settings.openai_base_url,
        api_key=api_key or settings.openai_api_key or DUMMY_API_KEY,
        **options,
    )


def make_backend(settings: Settings, deps: Deps, **options: Any) -> Backend:
    """The backend ``settings.resolved_backend`` names.

    Args:
        settings: The settings.
        deps: Store, settings and output folder for the tools.
        options: Passed to :class:`agent.llm_agent.LLMBackend` (e.g. ``backoff``).

    Raises:
        FrameworkError: Naming ``backend`` or ``gguf`` when the backend cannot be built.
    """
    backend = settings.resolved_backend
    if backend == "offline":
        try:
            from agent.planner import OfflinePlanner  # type: ignore[attr-defined,unused-ignore]
        except ImportError as exc:
            raise FrameworkError("backend", f"the offline planner is not available ({exc})",
                                 backend) from None
        planner: Backend = OfflinePlanner(deps)
        return planner
    if backend == "openai":
        from agent.llm_agent import LLMBackend  # LangChain: seconds of imports, LLM path only

        names = [n.strip() for n in (settings.fallback_models or "").split(",") if n.strip()]
        return LLMBackend(make_chat_model(settings), deps, name="openai", model=settings.model,
                          max_tool_calls=settings.max_tool_calls,
                          max_retries=settings.max_retries,
                          fallbacks=[make_chat_model(settings, model=n) for n in names],
                          **options)
    if backend == "local":
        return make_local_backend(settings, deps, **options)
    raise FrameworkError("backend", "must be offline, openai or local", backend)


def make_local_backend(settings: Settings, deps: Deps, *,
                       max_tokens: int | None = LOCAL_MAX_TOKENS,
                       n_ctx: int | None = None, **options: Any) -> Backend:
    """Start the embedded llama.cpp server on ``settings.gguf`` and talk to it like openai.

    Args:
        settings: ``gguf`` and ``threads`` (and the agent limits).
        deps: Store, settings and output folder for the tools.
        max_tokens: Cap on each reply (llama.cpp otherwise writes until the context is full).
        n_ctx: Context length (default :data:`agent.local_server.DEFAULT_CONTEXT`).
        options: Passed to :class:`agent.llm_agent.LLMBackend` (e.g. ``tool_names``).

    Raises:
        FrameworkError: Naming ``gguf`` when it is unset, missing or will not load.
    """
    if settings.gguf is None:  # before the imports below: a settings error is instant
        raise FrameworkError("gguf", "the local backend needs PARTNERPILOT_GGUF=/path/to.gguf")
    from agent.llm_agent import LLMBackend  # lazy: LangChain, about 1.2 s
    from agent.local_server import DEFAULT_CONTEXT, LocalServer

    server = LocalServer(settings.gguf, threads=settings.threads, n_ctx=n_ctx or DEFAULT_CONTEXT)
    server.start()
    try:
        chat = make_chat_model(settings, base_url=server.base_url, api_key=DUMMY_API_KEY,
                               model=server.model_name, max_tokens=max_tokens,
                               extra_body={"cache_prompt": True})
        options.setdefault("context_tokens", server.n_ctx - (max_tokens or 0))
        backend = LLMBackend(chat, deps, name="local", model=server.model_name,
                             max_tool_calls=settings.max_tool_calls,
                             max_retries=settings.max_retries, on_close=server.stop, **options)
        backend.local_server = server
        return backend
    except Exception:
        server.stop()
        raise
