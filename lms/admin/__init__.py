"""Site administration: accounts and organisations across the whole site."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
