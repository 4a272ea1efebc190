"""Open Badges 3.0 credentials (W3C Verifiable Credentials) signed with the provider's Ed25519 key.

Each certificate can be downloaded as an ``OpenBadgeCredential`` in JSON-LD. It is secured two
ways, both checkable offline with the key published at ``/certificates/keys/<org>.json``:

* an embedded Data Integrity proof with the ``eddsa-jcs-2022`` cryptosuite (W3C VC Data
  Integrity EdDSA): SHA-256 of the JCS-canonical proof options, then of the JCS-canonical
  credential, signed with Ed25519, ``proofValue`` in base58btc multibase. JCS needs no
  JSON-LD context fetching, unlike RDF canonicalisation. Our credentials hold only strings,
  so sorted-key compact JSON is exactly JCS (RFC 8785).
* an enveloping VC-JWT (compact JWS, ``alg: EdDSA``, ``kid``), for verifiers that take JOSE.

Private keys are generated on first use and stored encrypted with a key derived from
``CERTIFICATE_KEY_SECRET`` (default: ``SECRET_KEY``); only the public half ever leaves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.certificates.models import Certificate, SigningKey
from lms.extensions import db
from lms.security import external_url

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_MULTICODEC = b"\xed\x01"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def base58btc(data: bytes) -> str:
    value, out = int.from_bytes(data, "big"), ""
    while value:
        value, rem = divmod(value, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def unbase58btc(text: str) -> bytes:
    value = 0
    for ch in text:
        value = value * 58 + _B58.index(ch)
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _fernet() -> Fernet:
    secret = (current_app.config.get("CERTIFICATE_KEY_SECRET") or current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"continuum-certificate-keys", info=b"ed25519").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def signing_key(org_id: int, *, now: datetime) -> SigningKey:
    """The provider's key, generated on first use (a lost race reads the winner's)."""
    key = db.session.scalar(select(SigningKey).where(SigningKey.org_id == org_id))
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = SigningKey(org_id=org_id, kid=f"key-{secrets.token_hex(8)}", public_key=b64url(raw_public),
                     private_key_encrypted=_fernet().encrypt(raw_private).decode(), created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(key)
    except IntegrityError:
        key = db.session.scalar(select(SigningKey).where(SigningKey.org_id == org_id))
    return key


def _private(key: SigningKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_fernet().decrypt(key.private_key_encrypted.encode()))


def public_jwk(key: SigningKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": key.public_key, "kid": key.kid, "alg": "EdDSA", "use": "sig"}


def multikey(key: SigningKey) -> str:
    return "z" + base58btc(_ED25519_MULTICODEC + unb64url(key.public_key))


def issuer_document(org, key: SigningKey) -> dict:
    """The issuer profile, its verification method (Multikey) and a JWK set, in one document."""
    url = external_url("certificates.public_key", org_id=org.id)
    return {
        "@context": CONTEXTS + ["https://w3id.org/security/multikey/v1"],
        "id": url, "type": ["Profile"], "name": org.name,
        "verificationMethod": [{"id": f"{url}#{key.kid}", "type": "Multikey", "controller": url,
                                "publicKeyMultibase": multikey(key)}],
        "assertionMethod": [f"{url}#{key.kid}"],
        "keys": [public_jwk(key)],
    }


def credential(certificate: Certificate, org_name: str) -> dict:
    """The unsigned OpenBadgeCredential for a certificate, from its snapshot only."""
    snap = certificate.snapshot
    issuer = external_url("certificates.public_key", org_id=certificate.provider_org_id)
    if snap.get("attendance"):
        description = f"Attended {snap['activity']['title']} for {snap['attendance']['minutes']} minutes."
        criteria = "Attendance recorded by the organiser."
    else:
        description = "; ".join(f"{line['amount']} {line['unit']} — {line['name']}" for line in snap["credits"])
        criteria = "Completed the activity, its assessment and evaluation, and claimed credit. " + " ".join(
            line["statement"] for line in snap["credits"])
    return {
        "@context": CONTEXTS,
        "id": external_url("certificates.verify", code=certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": org_name},
        "validFrom": certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": f"{snap['title']}: {snap['activity']['title']}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": snap["learner"]["display_name"],
            "achievement": {
                "id": external_url("certificates.achievement", kind=certificate.activity_kind,
                                   activity_id=certificate.activity_id),
                "type": ["Achievement"], "name": snap["activity"]["title"], "description": description,
                "criteria": {"narrative": criteria},
            },
        },
        "credentialStatus": {"id": external_url("certificates.verify_json", code=certificate.code),
                             "type": "ContinuumVerification"},
    }


def _hash_data(document: dict, proof_options: dict) -> bytes:
    return hashlib.sha256(canonical(proof_options)).digest() + hashlib.sha256(canonical(document)).digest()


def signed_credential(certificate: Certificate, org_name: str, key: SigningKey) -> dict:
    """The credential with an ``eddsa-jcs-2022`` Data Integrity proof."""
    document = credential(certificate, org_name)
    issuer = document["issuer"]["id"]
    options = {"@context": document["@context"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
               "created": document["validFrom"], "verificationMethod": f"{issuer}#{key.kid}",
               "proofPurpose": "assertionMethod"}
    signature = _private(key).sign(_hash_data(document, options))
    proof = {k: v for k, v in options.items() if k != "@context"} | {"proofValue": "z" + base58btc(signature)}
    return dict(document, proof=proof)


def verify_credential(signed: dict, public_multikey: str) -> bool:
    """Check an ``eddsa-jcs-2022`` proof offline with the issuer's published Multikey."""
    try:
        document = {k: v for k, v in signed.items() if k != "proof"}
        proof = dict(signed["proof"])
        value = proof.pop("proofValue")
        options = dict(proof, **{"@context": document["@context"]})
        raw = unbase58btc(public_multikey[1:])
        if not raw.startswith(_ED25519_MULTICODEC) or not value.startswith("z"):
            return False
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(unbase58btc(value[1:]), _hash_data(document, options))
        return True
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return False


def credential_jwt(certificate: Certificate, org_name: str, key: SigningKey) -> str:
    """The same credential as an enveloping VC-JWT (compact JWS, EdDSA)."""
    document = credential(certificate, org_name)
    claims = {"iss": document["issuer"]["id"], "jti": document["id"], "sub": document["credentialSubject"]["name"],
              "nbf": int(certificate.issued_at.timestamp()), "vc": document}
    return jwt.encode(claims, _private(key), algorithm="EdDSA", headers={"kid": key.kid, "typ": "vc+jwt"})
