"""Open Badges 3.0 credentials: signed with the provider's Ed25519 key, verifiable offline."""

from __future__ import annotations

import json

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lms.certificates import badges
from tests.credits.conftest import NOW


def test_the_credential_verifies_and_fails_after_one_byte_changes(issued, app):
    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    signed = badges.signed_credential(certificate, "Northbridge CME Institute", key)
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert signed["credentialSubject"]["name"] == "Priya Raman, MD"
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    published = badges.multikey(key)
    assert badges.verify_credential(json.loads(json.dumps(signed)), published)
    raw = json.dumps(signed)
    index = raw.index("Priya")
    tampered = json.loads(raw[:index] + "Q" + raw[index + 1:])
    assert not badges.verify_credential(tampered, published)
    sig = signed["proof"]["proofValue"]
    flipped = dict(signed, proof=dict(signed["proof"], proofValue=sig[:-1] + ("2" if sig[-1] != "2" else "3")))
    assert not badges.verify_credential(flipped, published)


def test_the_jwt_form_verifies_with_the_published_jwk(issued, app, client):
    learner, _, _, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    token = badges.credential_jwt(certificate, "Northbridge", key)
    published = client.get(f"/certificates/keys/{certificate.provider_org_id}.json").get_json()
    jwk = published["keys"][0]
    assert "d" not in jwk and jwk["crv"] == "Ed25519"
    public = Ed25519PublicKey.from_public_bytes(badges.unb64url(jwk["x"]))
    claims = jwt.decode(token, public, algorithms=["EdDSA"])
    assert claims["vc"]["credentialSubject"]["name"] == "Priya Raman, MD"
    header, payload, signature = token.split(".")
    bad = header + "." + payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    try:
        jwt.decode(bad, public, algorithms=["EdDSA"])
    except jwt.InvalidTokenError:
        pass
    else:
        raise AssertionError("a changed payload verified")
    assert published["verificationMethod"][0]["publicKeyMultibase"] == badges.multikey(key)


def test_private_keys_are_stored_encrypted(issued, app):
    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    assert key.private_key_encrypted.startswith("gAAAA")  # Fernet
    assert badges.signing_key(certificate.provider_org_id, now=NOW).id == key.id
