from __future__ import annotations

from lms import mail
from lms.extensions import db
from lms.orgs.models import Invitation
from lms.security import external_url


def send_invitation_email(invitation_id: int, token: str) -> None:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return
    link = external_url("orgs.accept_invitation", token=token)
    mail.send(invitation.email, f"You are invited to join {invitation.org.name} on Continuum", "invitation",
              invitation=invitation, link=link)
