"""A loopback HTTP server that speaks mod_muc_size's documented formats (JITSI.md §3).

``/room`` answers a JSON array of {jid, email, display_name} (or ``{}`` when cjson encodes an empty
list), ``/room-size`` {"participants": N} with the focus excluded, ``/sessions`` plain text; 400
without a query string, 404 for an unknown room or a wrong Host header, 403 when token checking is
on. ``delay`` makes replies slow; ``fail_next`` answers 503 a number of times.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ProsodyStub:
    def __init__(self, host_header: str = "meet.example.org"):
        self.rooms: dict[str, list[dict]] = {}
        self.empty_as_object = False
        self.require_token = False
        self.delay = 0.0
        self.fail_next = 0
        self.host_header = host_header
        self.requests: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, ctype="application/json"):
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (a timeout test): as Prosody would, say nothing

            def do_GET(self):
                stub.requests.append(self.path)
                if stub.delay:
                    time.sleep(stub.delay)
                if stub.fail_next > 0:
                    stub.fail_next -= 1
                    return self._send(503, "busy", "text/plain")
                if self.headers.get("Host", "").split(":")[0] != stub.host_header:
                    return self._send(404, "", "text/plain")  # Prosody routes HTTP by Host
                parts = urlsplit(self.path)
                if parts.path == "/sessions":
                    return self._send(200, str(sum(len(o) for o in stub.rooms.values())), "text/plain")
                if not parts.query:
                    return self._send(400, "", "text/plain")
                query = parse_qs(parts.query)
                if stub.require_token and query.get("token", [""])[0] != "good":
                    return self._send(403, "", "text/plain")
                room = query.get("room", [""])[0]
                if room not in stub.rooms:
                    return self._send(404, "", "text/plain")
                occupants = stub.rooms[room]
                if parts.path == "/room-size":
                    n = len(occupants) + 1  # the focus is an occupant too
                    return self._send(200, json.dumps({"participants": n - 1 if n > 1 else n}))
                if parts.path == "/room":
                    if not occupants and stub.empty_as_object:
                        return self._send(200, "{}")
                    return self._send(200, json.dumps(occupants))
                return self._send(404, "", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def occupant(self, room: str, pid: str, name: str = "", email: str = "") -> dict:
        return {"jid": f"{room}@conference.meet.example.org/{pid}", "email": email, "display_name": name}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
