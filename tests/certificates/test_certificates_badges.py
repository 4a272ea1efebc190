"""Open Badges 3.0 credentials, checked by an implementation independent of the app's own code.

The verifier below uses only pyld (URDNA2015 over contexts read from tests/data/openbadges/, never
the network), ``cryptography`` for Ed25519, ``jsonschema`` with 1EdTech's AchievementCredential
schema, and the key the provider publishes over HTTP.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft201909Validator
from pyld import jsonld

from lms.certificates import badges
from tests.credits.conftest import NOW

DATA = Path(__file__).resolve().parents[1] / "data" / "openbadges"
CONTEXTS = {"https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json"}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def offline_loader(url, options=None):
    if url not in CONTEXTS:
        raise AssertionError(f"the verifier was asked to fetch {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": json.loads((DATA / CONTEXTS[url]).read_text())}


def dropped(term):
    raise ValueError(f"undefined term {term}")


def urdna2015(document: dict) -> bytes:
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped)
    return processor.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                          "documentLoader": offline_loader}).encode()


def b58decode(text: str) -> bytes:
    value = 0
    for ch in text:
        value = value * 58 + B58.index(ch)
    return b"\0" * (len(text) - len(text.lstrip("1"))) + value.to_bytes((value.bit_length() + 7) // 8, "big")


def independent_verify(signed: dict, issuer: dict) -> bool:
    """W3C VC Data Integrity EdDSA, eddsa-rdfc-2022 verification, written from the spec."""
    document = {k: v for k, v in signed.items() if k != "proof"}
    (proof,) = signed["proof"]
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if config["cryptosuite"] != "eddsa-rdfc-2022" or config["verificationMethod"] not in issuer["assertionMethod"]:
        return False
    config["@context"] = document["@context"]
    method = next(m for m in issuer["verificationMethod"] if m["id"] == config["verificationMethod"])
    raw = b58decode(method["publicKeyMultibase"][1:])
    assert raw[:2] == b"\xed\x01"  # ed25519-pub multicodec
    try:
        hash_data = hashlib.sha256(urdna2015(config)).digest() + hashlib.sha256(urdna2015(document)).digest()
    except ValueError:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(b58decode(proof["proofValue"][1:]), hash_data)
        return True
    except InvalidSignature:
        return False


def schema_errors(document: dict) -> list[str]:
    schema = json.loads((DATA / "ob_v3p0_achievementcredential_schema.json").read_text())
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def published(issued, client):
    *_, certificate = issued
    badges.signing_key(certificate.provider_org_id, now=NOW)
    return client.get(f"/certificates/keys/{certificate.provider_org_id}.json").get_json()


def test_the_badge_verifies_independently_and_matches_the_schema(issued, published, app):
    learner, _, _, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    signed = json.loads(json.dumps(badges.signed_credential(certificate, "Northbridge CME Institute", key)))
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert isinstance(signed["proof"], list) and signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert schema_errors(signed) == []
    assert independent_verify(signed, published)
    assert badges.verify_credential(signed, published["verificationMethod"][0]["publicKeyMultibase"])
    # The recipient: a salted SHA-256 of the email, as OB 3.0's IdentityObject defines it.
    (identity,) = signed["credentialSubject"]["identifier"]
    expected = hashlib.sha256((learner.email.lower() + identity["salt"]).encode()).hexdigest()
    assert identity == {"type": "IdentityObject", "identityHash": f"sha256${expected}",
                        "identityType": "emailAddress", "hashed": True, "salt": identity["salt"]}
    assert learner.email not in json.dumps(signed)


@pytest.mark.parametrize("change", [
    lambda c: c["credentialSubject"].update(name="Priya Ramen, MD"),
    lambda c: c["credentialSubject"]["achievement"].update(name="Another activity"),
    lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
    lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64),
    lambda c: c["proof"][0].update(created="2020-01-01T00:00:00Z"),
    lambda c: c["credentialStatus"].update(statusListIndex="7"),
    lambda c: c.update(extraClaim="added after signing"),  # undefined term: refused, not silently dropped
])
def test_one_changed_field_fails_verification(issued, published, app, change):
    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    signed = json.loads(json.dumps(badges.signed_credential(certificate, "Northbridge CME Institute", key)))
    tampered = copy.deepcopy(signed)
    change(tampered)
    assert not independent_verify(tampered, published)
    assert not badges.verify_credential(tampered, published["verificationMethod"][0]["publicKeyMultibase"])


def test_a_flipped_signature_or_another_key_fails(issued, published, app):
    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    signed = badges.signed_credential(certificate, "Northbridge CME Institute", key)
    sig = signed["proof"][0]["proofValue"]
    flipped = dict(signed, proof=[dict(signed["proof"][0], proofValue=sig[:-1] + ("2" if sig[-1] != "2" else "3"))])
    assert not independent_verify(flipped, published)
    other = badges.multikey(badges.signing_key(_other_org().id, now=NOW))
    assert not badges.verify_credential(signed, other)


def _other_org():
    from tests.factories import make_org

    return make_org(name="Somebody else")


def test_the_jwt_follows_vc_jose_cose_and_verifies_with_the_published_jwk(issued, published, app):
    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    token = badges.credential_jwt(certificate, "Northbridge", key)
    head_b64, payload_b64, sig_b64 = token.split(".")
    header = json.loads(badges.unb64url(head_b64))
    payload = json.loads(badges.unb64url(payload_b64))
    (jwk,) = published["keys"]
    assert "d" not in jwk and jwk["crv"] == "Ed25519"
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": jwk["kid"]}
    assert header["kid"].startswith("http://") or header["kid"].startswith("https://")
    assert header["kid"] in published["assertionMethod"]
    # The credential is the claims set: no "vc" claim, the OB types and subject at the top level.
    assert "vc" not in payload and payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["iss"] == payload["issuer"]["id"] and "sub" not in payload
    assert schema_errors({k: v for k, v in payload.items() if k not in ("iss", "iat", "nbf")}) == []
    public = Ed25519PublicKey.from_public_bytes(badges.unb64url(jwk["x"]))
    public.verify(badges.unb64url(sig_b64), f"{head_b64}.{payload_b64}".encode())
    assert badges.verify_jwt(token, jwk)["credentialSubject"]["name"] == "Priya Raman, MD"
    changed = base64.urlsafe_b64encode(json.dumps(dict(payload, validFrom="2020-01-01T00:00:00Z")).encode())
    bad = f"{head_b64}.{changed.rstrip(b'=').decode()}.{sig_b64}"
    with pytest.raises(InvalidSignature):
        public.verify(badges.unb64url(sig_b64), bad.rsplit(".", 1)[0].encode())
    import jwt

    with pytest.raises(jwt.InvalidTokenError):
        badges.verify_jwt(bad, jwk)


def _bits(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_a_revoked_certificate_has_its_status_list_bit_set(issued, published, make_client, db, app):
    from lms.certificates import services

    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    status = badges.signed_credential(certificate, "Northbridge", key)["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    index = int(status["statusListIndex"])
    anonymous = make_client()

    def fetch():
        response = anonymous.get(urlsplit(status["statusListCredential"]).path)
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/vc"
        return json.loads(response.data)

    before = fetch()
    assert before["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert independent_verify(before, published)
    bits = _bits(before["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131_072 and not any(bits)

    services.revoke(certificate, reason="Issued to the wrong learner", actor=None, now=NOW)
    db.session.flush()
    after = fetch()
    assert independent_verify(after, published)
    bits = _bits(after["credentialSubject"]["encodedList"])
    assert bits[index // 8] & (0x80 >> (index % 8))
    assert sum(bin(b).count("1") for b in bits) == 1
    # A changed list no longer verifies.
    forged = copy.deepcopy(after)
    forged["credentialSubject"]["encodedList"] = before["credentialSubject"]["encodedList"]
    assert not independent_verify(forged, published)


def test_the_vendored_files_are_the_published_ones():
    """The copies under tests/data are the unmodified 1EdTech and W3C files (hashes recorded in the README)."""
    readme = (DATA / "README.md").read_text()
    for name in ("ob_v3p0_achievementcredential_schema.json", "ob-v3p0-context-3.0.3.json", "credentials-v2.jsonld"):
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() in readme, name


def test_private_keys_are_stored_encrypted(issued, app):
    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    assert key.private_key_encrypted.startswith("gAAAA")  # Fernet
    assert badges.signing_key(certificate.provider_org_id, now=NOW).id == key.id


def test_a_polling_wallet_gets_304_until_a_revocation_changes_the_list(issued, make_client, db):
    """Status lists and issuer keys answer If-None-Match: unchanged bits, no new body; a revocation, a new one."""
    from lms.certificates import services

    *_, certificate = issued
    key = badges.signing_key(certificate.provider_org_id, now=NOW)
    path = urlsplit(badges.signed_credential(certificate, "Northbridge", key)["credentialStatus"]
                    ["statusListCredential"]).path
    wallet = make_client()
    first = wallet.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = wallet.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert wallet.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200

    services.revoke(certificate, reason="Issued to the wrong learner", actor=None, now=NOW)
    db.session.flush()
    changed = wallet.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert json.loads(changed.data)["credentialSubject"]["encodedList"] != json.loads(first.data)[
        "credentialSubject"]["encodedList"]

    key_path = f"/certificates/keys/{certificate.provider_org_id}.json"
    issuer = wallet.get(key_path)
    assert issuer.status_code == 200
    assert wallet.get(key_path, headers={"If-None-Match": issuer.headers["ETag"]}).status_code == 304
