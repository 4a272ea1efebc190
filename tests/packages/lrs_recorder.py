"""A stand-in external LRS run in its own process by the forwarding tests: an HTTP server on a loopback
port that accepts ``PUT /xapi/statements?statementId=…`` with Basic credentials and the xAPI version
header, and records every request (method, path, query, headers, body) to a JSON-lines file.

    python lrs_recorder.py RECORD_FILE KEY SECRET   (prints the port on its first line)

``POST /control`` with ``{"fail": n}`` makes the next n statement requests answer 503.

Used only for what the real LRS in the tests (Ralph, test_forwarding_ralph.py) cannot show: the request
headers as sent, and 503 answers on demand for the retry paths.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RECORD, KEY, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
STATE = {"fail": 0, "ids": {}}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, code: int, body: bytes = b"") -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Experience-API-Version", "1.0.3")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/control":
            with LOCK:
                STATE["fail"] = json.loads(body)["fail"]
            return self._answer(204)
        return self._answer(405)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with LOCK, open(RECORD, "a", encoding="utf-8") as record:
            record.write(json.dumps({"method": "PUT", "path": parts.path, "query": query,
                                     "headers": dict(self.headers), "body": body.decode()}) + "\n")
            if STATE["fail"] > 0:
                STATE["fail"] -= 1
                return self._answer(503)
        expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._answer(401)
        if parts.path != "/xapi/statements" or self.headers.get("X-Experience-API-Version") != "1.0.3":
            return self._answer(400)
        try:
            statement = json.loads(body)
        except ValueError:
            return self._answer(400)
        if statement.get("id") != query.get("statementId"):
            return self._answer(400)
        with LOCK:
            if query["statementId"] in STATE["ids"] and STATE["ids"][query["statementId"]] != body:
                return self._answer(409)
            STATE["ids"][query["statementId"]] = body
        return self._answer(204)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_port, flush=True)
    server.serve_forever()
