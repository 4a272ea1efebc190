"""Revocation as W3C Bitstring Status List v1.0 (the status method wallets and 1EdTech's verifier read).

Each certificate has a fixed place in one of its provider's status lists, computed from its id, so
no column or migration is needed and the place never moves:

* list ``block = id // LIST_BITS``, index ``(id % LIST_BITS) * STRIDE % LIST_BITS``. ``STRIDE`` is odd,
  so the map is a permutation of the list: neighbouring certificates do not sit on neighbouring
  bits, and every index in a list belongs to exactly one certificate;
* a list holds 131,072 bits (16 KiB), the minimum the spec asks for herd privacy;
* bit 0 is the most significant bit of the first byte; ``encodedList`` is the GZIP-compressed
  bitstring as multibase base64url (``u`` prefix, no padding).

The list credential itself is served publicly and signed like the badges (``eddsa-rdfc-2022``).
A revoked certificate has its bit set; a superseded one keeps verifying (its page says it was
superseded) and is not revoked.
"""

from __future__ import annotations

import base64
import gzip
from datetime import datetime

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.security import external_url

LIST_BITS = 131_072
STRIDE = 40_503  # odd, so multiplication by it permutes 0..LIST_BITS-1
PURPOSE = "revocation"


def position(certificate_id: int) -> tuple[int, int]:
    """The (list number, bit index) of a certificate."""
    return certificate_id // LIST_BITS, (certificate_id % LIST_BITS) * STRIDE % LIST_BITS


def list_url(org_id: int, block: int) -> str:
    return external_url("certificates.status_list", org_id=org_id, block=block)


def entry(certificate: Certificate) -> dict:
    """The ``credentialStatus`` of a certificate's credential."""
    block, index = position(certificate.id)
    url = list_url(certificate.provider_org_id, block)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": PURPOSE,
            "statusListIndex": str(index), "statusListCredential": url}


def encode(indexes: list[int] | set[int]) -> str:
    bits = bytearray(LIST_BITS // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def revoked_indexes(org_id: int, block: int) -> list[int]:
    ids = db.session.scalars(select(Certificate.id).where(
        Certificate.provider_org_id == org_id, Certificate.status == "revoked",
        Certificate.id >= block * LIST_BITS, Certificate.id < (block + 1) * LIST_BITS))
    return [position(cid)[1] for cid in ids]


def list_credential(org_id: int, block: int, *, issuer: str, now: datetime) -> dict:
    """The unsigned ``BitstringStatusListCredential`` for one list, as it stands ``now``."""
    url = list_url(org_id, block)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": PURPOSE,
                              "encodedList": encode(revoked_indexes(org_id, block))},
    }
