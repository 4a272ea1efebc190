"""``flask lms create-token``: a personal access token for scripts, printed once."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from lms import unit_of_work
from lms.api import tokens
from lms.extensions import db
from lms.types import utcnow
from lms.users.models import User


@click.command("create-token")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--scopes", required=True, help=f"Comma-separated, from: {', '.join(tokens.SCOPES)}.")
@click.option("--name", default="Command-line token", show_default=True)
@click.option("--days", default=tokens.DEFAULT_DAYS, show_default=True, type=int, help="Lifetime in days.")
def create_token_command(email: str, scopes: str, name: str, days: int) -> None:
    """Make a personal access token and print it (it is shown once; only its hash is kept)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_active:
        raise click.ClickException(f"No active account with the email {email}.")
    try:
        made = tokens.create_personal_token(user, name=name, scopes=scopes, now=utcnow(), days=days)
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc))
    unit_of_work.commit()
    click.echo(made.secret)
