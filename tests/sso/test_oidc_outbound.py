"""The outbound guard on OpenID Connect: a discovery document cannot point the app at its own network.

The provider here is a local stand-in (a few lines of ``http.server`` on 127.0.0.1, allowed by the
tests-only ``SSO_ALLOW_LOOPBACK_HTTP``) serving whatever discovery document a test gives it: a real
provider cannot be made to publish a hostile one. The guard itself is not replaced.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from tests.factories import make_org, make_user
from tests.sso.providers import resolve_as

DOMAIN = "guarded-hospital.org"


class _Provider:
    def __init__(self):
        self.documents: dict[str, tuple[int, dict, dict]] = {}
        self.requests: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                provider.requests.append(self.path)
                status, headers, body = provider.documents.get(self.path, (404, {}, {}))
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, status=200, headers=None, **changes):
        document = {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/auth",
                    "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks", **changes}
        self.documents["/.well-known/openid-configuration"] = (status, headers or {}, document)
        self.documents["/jwks"] = (200, {}, {"keys": []})


@pytest.fixture(scope="module")
def stand_in():
    provider = _Provider()
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


@pytest.fixture
def conn(sso_app, db, stand_in, monkeypatch):
    from lms.sso import services
    from lms.types import utcnow

    resolve_as(monkeypatch, {"keys.evil.example": "10.0.0.8", "login.example.org": "20.190.128.10"})
    stand_in.requests.clear()
    return services.save_settings(make_user(admin=True), make_org(name="Guarded Hospital"), services.SsoSettings(
        protocol="oidc", enabled=True, require_sso=False, domains=(DOMAIN,), issuer=stand_in.issuer,
        client_id="continuum", client_secret="secret"), now=utcnow(), secret_key=sso_app.secret_key)


def _last_failure(db):
    from lms.audit.models import AuditEvent

    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.failure")
                              .order_by(AuditEvent.id.desc())).first()


@pytest.mark.parametrize("key, url, shown", [
    ("jwks_uri", "https://169.254.169.254/latest/meta-data/iam", "(169.254.169.254)"),
    ("jwks_uri", "http://169.254.169.254/latest/meta-data/iam", "Only https URLs are allowed"),
    ("jwks_uri", "https://10.0.0.7/keys", "(10.0.0.7)"),
    ("jwks_uri", "https://keys.evil.example/keys", "(10.0.0.8)"),  # a name that resolves inside
    ("jwks_uri", "https://[fd00::1]/keys", "(fd00::1)"),
    ("token_endpoint", "https://192.168.1.1/token", "(192.168.1.1)"),
    ("token_endpoint", "https://172.16.0.5/token", "(172.16.0.5)"),
    ("authorization_endpoint", "https://100.64.0.1/auth", "(100.64.0.1)"),  # shared address space
    ("jwks_uri", "file:///etc/passwd", "Only https URLs are allowed"),
    ("token_endpoint", "http://login.example.org/token", "Only https URLs are allowed"),
])
def test_a_discovery_document_pointing_inside_is_refused_and_nothing_is_kept(client, db, conn, stand_in, key, url,
                                                                              shown):
    stand_in.publish(**{key: url})
    response = client.post("/sso/", {"email": f"nurse@{DOMAIN}"})
    text = response.get_data(as_text=True)
    assert response.status_code == 502, text
    assert f"The identity provider&#39;s {key} (from its discovery document) cannot be used" in text, text
    assert shown in text
    assert _last_failure(db).after["reason"] == "blocked-address"
    db.session.refresh(conn)
    assert conn.discovery is None and conn.jwks is None  # the refused document was not kept
    assert stand_in.requests == ["/.well-known/openid-configuration"]


def test_a_sound_discovery_document_passes_the_same_guard(client, db, conn, stand_in):
    """The control: the stand-in's own endpoints (loopback, allowed in tests) are accepted."""
    stand_in.publish()
    response = client.post("/sso/", {"email": f"nurse@{DOMAIN}"})
    assert response.status_code == 200 and 'id="sso-continue"' in response.get_data(as_text=True)
    assert stand_in.issuer + "/auth?" in response.get_data(as_text=True)


def test_a_redirect_from_the_discovery_url_is_not_followed(client, db, conn, stand_in):
    stand_in.publish(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    response = client.post("/sso/", {"email": f"nurse@{DOMAIN}"})
    assert response.status_code == 502 and "did not answer" in response.get_data(as_text=True)
    assert _last_failure(db).after["reason"] == "provider-unreachable"


def test_the_keys_are_fetched_through_the_guard_even_from_a_stored_document(db, conn, stand_in):
    """A discovery document stored before the guard existed still cannot send the key fetch inside."""
    from lms.sso import oidc
    from lms.types import utcnow

    conn.discovery = {"issuer": conn.issuer, "authorization_endpoint": conn.issuer + "/auth",
                      "token_endpoint": conn.issuer + "/token", "jwks_uri": "https://169.254.169.254/keys"}
    conn.discovery_fetched_at = utcnow()
    with pytest.raises(oidc.OidcError) as caught:
        oidc.validate_id_token(conn, "e30.e30.sig", nonce="n", now=utcnow())
    assert caught.value.reason == "blocked-address" and "169.254.169.254" in str(caught.value)


def test_the_token_endpoint_of_a_stored_document_is_checked_before_the_code_is_sent(db, conn, stand_in):
    from lms.sso import oidc
    from lms.types import utcnow

    conn.discovery = {"issuer": conn.issuer, "authorization_endpoint": conn.issuer + "/auth",
                      "token_endpoint": "https://10.9.8.7/token", "jwks_uri": conn.issuer + "/jwks"}
    conn.discovery_fetched_at = utcnow()
    with pytest.raises(oidc.OidcError) as caught:
        oidc.exchange_code(conn, code="c", verifier="v", client_secret="s", redirect_uri="https://x/cb", now=utcnow())
    assert caught.value.reason == "blocked-address" and "10.9.8.7" in str(caught.value)


def test_without_the_test_setting_the_local_provider_itself_is_refused(client, db, conn, stand_in, sso_app):
    stand_in.publish()
    sso_app.config["SSO_ALLOW_LOOPBACK_HTTP"] = False
    response = client.post("/sso/", {"email": f"nurse@{DOMAIN}"})
    assert response.status_code == 502 and "cannot be used" in response.get_data(as_text=True)
    assert stand_in.requests == []
