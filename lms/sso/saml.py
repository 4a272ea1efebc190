"""SAML 2.0 service provider on pysaml2 (with Debian's xmlsec1): one SP per organisation.

Assertions must be signed by the key in the organisation's uploaded IdP metadata; pysaml2 checks
the audience (our entity ID), the recipient (our ACS URL), NotOnOrAfter / NotBefore and that
InResponseTo names an AuthnRequest we sent and have not used (``SamlRequest`` rows, not the
browser's cookie, which a cross-site POST does not carry). Accepted assertion IDs are kept until
they expire, so a replayed response is refused.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT
from saml2.mdstore import InMemoryMetaData
from saml2.attribute_converter import ac_factory
from sqlalchemy import delete, select

from lms.extensions import db
from lms.sso.models import SamlAssertionSeen, SamlRequest, SsoConnection

REQUEST_MAX_AGE = timedelta(minutes=10)
# SAML Bindings §3.4.3 / §3.5.3: a RelayState "MUST NOT exceed 80 bytes"; a longer page is not carried.
RELAY_STATE_MAX_BYTES = 80
CLOCK_SKEW_SECONDS = 60
EMAIL_ATTRIBUTES = ("email", "mail", "emailaddress", "emailAddress",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "urn:oid:0.9.2342.19200300.100.1.3")
GIVEN_NAME_ATTRIBUTES = ("givenName", "given_name", "firstName",
                         "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42")
SURNAME_ATTRIBUTES = ("sn", "surname", "family_name", "lastName",
                      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4")


class SamlError(Exception):
    """``str(exc)`` is safe to show; ``reason`` is the short code for the audit log."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def xmlsec_binary() -> str:
    return shutil.which("xmlsec1") or "/usr/bin/xmlsec1"


def idp_entity_id(metadata_xml: str) -> str:
    """The one identity provider an uploaded metadata document describes (refused otherwise)."""
    try:
        md = InMemoryMetaData(ac_factory(), metadata_xml)
        md.load()
    except Exception:  # pysaml2 raises many kinds for bad XML
        raise SamlError("The metadata is not valid SAML 2.0 metadata XML.", "bad-metadata") from None
    idps = [entity for entity, data in md.items() if "idpsso_descriptor" in data]
    if len(idps) != 1:
        raise SamlError("The metadata must describe exactly one identity provider.", "bad-metadata")
    if not md.certs(idps[0], "idpsso", "signing"):
        raise SamlError("The identity provider's metadata has no signing certificate.", "bad-metadata")
    return idps[0]


def _config(conn: SsoConnection, *, entity_id: str, acs_url: str) -> SPConfig:
    settings = {
        "entityid": entity_id,
        "xmlsec_binary": xmlsec_binary(),
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
            "allow_unsolicited": False,
            "authn_requests_signed": False,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_EMAILADDRESS],
        }},
        "allow_unknown_attributes": True,
        "accepted_time_diff": CLOCK_SKEW_SECONDS,
    }
    if conn.idp_metadata_xml:
        settings["metadata"] = {"inline": [conn.idp_metadata_xml]}
    config = SPConfig()
    config.load(settings)
    return config


def metadata_xml(conn: SsoConnection, *, entity_id: str, acs_url: str) -> str:
    return create_metadata_string(None, config=_config(conn, entity_id=entity_id, acs_url=acs_url), valid=24 * 7)


def authn_request(conn: SsoConnection, *, entity_id: str, acs_url: str, now: datetime, relay_state: str = "") -> str:
    """Record an AuthnRequest and return the IdP URL (HTTP-Redirect binding) that carries it.

    ``relay_state`` (the local page to come back to) travels through the IdP and is checked again on
    return; one longer than SAML allows is dropped rather than cut."""
    if len(relay_state.encode()) > RELAY_STATE_MAX_BYTES:
        relay_state = ""
    client = Saml2Client(_config(conn, entity_id=entity_id, acs_url=acs_url))
    try:
        request_id, info = client.prepare_for_authenticate(entityid=conn.idp_entity_id, relay_state=relay_state,
                                                           binding=BINDING_HTTP_REDIRECT)
    except Exception:
        raise SamlError("The identity provider's metadata offers no sign-in address we can use "
                        "(HTTP-Redirect binding).", "no-sso-endpoint") from None
    db.session.add(SamlRequest(id=request_id, connection_id=conn.id, created_at=now))
    db.session.flush()
    return dict(info["headers"])["Location"]


def parse_response(conn: SsoConnection, saml_response: str, *, entity_id: str, acs_url: str,
                   now: datetime) -> dict:
    """The signed assertion's subject and attributes, once every check passes; marks it used."""
    outstanding = {row.id: "/" for row in db.session.scalars(select(SamlRequest).where(
        SamlRequest.connection_id == conn.id, SamlRequest.used_at.is_(None),
        SamlRequest.created_at > now - REQUEST_MAX_AGE))}
    client = Saml2Client(_config(conn, entity_id=entity_id, acs_url=acs_url))
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=outstanding)
    except Exception as exc:  # pysaml2 signals each failed check with its own exception class
        raise _explain(exc) from None
    if response is None:
        raise SamlError("The identity provider's response could not be read.", "unreadable")
    assertion = response.assertion
    if assertion is None:
        # pysaml2 drops, without an exception, a response whose Destination is not our ACS.
        destination = getattr(getattr(response, "response", None), "destination", None)
        if destination and destination != acs_url:
            raise SamlError("The sign-in response was sent to another address.", "wrong-recipient")
        raise SamlError("The identity provider's response did not check out. Start again.", "unreadable")
    if assertion is None or not response.in_response_to:
        raise SamlError("The response answers no sign-in we started.", "unsolicited")
    request_row = db.session.get(SamlRequest, response.in_response_to)
    if request_row is None or request_row.used_at is not None or request_row.connection_id != conn.id:
        raise SamlError("This sign-in response was already used.", "replay")
    db.session.execute(delete(SamlAssertionSeen).where(SamlAssertionSeen.expires_at < now))
    if db.session.get(SamlAssertionSeen, assertion.id) is not None:
        raise SamlError("This sign-in response was already used.", "replay")
    request_row.used_at = now
    expires = now + REQUEST_MAX_AGE
    conditions = assertion.conditions
    if conditions is not None and conditions.not_on_or_after:
        expires = max(expires, _parse_time(conditions.not_on_or_after) + timedelta(seconds=CLOCK_SKEW_SECONDS))
    db.session.add(SamlAssertionSeen(id=assertion.id[:200], connection_id=conn.id, expires_at=expires))
    db.session.flush()
    name_id = response.name_id
    return {"subject": name_id.text if name_id is not None else "",
            "name_id_format": name_id.format if name_id is not None else None,
            "attributes": response.ava or {}}


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def _explain(exc: Exception) -> SamlError:
    name = type(exc).__name__
    text = str(exc).lower()
    if name in ("SignatureError", "MissingSignatureError") or "signature" in text:
        return SamlError("The sign-in response's signature is not valid: it was altered or not signed by your "
                         "organisation's identity provider.", "bad-signature")
    if name == "ResponseLifetimeExceed" or "too old" in text or "lifetime" in text or "expired" in text:
        return SamlError("The sign-in response has expired. Start again.", "expired")
    if name == "ToEarly":
        return SamlError("The sign-in response is not valid yet: check the clocks. Start again.", "not-yet-valid")
    if "audience" in text or name == "IncorrectlySigned":
        return SamlError("The sign-in response was issued for another service.", "wrong-audience")
    if name in ("UnsolicitedResponse",) or "unsolicited" in text or "in_response_to" in text:
        return SamlError("The response answers no sign-in we started, or one already used.", "unsolicited")
    if "destination" in text or "recipient" in text:
        return SamlError("The sign-in response was sent to another address.", "wrong-recipient")
    if "unknown" in text and "issuer" in text or name == "UnknownPrincipal":
        return SamlError("The response comes from an unknown identity provider.", "unknown-idp")
    return SamlError("The identity provider's response did not check out. Start again.", f"invalid-{name}"[:60])


def first(attributes: dict, names: tuple[str, ...]) -> str:
    for name in names:
        values = attributes.get(name)
        if values:
            return str(values[0] if isinstance(values, list) else values)
    return ""
