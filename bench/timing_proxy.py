"""A loopback HTTP proxy that sums the wall time of the requests it forwards (bench/agent.py)."""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


class TimingProxy:
    """A loopback HTTP proxy that sums the wall time of the requests it forwards.

    Args:
        upstream: Base URL of the model server (``http://127.0.0.1:PORT``).
    """

    def __init__(self, upstream: str) -> None:
        target = urlparse(upstream)
        self.host, self.port = target.hostname or "127.0.0.1", target.port or 80
        self.seconds = 0.0
        self.requests = 0
        self.intervals: list[tuple[float, float]] = []  # (start, end) of each request
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                start = time.perf_counter()
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=600)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - start
                conn.close()
                with proxy._lock:
                    proxy.seconds += elapsed
                    proxy.requests += 1
                    proxy.intervals.append((start, start + elapsed))
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def busy(self, start: float, end: float) -> float:
        """Seconds within ``[start, end]`` in which some request was at the model server.

        The union of the request intervals, so a request that outlived an earlier turn (a
        client timeout) is not counted twice against the next one.
        """
        with self._lock:
            spans = sorted((max(a, start), min(b, end)) for a, b in self.intervals
                           if b > start and a < end)
        total, reach = 0.0, start
        for a, b in spans:
            if b > reach:
                total += b - max(a, reach)
                reach = b
        return total

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TimingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
