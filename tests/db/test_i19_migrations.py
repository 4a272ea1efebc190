"""Migration i19a on rows written before it: lookalike emails, shared NPIs, names with bidi controls."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from tests.conftest import base_config

RLO = "\u202e"
USERS = [  # id, email, npi, verified, first name
    (1, "admin@example.com", "1234567893", False, "Ada"),
    (2, "ａdmin@example.com", None, True, "Mallory"),        # a lookalike of 1: left as is, unreachable
    (3, "Nia@Bücher.Example", "1234567893", True, f"Nia{RLO}"),  # same NPI as 1 but verified: keeps it
    (4, "grace@example.org", "1234567893", True, "Grace"),    # a third holder, verified later: loses it
]


@pytest.mark.slow
def test_i19a_normalises_emails_and_keeps_each_npi_with_one_person(tmp_path):
    from lms import create_app
    from lms.extensions import db

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'i19a.db'}"))
    with app.app_context():
        upgrade(revision="i13c01")  # the revision before i19a
        with db.engine.begin() as conn:
            for uid, email, npi, verified, first in USERS:
                conn.execute(text(
                    "INSERT INTO user (id, email, npi, email_verified_at, first_name, last_name, credentials, profession, "
                    "timezone, consent_to_report, session_nonce, created_at, is_admin) "
                    "VALUES (:id, :email, :npi, :verified, :first, 'X', '', 'physician_md', 'UTC', 0, 'n', "
                    "'2026-01-01 00:00:00', 0)"),
                    {"id": uid, "email": email, "npi": npi, "first": first,
                     "verified": "2026-01-0%d 00:00:00" % uid if verified else None})
        upgrade()
        with db.engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(text("SELECT id, email, npi, first_name FROM user"))}
            audit = conn.execute(text("SELECT object_id, action FROM audit_event")).all()
        db.engine.dispose()
    assert rows[1].email == "admin@example.com" and rows[2].email == "ａdmin@example.com"
    assert rows[3].email == "nia@xn--bcher-kva.example"
    assert [r.id for r in rows.values() if r.npi == "1234567893"] == [3]
    assert sorted(audit) == [("1", "profile.npi_duplicate_removed"), ("4", "profile.npi_duplicate_removed")]
    assert rows[3].first_name == "Nia"
