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
