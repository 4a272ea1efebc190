"""Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0) signed with the provider's Ed25519 key.

Each certificate can be downloaded as an ``OpenBadgeCredential``. It is secured two ways, both
checkable offline with the key published at ``/certificates/keys/<org>.json``:

* an embedded Data Integrity proof with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC Data Integrity
  EdDSA Cryptosuites v1.0, the suite 1EdTech's conformance tests accept): the document and the proof
  options are each canonicalised with RDFC-1.0 (URDNA2015, pyld, contexts from local copies only),
  hashed with SHA-256, and ``hash(proof options) || hash(document)`` is signed with Ed25519;
  ``proofValue`` is base58btc multibase. ``proof`` is an array, as the OB 3.0 JSON schema has it.
* an enveloping JWS per W3C "Securing Verifiable Credentials using JOSE and COSE": the credential
  itself is the JWT claims set (no ``vc`` claim), header ``typ: vc+jwt``, ``cty: vc``, ``alg: EdDSA``
  and ``kid`` the absolute URL of the verification method.

The learner is named by a salted SHA-256 hash of their email (an OB 3.0 ``IdentityObject``), so a
wallet can match the badge to its holder without the email being in it. Revocation is published as a
``BitstringStatusList`` (``status_list.py``).

Private keys are generated on first use and stored encrypted with a key derived from
``CERTIFICATE_KEY_SECRET`` (default: ``SECRET_KEY``); only the public half ever leaves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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

from lms.certificates import status_list
from lms.certificates.jsonld import OB_V3, VC_V2, canonical_nquads
from lms.certificates.models import Certificate, SigningKey
from lms.extensions import db
from lms.security import external_url
from lms.users.models import User

CONTEXTS = [VC_V2, OB_V3]
CRYPTOSUITE = "eddsa-rdfc-2022"
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


def issuer_url(org_id: int) -> str:
    return external_url("certificates.public_key", org_id=org_id)


def verification_method(org_id: int, key: SigningKey) -> str:
    """The absolute URL of the key: the proof's ``verificationMethod`` and the JWS ``kid``."""
    return f"{issuer_url(org_id)}#{key.kid}"


def public_jwk(key: SigningKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": key.public_key, "kid": verification_method(key.org_id, key),
            "alg": "EdDSA", "use": "sig"}


def multikey(key: SigningKey) -> str:
    return "z" + base58btc(_ED25519_MULTICODEC + unb64url(key.public_key))


def issuer_document(org, key: SigningKey) -> dict:
    """The issuer profile, its verification method (Multikey) and a JWK set, in one document."""
    url = issuer_url(org.id)
    return {
        "@context": CONTEXTS + ["https://w3id.org/security/multikey/v1"],
        "id": url, "type": ["Profile"], "name": org.name,
        "verificationMethod": [{"id": verification_method(org.id, key), "type": "Multikey", "controller": url,
                                "publicKeyMultibase": multikey(key)}],
        "assertionMethod": [verification_method(org.id, key)],
        "keys": [public_jwk(key)],
    }


def _salt(certificate: Certificate) -> str:
    """A per-certificate salt, stable across downloads, that reveals nothing without the secret."""
    secret = (current_app.config.get("CERTIFICATE_KEY_SECRET") or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"badge-salt:{certificate.code_hash}".encode(), hashlib.sha256).hexdigest()[:32]


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex SHA-256 of the (normalised) email followed by the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def recipient(certificate: Certificate) -> dict:
    salt = _salt(certificate)
    email = db.session.scalar(select(User.email).where(User.id == certificate.learner_id)) or ""
    return {"type": "IdentityObject", "identityHash": identity_hash(email, salt), "identityType": "emailAddress",
            "hashed": True, "salt": salt}


def credential(certificate: Certificate, org_name: str) -> dict:
    """The unsigned OpenBadgeCredential for a certificate, from its snapshot (and the learner's email)."""
    snap = certificate.snapshot
    issuer = issuer_url(certificate.provider_org_id)
    if snap.get("attendance"):
        description = f"Attended {snap['activity']['title']} for {snap['attendance']['minutes']} minutes."
        criteria = "Attendance recorded by the organiser."
    else:
        description = "; ".join(f"{line['amount']} {line['unit']} — {line['name']}" for line in snap["credits"])
        criteria = "Completed the activity, its assessment and evaluation, and claimed credit. " + " ".join(
            line["statement"] for line in snap["credits"])
    return {
        "@context": list(CONTEXTS),
        "id": external_url("certificates.verify", code=certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": org_name},
        "validFrom": certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": f"{snap['title']}: {snap['activity']['title']}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": snap["learner"]["display_name"],
            "identifier": [recipient(certificate)],
            "achievement": {
                "id": external_url("certificates.achievement", kind=certificate.activity_kind,
                                   activity_id=certificate.activity_id),
                "type": ["Achievement"], "name": snap["activity"]["title"], "description": description,
                "criteria": {"narrative": criteria},
                "achievementType": "Certificate" if snap.get("attendance") else "CertificateOfCompletion",
            },
        },
        "credentialStatus": status_list.entry(certificate),
    }


def _hash_data(document: dict, proof_config: dict) -> bytes:
    """eddsa-rdfc-2022 hashing: SHA-256 of the canonical proof configuration, then of the document."""
    return (hashlib.sha256(canonical_nquads(proof_config).encode()).digest()
            + hashlib.sha256(canonical_nquads(document).encode()).digest())


def add_proof(document: dict, key: SigningKey, *, created: str) -> dict:
    """``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof appended to its ``proof`` array."""
    options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": created,
               "verificationMethod": verification_method(key.org_id, key), "proofPurpose": "assertionMethod"}
    signature = _private(key).sign(_hash_data(document, dict(options, **{"@context": document["@context"]})))
    return dict(document, proof=[dict(options, proofValue="z" + base58btc(signature))])


def signed_credential(certificate: Certificate, org_name: str, key: SigningKey) -> dict:
    """The credential with its Data Integrity proof (``created`` is the issue time: one stable file)."""
    document = credential(certificate, org_name)
    return add_proof(document, key, created=document["validFrom"])


def verify_credential(signed: dict, public_multikey: str, *, verification_method_id: str | None = None) -> bool:
    """Check an ``eddsa-rdfc-2022`` proof offline with the issuer's published Multikey."""
    try:
        document = {k: v for k, v in signed.items() if k != "proof"}
        proofs = signed["proof"] if isinstance(signed["proof"], list) else [signed["proof"]]
        if len(proofs) != 1:
            return False
        proof = dict(proofs[0])
        value = proof.pop("proofValue")
        if (proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE
                or proof.get("proofPurpose") != "assertionMethod"):
            return False
        if verification_method_id is not None and proof.get("verificationMethod") != verification_method_id:
            return False
        raw = unbase58btc(public_multikey[1:])
        if not public_multikey.startswith("z") or not raw.startswith(_ED25519_MULTICODEC) or not value.startswith("z"):
            return False
        config = dict(proof, **{"@context": document["@context"]})
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(unbase58btc(value[1:]), _hash_data(document, config))
        return True
    except (InvalidSignature, KeyError, ValueError, TypeError, AttributeError):
        return False


JWT_HEADER = {"typ": "vc+jwt", "cty": "vc"}


def credential_jwt(certificate: Certificate, org_name: str, key: SigningKey) -> str:
    """The credential secured with JOSE (VC-JOSE-COSE): the unsecured credential is the JWT claims set."""
    document = credential(certificate, org_name)
    # Registered claims that repeat the credential's own values, for JWT libraries; never a ``vc`` claim.
    # Only those the VC v2 context defines (``jti`` is not), so the payload stays valid JSON-LD.
    claims = dict(document, iss=document["issuer"]["id"], iat=int(certificate.issued_at.timestamp()),
                  nbf=int(certificate.issued_at.timestamp()))
    return jwt.encode(claims, _private(key), algorithm="EdDSA",
                      headers=dict(JWT_HEADER, kid=verification_method(key.org_id, key)))


def verify_jwt(token: str, jwk: dict) -> dict:
    """The credential in a VC-JWT after checking its header and signature; ``jwt.InvalidTokenError`` else."""
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "vc+jwt" or header.get("alg") != "EdDSA" or header.get("kid") != jwk.get("kid"):
        raise jwt.InvalidTokenError("not a vc+jwt from this key")
    public = Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
    claims = jwt.decode(token, public, algorithms=["EdDSA"], options={"verify_aud": False})
    if "vc" in claims or claims.get("iss") != claims.get("issuer", {}).get("id"):
        raise jwt.InvalidTokenError("claims do not match the credential")
    return claims
