"""Certificates cannot be turned against the server: hostile names, titles and templates
read no file, reach no address, embed nothing and print literally; limits stop runaway templates."""

from __future__ import annotations

import re
import socket
import threading
from decimal import Decimal

import pytest

from lms.certificates import designs, services, storage
from lms.certificates import pdf as certificate_pdf
from lms.certificates.renderer import RenderFailed, RenderTimeout, render_isolated
from tests.certificates import pdftools
from tests.credits.conftest import NOW
from tests.factories import make_org, make_user


class Listener:
    """A loopback TCP listener that counts connections (it should see none)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def hostile(port: int) -> list[str]:
    return [
        "<link rel=attachment href=file:///etc/passwd>",
        "<img src=file:///etc/hostname>",
        f"<style>@import url(http://127.0.0.1:{port}/a.css); body {{ background: url(http://127.0.0.1:{port}/b.png) }}</style>",
        "<div style=\"background:url(http://169.254.169.254/latest/meta-data/)\">x</div>",
        "{{7*7}}",
    ]


def test_hostile_names_and_titles_print_literally_and_fetch_nothing(db, acts, listener):
    org = make_org(kind="provider", name="Provider <b>&amp;</b>")
    attacks = hostile(listener.port)
    learner = make_user(first_name=attacks[0][:100], last_name="{{7*7}}", profession="physician_md")
    info = acts.add(org=org, title=" ".join(attacks)[:300])
    acts.complete(learner, info)
    from lms.credits import services as credits

    credits.claim_credit(learner, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    certificate = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    data = storage.path_for(certificate.sha256).read_bytes()
    text = pdftools.text(data)
    assert "<link rel=attachment href=file:///etc/passwd>" in text
    # Nothing evaluated the braces: no 49 anywhere but (by chance) in the code (also where the verify
    # URL wraps it across lines) or the listener's port.
    code_anywhere = r"\s*".join(map(re.escape, certificate.code))
    rest = re.sub(code_anywhere, "", text).replace(str(listener.port), "")
    assert "{{7*7}}" in text and "49" not in rest
    squeezed = text.replace(" ", "")  # lines wrap inside the long title
    assert "<imgsrc=file:///etc/hostname>" in squeezed
    assert f"@importurl(http://127.0.0.1:{listener.port}/a.css)" in squeezed
    assert pdftools.embedded_files(data) == []
    assert b"root:x:0:0" not in data
    assert listener.connections == 0


def test_hostile_template_html_and_css_are_refused_by_the_fetcher(app, listener):
    attacks = hostile(listener.port)
    html = ("<html><body>" + "".join(attacks[:4])
            + f"<link rel=stylesheet href=http://127.0.0.1:{listener.port}/c.css>"
            + f"<img src=http://169.254.169.254/x><img src=http://127.0.0.1:{listener.port}/d.png>"
            + "<a rel=attachment href=continuum-asset:qr.svg>qr</a>"
            + "<p>{{ learner.display_name }} {{ 7*7 }}</p></body></html>")
    css = (f"@import url(http://127.0.0.1:{listener.port}/e.css); @import 'file:///etc/passwd';"
           f" body {{ background: url(http://169.254.169.254/latest/) }}"
           f" p {{ background: url(http://127.0.0.1:{listener.port}/f.png) }}")
    with app.app_context():
        data = designs.preview(0, "credit", designs.TemplateData(html=html, css=css, page_size="A4"), provider="P")
    text = pdftools.text(data)
    assert "Priya Raman, MD, FACP 49" in text  # the educator's own template logic runs, sandboxed
    assert pdftools.embedded_files(data) == []
    assert b"root:x:0:0" not in data
    assert listener.connections == 0


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_a_10000_character_name_renders_or_fails_cleanly(app):
    snapshot = designs.sample_snapshot("credit")
    snapshot["learner"] = {"name": "N" * 10_000, "credentials": "", "display_name": "N" * 10_000}
    with app.app_context():
        try:
            data = certificate_pdf.render(certificate_pdf.build_job(snapshot))
        except RenderFailed:
            return
    assert "N" * 200 in pdftools.text(data).replace(" ", "")


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_the_sandbox_refuses_python_internals(app):
    html = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with app.app_context(), pytest.raises(services.CertificateError):
        designs.preview(0, "credit", designs.TemplateData(html=html, css="", page_size="Letter"), provider="P")


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_a_template_that_eats_memory_fails_cleanly_and_the_renderer_recovers(app):
    job = certificate_pdf.build_job(designs.sample_snapshot("credit"))
    greedy = dict(job, html="{{ 'x' * 3000000000 }}")
    with pytest.raises(RenderFailed):  # MemoryError inside, or the child dies at the limit
        render_isolated(greedy, timeout=30, memory_mb=256)
    assert render_isolated(job, timeout=30, memory_mb=256).startswith(b"%PDF")


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_a_template_that_never_ends_is_stopped_and_the_renderer_recovers(app):
    job = certificate_pdf.build_job(designs.sample_snapshot("credit"))
    endless = dict(job, html="{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}")
    with pytest.raises(RenderTimeout):
        render_isolated(endless, timeout=1.5, memory_mb=256)
    assert render_isolated(job, timeout=30, memory_mb=256).startswith(b"%PDF")


def test_only_plain_values_reach_a_template():
    from lms.certificates.renderer import check_plain

    with pytest.raises(TypeError):
        check_plain({"user": object()})
