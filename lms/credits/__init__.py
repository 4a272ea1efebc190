"""CME credit: credit types, the append-only ledger, transcripts and requirements."""

from flask import Blueprint

bp = Blueprint("credits", __name__, url_prefix="/credits")
