"""One mailbox, one account; one NPI, one person; names without bidi controls.

Revision ID: i19a0e1n2p3i
Revises: i17a1b2c3d4e5
Create Date: 2026-12-03 08:40:00

Reviewed by hand.

- Emails are normalised as the application now does (``lms.text.normalise_email``: NFKC, IDNA
  domain, lower case). When two accounts normalise to the same address, the account that already
  held the normal spelling (else the oldest) keeps it; the others are left as they were and listed
  in the migration's output for an administrator: their normalised address belongs to someone
  else, so nobody can sign in to them by typing it (typing either spelling reaches the kept one).
- The NPI becomes unique (``uq_user_npi``). Existing duplicates: the NPI stays with the oldest
  verified account holding it (else the oldest account); it is removed from the others, each
  removal recorded in the audit log (``profile.npi_duplicate_removed``) so the people concerned
  can be contacted. Accreditor reports (PARS) identify a clinician by NPI: two people cannot share it.
- Bidirectional controls are removed from stored first and last names and credentials
  (``lms.text.clean_text``); pages, CSV exports and certificates also strip them on output.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from lms.text import clean_text, normalise_email
from lms.types import UTCDateTime

revision = 'i19a0e1n2p3i'
down_revision = 'i17a1b2c3d4e5'
branch_labels = None
depends_on = None

user = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("npi", sa.String),
                sa.column("email_verified_at", sa.DateTime), sa.column("first_name", sa.String),
                sa.column("last_name", sa.String), sa.column("credentials", sa.String))
audit = sa.table("audit_event", sa.column("created_at", UTCDateTime()), sa.column("actor_id", sa.Integer),
                 sa.column("action", sa.String), sa.column("object_type", sa.String),
                 sa.column("object_id", sa.String), sa.column("before", sa.JSON), sa.column("after", sa.JSON))


def _normalise_emails(conn) -> None:
    rows = conn.execute(sa.select(user.c.id, user.c.email).order_by(user.c.id)).all()
    taken = {email: uid for uid, email in rows}
    for uid, email in rows:
        normal = normalise_email(email)
        if normal == email:
            continue
        owner = taken.get(normal)
        if owner is not None and owner != uid:
            print(f"i19a: account {uid} ({email!r}) normalises to {normal!r}, held by account {owner}; left as is")
            continue
        conn.execute(user.update().where(user.c.id == uid).values(email=normal))
        taken.pop(email, None)
        taken[normal] = uid


def _deduplicate_npis(conn) -> None:
    now = datetime.now(timezone.utc)
    rows = conn.execute(sa.select(user.c.id, user.c.npi, user.c.email_verified_at).where(user.c.npi.is_not(None))
                        .order_by(user.c.id)).all()
    by_npi: dict[str, list] = {}
    for row in rows:
        by_npi.setdefault(row.npi, []).append(row)
    for npi, holders in by_npi.items():
        if len(holders) < 2:
            continue
        keeper = next((h for h in holders if h.email_verified_at is not None), holders[0])
        for h in holders:
            if h.id == keeper.id:
                continue
            conn.execute(user.update().where(user.c.id == h.id).values(npi=None))
            conn.execute(audit.insert().values(created_at=now, actor_id=None, action="profile.npi_duplicate_removed",
                                               object_type="user", object_id=str(h.id), before={"npi": npi},
                                               after={"npi": None, "kept_by_user_id": keeper.id}))
            print(f"i19a: NPI {npi} removed from account {h.id}, kept by account {keeper.id}")


def _clean_names(conn) -> None:
    rows = conn.execute(sa.select(user.c.id, user.c.first_name, user.c.last_name, user.c.credentials)).all()
    for row in rows:
        cleaned = {k: clean_text(getattr(row, k)) for k in ("first_name", "last_name", "credentials")}
        if any(cleaned[k] != getattr(row, k) for k in cleaned):
            conn.execute(user.update().where(user.c.id == row.id).values(**cleaned))


def upgrade():
    conn = op.get_bind()
    _normalise_emails(conn)
    _deduplicate_npis(conn)
    _clean_names(conn)
    with op.batch_alter_table("user") as batch:
        batch.create_unique_constraint("uq_user_npi", ["npi"])


def downgrade():
    # Normalised emails, removed duplicate NPIs and cleaned names are not restored (the audit log keeps the NPIs).
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint("uq_user_npi", type_="unique")

