"""JSON-LD for credentials: contexts from local copies only, RDF canonicalisation (RDFC-1.0).

A credential's meaning depends on its contexts; a verifier and an issuer that load them from the
network can be made to disagree (or to fetch from an attacker's host). So the loader below serves
the few contexts Continuum signs with from files beside this module and refuses every other URL:
nothing is ever fetched.

Vendored files (see ``contexts/README.md`` for their sources and licences):

* ``https://www.w3.org/ns/credentials/v2``: the W3C VC Data Model 2.0 context (it also defines
  ``DataIntegrityProof`` and the ``BitstringStatusList`` terms);
* ``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json``: 1EdTech's Open Badges 3.0 context.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_FILES = {VC_V2: "credentials-v2.jsonld", OB_V3: "ob-v3p0-context-3.0.3.json"}
_DIR = Path(__file__).with_name("contexts")


class UnknownContext(ValueError):
    """A document named a context that is not vendored here; it is never fetched."""


class UndefinedTerm(ValueError):
    """A property no context defines: it would drop out of the signed data silently."""


def _refuse_dropped(term: str | None) -> None:
    raise UndefinedTerm(f"the property {term!r} is not defined by the credential's contexts")


@cache
def _context(url: str) -> dict:
    return json.loads((_DIR / _FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld's loader contract, over the vendored files only."""
    if url not in _FILES:
        raise UnknownContext(f"context {url!r} is not available offline")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": _context(url)}


def canonical_nquads(document: dict) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document.

    "Safe mode", as the Data Integrity spec asks: a term no context defines would silently drop out
    of the canonical form, so a forger could add one to a signed credential unnoticed (the final
    VC v2 context has no ``@vocab`` to catch it). Any dropped property is an error instead.
    """
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    try:
        return processor.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                              "documentLoader": document_loader})
    except (UndefinedTerm, UnknownContext):
        raise
    except jsonld.JsonLdError as exc:
        cause = exc
        while cause is not None:
            if isinstance(cause, (UnknownContext, UndefinedTerm)):
                raise cause from exc
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise ValueError(f"not valid JSON-LD: {exc}") from exc
