"""A loopback webhook receiver that can be down, slow or failing, and that dedupes like a good one."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []  # every request that arrived
        self.processed: dict[str, dict] = {}  # by Continuum-Delivery: what a deduping receiver acts on
        self.script: list = []  # per request: an int status, or ("sleep", seconds, status)
        self.default = 200
        self.server = None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                step = receiver.script.pop(0) if receiver.script else receiver.default
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                if isinstance(step, tuple) and step[0] == "sleep":
                    time.sleep(step[1])
                    step = step[2]
                if isinstance(step, tuple) and step[0] == "redirect":
                    self.send_response(307)
                    self.send_header("Location", step[1])
                    self.end_headers()
                    return
                if 200 <= step < 300:
                    receiver.processed.setdefault(self.headers["Continuum-Delivery"], json.loads(body))
                self.send_response(step)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def webhook_config(app):
    """Loopback receivers are allowed here only, explicitly; short timeouts keep the slow cases quick."""
    keys = {"WEBHOOK_ALLOW_LOOPBACK": True, "WEBHOOK_SCHEMES": ("http", "https"), "WEBHOOK_READ_TIMEOUT": 1,
            "WEBHOOK_CONNECT_TIMEOUT": 1, "WEBHOOK_DISABLE_AFTER": 15, "WEBHOOK_MAX_ATTEMPTS": 8}
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(keys)
    yield app.config
    for k, v in saved.items():
        if v is None:
            app.config.pop(k, None)
        else:
            app.config[k] = v
