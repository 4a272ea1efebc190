"""Emails are branded and render in mail clients: an HTML part laid out with tables and inline styles,
the organisation's (or the product's) name at the top, nothing loaded from elsewhere, and always a
plain-text part saying the same."""

from __future__ import annotations

import re

from tests.credits.conftest import acts  # noqa: F401  (the stand-in activity provider)
from tests.factories import make_member, make_org, make_user


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def assert_mail_client_safe(html: str) -> None:
    assert '<table role="presentation"' in html
    assert "<img" not in html and "<link" not in html and "<script" not in html and "<style" not in html
    assert not re.search(r"""(src|background)=["']?https?:""", html)  # no external images
    assert "url(" not in html
    assert 'class="button" style="display:inline-block;background:#0b5563;' in html
    for tag in re.findall(r"<(?:p|a|ul|li)\b[^>]*>", html):
        assert "style=" in tag, tag  # every text block styled inline


def test_password_reset_mail_is_branded_with_a_text_alternative(client, outbox, db):
    user = make_user(email="nia@example.org", first_name="Nia")
    assert client.post("/auth/password/forgot", {"email": user.email}).status_code == 302
    (message,) = outbox.messages
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert_mail_client_safe(html)
    assert ">\n        Continuum" in html or "Continuum</td>" in html or "Continuum<" in html
    link = re.search(r'href="(https://continuum\.example\.org/auth/[^"]+)">Choose a new password', html).group(1)
    assert link in text and "Hello Nia" in text and "Hello Nia" in html


def test_an_invitation_carries_the_organisations_name(make_client, outbox, db):
    org = make_org(name="Riverside Family Practice")
    manager = make_member(org, role="manager").user
    browser = make_client().login(manager)
    assert browser.post(f"/orgs/{org.id}/invitations", {"email": "new.hire@example.org", "role": "member"}
                        ).status_code == 302
    message = outbox.messages[-1]
    text, html = parts(message)
    assert_mail_client_safe(html)
    header = html[html.index('background:#0b5563;border-radius:8px 8px 0 0'):]
    assert header.split("</td>")[0].count("Riverside Family Practice") == 1
    assert "Sent by Continuum for Riverside Family Practice" in html
    assert "Riverside Family Practice" in text and "Accept the invitation" in html
    assert "as a member of staff" in text and "as a member of staff" in html  # the role in words


def test_a_certificate_ready_mail_names_the_provider(db, outbox, acts):  # noqa: F811
    from decimal import Decimal

    from lms.certificates import jobs, services
    from lms.credits import services as credits
    from tests.credits.conftest import NOW

    org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
    learner = make_user(first_name="Priya", last_name="Raman", profession="physician_md")
    info = acts.add(org=org, designations={"ama_pra_1": Decimal("1")})
    acts.complete(learner, info)
    credits.claim_credit(learner, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    certificate = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    outbox.clear()
    jobs.send_certificate(certificate)
    message = outbox.messages[-1]
    text, html = parts(message)
    assert_mail_client_safe(html)
    assert "Northbridge CME Institute" in html and certificate.code in text and certificate.code in html
    assert [p.get_filename() for p in message.iter_attachments()] == [certificate.filename]
