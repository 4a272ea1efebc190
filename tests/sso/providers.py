"""Real identity providers in their own processes: oidc-provider (Node) and pysaml2's IdP (Python).

Each listens on 127.0.0.1 and a free port. Tests drive them as a browser would, with
``requests`` (HTTP tests) or Chromium (browser tests); nothing is mocked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

IDP_DIR = Path(__file__).resolve().parent.parent / "idp"
CLIENT_ID = "continuum"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"
OTHER_CLIENT_ID = "another-app"
OTHER_CLIENT_SECRET = "another-client-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rsa_jwk(kid: str) -> dict:
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
    return key.as_dict(private=True)


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"identity provider exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"identity provider did not answer at {url}:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


class OidcProvider:
    """tests/idp/oidc_provider.js (the npm ``oidc-provider`` package) in a Node process."""

    def __init__(self, workdir: Path, redirect_uris: list[str]):
        self.workdir = workdir
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uris = redirect_uris
        self.accounts_file = workdir / "accounts.json"
        self.accounts: dict[str, dict] = {}
        self.keys = [rsa_jwk("key-1")]
        self.proc: subprocess.Popen | None = None
        self.id_token_ttl = 3600

    @staticmethod
    def available() -> str | None:
        if shutil.which("node") is None:
            return "node is not installed"
        if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
            return "tests/idp/node_modules is missing: run `make venv` (npm ci in tests/idp)"
        return None

    def add_account(self, login: str, **claims) -> None:
        self.accounts[login] = claims
        self.accounts_file.write_text(json.dumps(self.accounts))

    def start(self) -> "OidcProvider":
        self.accounts_file.write_text(json.dumps(self.accounts))
        config = {"issuer": self.issuer, "port": self.port, "keys": self.keys, "accounts_file": str(self.accounts_file),
                  "id_token_ttl": self.id_token_ttl,
                  "clients": [
                      {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": self.redirect_uris,
                       "grant_types": ["authorization_code"], "response_types": ["code"]},
                      {"client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET,
                       "redirect_uris": self.redirect_uris, "grant_types": ["authorization_code"],
                       "response_types": ["code"]}]}
        path = self.workdir / "oidc-config.json"
        path.write_text(json.dumps(config))
        log = self.workdir / "oidc-provider.log"
        self.proc = subprocess.Popen(["node", str(IDP_DIR / "oidc_provider.js")], cwd=IDP_DIR,
                                     env={**os.environ, "OIDC_CONFIG": str(path)}, stdout=log.open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self.issuer + "/.well-known/openid-configuration", self.proc, log)
        return self

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def rotate_keys(self) -> None:
        """Restart with a new signing key only (the old one withdrawn), as a provider's rotation does."""
        self.stop()
        self.keys = [rsa_jwk(f"key-{time.monotonic_ns()}")]
        self.start()

    def sign_in(self, authorize_url: str, login: str, session: requests.Session | None = None) -> str:
        """Follow the provider's pages from the authorization URL, sign in as ``login``, and return the
        URL it sends the browser back to (the app's callback, not followed)."""
        http = session or requests.Session()
        url = authorize_url
        for _ in range(10):
            response = http.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                location = urljoin(url, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                url = location
                continue
            form = re.search(r'<form method="post" action="([^"]+)"', response.text)
            assert response.status_code == 200 and form, f"unexpected provider page {response.status_code}: {response.text[:500]}"
            response = http.post(urljoin(url, unescape(form.group(1))), data={"login": login, "password": "x"},
                                 allow_redirects=False, timeout=10)
            assert response.status_code in (302, 303), response.text[:500]
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError("too many redirects at the provider")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def self_signed_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class SamlIdp:
    """tests/idp/saml_idp.py (pysaml2's IdP, signing with xmlsec1) in its own Python process."""

    def __init__(self, workdir: Path, *, lifetime_minutes: int = 5, name: str = "idp"):
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sp_dir = workdir / "sp-metadata"
        self.sp_dir.mkdir(exist_ok=True)
        self.accounts_file = workdir / "saml-accounts.json"
        self.accounts: dict[str, dict] = {}
        self.key_file, self.cert_file = self_signed_certificate(workdir, name)
        self.lifetime_minutes = lifetime_minutes
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> str | None:
        if shutil.which("xmlsec1") is None:
            return "xmlsec1 is not installed (apt-get install xmlsec1)"
        return None

    def start(self) -> "SamlIdp":
        self.accounts_file.write_text(json.dumps(self.accounts))
        config = {"port": self.port, "key_file": str(self.key_file), "cert_file": str(self.cert_file),
                  "sp_metadata_dir": str(self.sp_dir), "accounts_file": str(self.accounts_file),
                  "lifetime_minutes": self.lifetime_minutes}
        path = self.workdir / "saml-idp.json"
        path.write_text(json.dumps(config))
        log = self.workdir / "saml-idp.log"
        self.proc = subprocess.Popen([sys.executable, str(IDP_DIR / "saml_idp.py")], cwd=IDP_DIR,
                                     env={**os.environ, "SAML_IDP_CONFIG": str(path)}, stdout=log.open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self.base + "/metadata", self.proc, log)
        return self

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def metadata(self) -> str:
        return requests.get(self.base + "/metadata", timeout=10).text

    def register_sp(self, name: str, metadata_xml: str) -> None:
        (self.sp_dir / f"{name}.xml").write_text(metadata_xml)

    def add_account(self, login: str, **attributes) -> None:
        self.accounts[login] = attributes
        self.accounts_file.write_text(json.dumps(self.accounts))

    def sign_in(self, redirect_url: str, login: str) -> tuple[str, dict]:
        """Open the IdP's page for an AuthnRequest, sign in, and return the auto-posting form's target and fields."""
        http = requests.Session()
        page = http.get(redirect_url, timeout=10)
        assert page.status_code == 200, page.text[:1000]
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        response = http.post(self.base + "/sso/login", data={**{k: unescape(v) for k, v in fields.items()},
                                                             "login": login, "password": "x"}, timeout=20)
        assert response.status_code == 200, response.text[:1000]
        action = re.search(r'<form[^>]+action="([^"]+)"', response.text).group(1)
        posted = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', response.text))
        return unescape(action), {k: unescape(v) for k, v in posted.items()}


def provider_url(start_response) -> str:
    """The identity provider URL the app's "taking you to your organisation" page sends the browser to."""
    assert start_response.status_code == 200, start_response.get_data(as_text=True)[:2000]
    match = re.search(r'<a id="sso-continue"[^>]* href="([^"]+)"', start_response.get_data(as_text=True))
    assert match, "no link to the identity provider"
    return unescape(match.group(1))


def resolve_as(monkeypatch, names: dict[str, str]) -> None:
    """Make the named hosts resolve to the given addresses (this machine may have no DNS at all);
    every other name resolves as usual. Only name resolution is replaced: the outbound guard's own
    checks run for real on what it returns."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            ip = names[host]
            if ":" in ip:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port or 0, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
