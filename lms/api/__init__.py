"""The public JSON API under /api/v1: flask-smorest, described by OpenAPI 3.1.

A feature (an adapter over the other features' services), not part of the core: the core imports
nothing from here. ``init_app`` wires the spec, the docs, token authentication, rate limits,
ETags and problem+json errors for everything under ``/api/``.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"


def init_app(app) -> None:
    from lms.api.setup import setup

    setup(app)
