"""PostgreSQL roles: the owner migrates, the application only reads and writes rows.

The owner role (the one ``flask db upgrade`` connects as) owns every table, sequence and trigger.
The application's role gets what a request needs and no more: SELECT, INSERT, UPDATE, DELETE on
ordinary tables, but only SELECT and INSERT on the regulated, append-only records (the credit
ledger, the completion history, the audit log, the certificate template versions issued
certificates name), and never TRUNCATE, DDL or trigger changes. The
triggers added by the migrations refuse UPDATE and DELETE on those tables for every role too; the
grants mean even a compromised application cannot disable them or rewrite history.

``grant_app_role`` is idempotent: run ``flask lms grant-app-role ROLE`` as the owner after each
``flask db upgrade``. Default privileges cover tables a later migration adds before then.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

APPEND_ONLY_TABLES = ("credit_entry", "course_completion", "audit_event", "certificate_template_version")
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _quoted(role: str) -> str:
    if not _ROLE.match(role):
        raise ValueError(f"not a plain role name: {role!r}")
    return f'"{role}"'


def grant_app_role(conn: Connection, role: str, *, schema: str = "public") -> None:
    """Give ``role`` the application's privileges on everything the connected (owner) role owns."""
    app, owner = _quoted(role), _quoted(conn.execute(text("SELECT current_user")).scalar_one())
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {app}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]
    present = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}).scalars())
    for table in APPEND_ONLY_TABLES:
        if table in present:
            statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{table} FROM {app}")
    for statement in statements:
        conn.execute(text(statement))


def create_roles(conn: Connection, owner: str, app: str) -> None:
    """Create the two login roles if missing (CI and local set-up; production creates them its own way)."""
    for role in (owner, app):
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
        if not exists:
            conn.execute(text(f"CREATE ROLE {_quoted(role)} LOGIN"))
