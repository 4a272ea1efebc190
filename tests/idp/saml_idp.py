"""A SAML 2.0 identity provider for the tests: pysaml2's IdP with Debian's xmlsec1, in its own process.

Started by tests/sso/providers.py with SAML_IDP_CONFIG naming a JSON file:
  {port, key_file, cert_file, sp_metadata_dir, accounts_file, lifetime_minutes}
Service provider metadata is read from sp_metadata_dir on every request, so a test can register
the app's SP after the IdP started. accounts_file maps a login to its attributes
({"mail": [...], "givenName": [...], "sn": [...], "title": [...], "subject": "..."}); an unknown
login gets {"mail": [login]}. Assertions are signed (the response itself is not).
"""

from __future__ import annotations

import html
import json
import os
import shutil
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

CONFIG = json.loads(open(os.environ["SAML_IDP_CONFIG"], encoding="utf-8").read())
BASE = f"http://127.0.0.1:{CONFIG['port']}"


def idp_config() -> IdPConfig:
    metadata_files = sorted(os.path.join(CONFIG["sp_metadata_dir"], name)
                            for name in os.listdir(CONFIG["sp_metadata_dir"]) if name.endswith(".xml"))
    settings = {
        "entityid": BASE + "/metadata",
        "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "key_file": CONFIG["key_file"],
        "cert_file": CONFIG["cert_file"],
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [(BASE + "/sso/redirect", BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "want_authn_requests_signed": False,
            "policy": {"default": {"lifetime": {"minutes": CONFIG.get("lifetime_minutes", 5)},
                                   "attribute_restrictions": None,
                                   "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
        }},
        "allow_unknown_attributes": True,
    }
    if metadata_files:
        settings["metadata"] = {"local": metadata_files}
    config = IdPConfig()
    config.load(settings)
    return config


def accounts() -> dict:
    try:
        return json.loads(open(CONFIG["accounts_file"], encoding="utf-8").read())
    except (OSError, ValueError):
        return {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("saml-idp: " + fmt % args + "\n")

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/metadata":
            return self._send(200, create_metadata_string(None, config=idp_config(), valid=24).decode(),
                              "application/samlmetadata+xml")
        if parts.path == "/sso/redirect":
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            try:
                Server(config=idp_config()).parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
            except Exception as exc:
                return self._send(400, f"<p>Bad AuthnRequest: {html.escape(str(exc))}</p>")
            return self._send(200, f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test SAML IdP</title></head>
<body><main><h1>Test SAML identity provider</h1>
<form method="post" action="/sso/login">
<input type="hidden" name="SAMLRequest" value="{html.escape(query['SAMLRequest'])}">
<input type="hidden" name="RelayState" value="{html.escape(query.get('RelayState', ''))}">
<label for="login">Username</label> <input id="login" name="login" autocomplete="off" required>
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button></form></main></body></html>""")
        return self._send(404, "not found")

    def do_POST(self):
        if urlsplit(self.path).path != "/sso/login":
            return self._send(404, "not found")
        length = min(int(self.headers.get("Content-Length") or 0), 200_000)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        login = form.get("login", "").strip()
        server = Server(config=idp_config())
        request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
        args = server.response_args(request.message)
        account = dict(accounts().get(login) or {"mail": [login]})
        subject = account.pop("subject", login)
        response = server.create_authn_response(
            account, userid=login, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_auth": BASE},
            sign_assertion=True, sign_response=False, **args)
        http_args = server.apply_binding(BINDING_HTTP_POST, str(response), args["destination"],
                                         form.get("RelayState", ""), response=True)
        return self._send(200, http_args["data"])


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", CONFIG["port"]), Handler).serve_forever()
