"""SCIM 2.0 provisioning (RFC 7643/7644) on scim2-server: an organisation's identity provider creates,
updates and retires its staff (Users -> memberships) and teams (Groups), with the organisation's own
bearer tokens. Part of the core (accounts and organisations): it imports no feature."""

from flask import Blueprint

bp = Blueprint("scim", __name__)
