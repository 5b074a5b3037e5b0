"""A local GGUF model served in-process by llama.cpp (``xllamacpp``), OpenAI-compatible.

The server listens on a free loopback port; the agent then talks to it with the same
``ChatOpenAI`` code path as any hosted model. Nothing is loaded until :meth:`start`.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

from agent.gguf_meta import metadata_string
from tools.errors import FrameworkError

READY_TIMEOUT_SECONDS = 60.0
DEFAULT_CONTEXT = 8192  # system prompt and the turn's tools take at most 3k tokens
# llama.cpp's OpenMP threads spin-wait by default: on a shared 2-core machine that cut
# generation from 24-39 to 4-5 tokens/s. Read when the OpenMP runtime loads (first start).
OMP_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


def tool_chat_template() -> str:
    """A ChatML chat template that renders tools and tool calls (``<tool_call>`` tags)."""
    return resources.files("prompts").joinpath("chatml_tools.j2").read_text(encoding="utf-8")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """llama.cpp's OpenAI-compatible server for one GGUF file, in this process.

    Args:
        gguf: Path to the model file.
        threads: CPU threads for generation and prompt processing.
        n_ctx: Context length in tokens.
        alias: Model name the server reports (default: the file's stem).
        verbosity: llama.cpp log verbosity (0 = errors only).
        tool_template: When the model's own chat template (read from the GGUF metadata)
            cannot take tools but is ChatML (``<|im_start|>``), start with
            ``prompts/chatml_tools.j2`` so tool calls work (SmolLM2 is such a model).
    """

    def __init__(self, gguf: Path | str, *, threads: int = 1, n_ctx: int = DEFAULT_CONTEXT,
                 alias: str | None = None, verbosity: int = 0,
                 tool_template: bool = True) -> None:
        self.gguf = Path(gguf)
        self.threads = threads
        self.n_ctx = n_ctx
        self.model_name = alias or self.gguf.stem
        self.verbosity = verbosity
        self.tool_template = tool_template
        self.chat_template: str | None = None
        self.port: int | None = None
        self._server: Any = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (``http://127.0.0.1:PORT/v1``)."""
        if self.port is None:
            raise RuntimeError("the local server is not started")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    def _params(self, port: int) -> Any:
        import xllamacpp  # already loaded by start()

        params = xllamacpp.CommonParams()
        params.model.path = str(self.gguf)
        params.model_alias = {self.model_name}
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.n_ctx = self.n_ctx
        params.n_parallel = 1
        params.hostnames = ["127.0.0.1"]
        params.port = port
        params.use_jinja = True
        params.verbosity = self.verbosity
        params.warmup = False
        if self.chat_template is not None:
            params.chat_template = self.chat_template
        return params

    def start(self) -> LocalServer:
        """Load the model, listen, and wait until ``/v1/models`` answers.

        Raises:
            FrameworkError: Naming ``gguf`` when the file is missing or will not load.
        """
        if not self.gguf.is_file():
            raise FrameworkError("gguf", "no model file at that path", str(self.gguf))
        with self._lock:
            if self._server is not None:
                return self
            for key, value in OMP_ENV.items():
                os.environ.setdefault(key, value)
            import xllamacpp  # lazy: loads llama.cpp and OpenMP (after OMP_ENV is set)

            if self.tool_template and self.chat_template is None and self._needs_tool_template():
                self.chat_template = tool_chat_template()
            port = free_port()
            try:
                self._server = xllamacpp.Server(self._params(port))
            except Exception as exc:  # llama.cpp reports load failures as plain exceptions
                raise FrameworkError("gguf", f"llama.cpp could not load it: {exc}",
                                     str(self.gguf)) from exc
            self.port = port
        self._wait_ready()
        return self

    def _needs_tool_template(self) -> bool:
        """Whether the model's own template is ChatML that cannot render tools.

        Decided from the GGUF metadata before the server starts: restarting llama.cpp's
        in-process server right after a start can hang in its destructor.
        """
        try:
            template = metadata_string(self.gguf) or ""
        except (OSError, ValueError, struct.error):
            return False
        return "<|im_start|>" in template and "tools" not in template

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        url = f"{self.base_url}/models"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    json.loads(response.read())
                    return
            except (urllib.error.URLError, OSError, ValueError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise FrameworkError("gguf", "the local model server did not become "
                                         "ready", str(self.gguf)) from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and free the model (safe to call twice)."""
        with self._lock:
            server, self._server = self._server, None
            self.port = None if server is not None else self.port
        del server  # the server's destructor stops its loop and frees the model

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
