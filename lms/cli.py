"""``flask lms ...`` commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from lms import unit_of_work

lms_cli = AppGroup("lms", help="Continuum administration commands.")


@lms_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--first-name", prompt=True)
@click.option("--last-name", prompt=True)
@click.password_option()
def create_admin(email: str, first_name: str, last_name: str, password: str) -> None:
    """Create a verified site administrator (or promote an existing account)."""
    from lms.auth import services as auth
    from lms.types import utcnow

    now = utcnow()
    user = auth.get_user_by_email(email)
    try:
        if user is None:
            user = auth.register(email=email, password=password, first_name=first_name, last_name=last_name,
                                 profession="other", now=now)
    except auth.AuthError as exc:
        raise click.ClickException(str(exc)) from None
    user.is_admin = True
    user.email_verified_at = user.email_verified_at or now
    unit_of_work.commit()
    click.echo(f"{user.email} is a site administrator.")


@lms_cli.command("seed-demo")
def seed_demo() -> None:
    """Fill an empty database with a believable demo and print the logins (safe to run twice)."""
    from lms.demo import DEMO_PASSWORD, seed

    accounts = seed()
    unit_of_work.commit()
    click.echo("")
    click.echo("Continuum demo logins (password for all: %s)" % DEMO_PASSWORD)
    width = max(len(email) for email, _ in accounts)
    for email, role in accounts:
        click.echo(f"  {email.ljust(width)}  {role}")
    click.echo(f"\nOpen {current_app.config['PUBLIC_URL']}/ and log in.\n")


@lms_cli.command("send-reminders")
def send_reminders() -> None:
    """Send the reminders that are due today. Run it daily from cron; a second run the same day sends nothing."""
    from lms.signals import daily
    from lms.types import utcnow

    for _receiver, line in daily.send(current_app._get_current_object(), now=utcnow()):
        unit_of_work.commit()
        click.echo(line)

