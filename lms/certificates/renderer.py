"""Certificate rendering in a separate, limited process.

One long-lived child per app process renders certificates: the template (a sandboxed Jinja
template given only plain values) and weasyprint run there, under an address-space limit
(``CERTIFICATE_RENDER_MEMORY_MB`` above its size after start-up) and a wall-clock limit the
parent enforces (``CERTIFICATE_RENDER_TIMEOUT``) by killing it. A hostile template or text
can therefore fail a render, never the web or job process. The child keeps weasyprint's font
configuration and parsed stylesheets warm, so isolation costs about a pipe round trip where
forking per render would double the time.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent
_HEADER = struct.Struct(">cI")
_PLAIN = (str, int, float, bool, type(None))
_OUT_OF_MEMORY = b"the certificate needs more memory than a render may use"


class RenderFailed(RuntimeError):
    """The certificate could not be rendered (template error, limit reached, renderer crash)."""


class RenderTimeout(RenderFailed):
    pass


def check_plain(value, depth: int = 0) -> None:
    """Templates receive plain values only: strings, numbers, booleans, None, lists and dicts of them."""
    if depth > 8:
        raise TypeError("context nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("context keys must be strings")
            check_plain(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_plain(item, depth + 1)
    elif not isinstance(value, _PLAIN):
        raise TypeError(f"{type(value).__name__} is not a plain value")


# --- in the child ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _environment():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # autoescape: every value is HTML-escaped; the sandbox blocks attribute tricks and caps range().
    from lms.text import output_text

    return ImmutableSandboxedEnvironment(autoescape=True, cache_size=64, finalize=output_text)


@lru_cache(maxsize=64)
def _compiled(source: str):
    return _environment().from_string(source)


def render_in_process(job: dict) -> bytes:
    """Render one job: ``{"html": template source, "css": [..], "context": {..}, "assets": {name: bytes}}``."""
    from lms.pdf import render_pdf

    check_plain(job["context"])
    html = _compiled(job["html"]).render(**job["context"])
    return render_pdf(html, stylesheets=tuple(job["css"]), assets=job["assets"], attachments=False)


def _vm_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _send(stream, status: bytes, payload: bytes) -> None:
    stream.write(_HEADER.pack(status, len(payload)) + payload)
    stream.flush()


def main() -> None:  # pragma: no cover - runs in the child
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    render_in_process({"html": "<p>warm</p>", "css": [], "context": {}, "assets": {}})
    limit_mb = int(os.environ.get("CERTIFICATE_RENDER_MEMORY_MB", "0"))
    if limit_mb > 0:
        limit = _vm_bytes() + limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _send(stdout, b"R", b"")
    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return
        (size,) = struct.unpack(">I", header)
        job = pickle.loads(stdin.read(size))  # from the parent, which is trusted
        try:
            _send(stdout, b"O", render_in_process(job))
        except MemoryError:
            _send(stdout, b"E", _OUT_OF_MEMORY)
            return  # start afresh: a process that ran out of memory is not trusted further
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the child lives on
            _send(stdout, b"E", f"{type(exc).__name__}: {exc}"[:500].encode())


# --- in the parent -----------------------------------------------------------------------------

class _Child:
    def __init__(self, memory_mb: int, start_timeout: float):
        env = dict(os.environ, CERTIFICATE_RENDER_MEMORY_MB=str(memory_mb), PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from lms.certificates.renderer import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(ROOT), env=env)
        status, _ = self.read(start_timeout)
        if status != b"R":
            raise RenderFailed("the certificate renderer did not start")

    def read(self, timeout: float) -> tuple[bytes, bytes]:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        buffer = b""
        need = _HEADER.size
        header = None
        while True:
            while len(buffer) < need:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                    raise RenderTimeout("rendering the certificate took too long")
                chunk = os.read(fd, max(need - len(buffer), 65536))
                if not chunk:
                    raise RenderFailed("the certificate renderer stopped")
                buffer += chunk
            if header is None:
                header = _HEADER.unpack(buffer[:_HEADER.size])
                buffer = buffer[_HEADER.size:]
                need = header[1]
                continue
            return header[0], buffer[:need]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            stream.close()


_lock = threading.Lock()
_child: _Child | None = None
_child_pid: int | None = None


def render_isolated(job: dict, *, timeout: float, memory_mb: int) -> bytes:
    """Render ``job`` in the limited child, starting (or restarting) it as needed."""
    global _child, _child_pid
    check_plain(job["context"])
    payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        if _child is None or _child_pid != os.getpid() or not _child.alive():
            _child = _Child(memory_mb, start_timeout=max(timeout, 30))
            _child_pid = os.getpid()
        child = _child
        try:
            child.proc.stdin.write(struct.pack(">I", len(payload)) + payload)
            child.proc.stdin.flush()
            status, body = child.read(timeout)
        except (RenderFailed, OSError) as exc:
            child.kill()
            _child = None
            if isinstance(exc, RenderFailed):
                raise
            raise RenderFailed("the certificate renderer stopped") from exc
        if status == b"E" and body.startswith(_OUT_OF_MEMORY):
            child.kill()  # it exits after running out of memory; the next render starts afresh
            _child = None
    if status != b"O":
        raise RenderFailed(body.decode(errors="replace"))
    return body


def shutdown() -> None:
    global _child
    with _lock:
        if _child is not None:
            _child.kill()
            _child = None
