"""A text-message provider for the tests: a real HTTP server on a free local port, in a thread.

It records every request (path, headers, JSON body), answers ``500`` for the first
``failures`` requests and ``200`` with ``{"id": …}`` after that, and can be made slow.
Like the providers that honour ``Idempotency-Key``, it answers a request whose key it has
already taken with the first answer, and sends nothing the second time.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    def __init__(self, *, failures: int = 0, delay: float = 0.0) -> None:
        self.failures = failures
        self.delay = delay
        self.requests: list[dict] = []
        self.taken: dict[str, str] = {}  # idempotency key → the message id first answered
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                key = self.headers.get("Idempotency-Key")
                with provider._lock:
                    repeated = provider.taken.get(key) if key else None
                    failing = repeated is None and provider.failures > 0
                    if failing:
                        provider.failures -= 1
                    provider.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "json": json.loads(body or b"null"),
                            "status": 500 if failing else 200,
                            "repeated": repeated is not None,
                        }
                    )
                    number = len(provider.requests)
                    message_id = repeated or f"msg-{number}"
                    if key and not failing:
                        provider.taken[key] = message_id
                if provider.delay:
                    time.sleep(provider.delay)
                status, answer = (500, {"error": "unavailable"}) if failing else (200, {"id": message_id})
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, format, *args) -> None:  # keep the test output quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def delivered(self) -> list[dict]:
        """The bodies of the requests that were answered with success."""
        with self._lock:
            return [request["json"] for request in self.requests if request["status"] == 200]

    @property
    def sent(self) -> list[dict]:
        """The messages the provider sent: successful requests less the repeats of a key it had taken."""
        with self._lock:
            return [
                request["json"]
                for request in self.requests
                if request["status"] == 200 and not request["repeated"]
            ]


def unanswered_url() -> str:
    """An address on which nothing listens: a connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/messages"
