"""Mail sent after a roster import: a welcome (set your password) to new accounts, a notice to existing ones."""

from __future__ import annotations

from lms import mail
from lms.auth.services import reset_token
from lms.extensions import db
from lms.orgs.models import Organisation
from lms.security import external_url
from lms.training.models import RosterImport
from lms.users.models import User


def send_roster_emails(import_id: int, actor_id: int) -> None:
    imp = db.session.get(RosterImport, import_id)
    if imp is None or not imp.summary:
        return
    org = db.session.get(Organisation, imp.org_id)
    actor = db.session.get(User, actor_id)
    login = external_url("auth.login")
    forgot = external_url("auth.forgot_password")
    for user_id in imp.summary.get("created_user_ids", []):
        user = db.session.get(User, user_id)
        if user is None or not user.is_active or user.password_hash:
            continue
        mail.send(user.email, f"{org.name} added you to Continuum: set your password", "training_welcome",
                  user=user, org=org, actor=actor, link=external_url("auth.reset_password", token=reset_token(user)),
                  forgot=forgot, login=login)
    for user_id in imp.summary.get("added_user_ids", []):
        user = db.session.get(User, user_id)
        if user is None or not user.is_active:
            continue
        mail.send(user.email, f"You were added to {org.name} on Continuum", "training_added", user=user, org=org,
                  actor=actor, login=login, link=external_url("training.mine"))
