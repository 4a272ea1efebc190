"""Email: SMTP when ``MAIL_SERVER`` is set, else the log and ``instance/outbox``."""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

log = logging.getLogger(__name__)


# Mail clients drop <style> blocks and class names: the few elements the templates use get inline styles.
_INLINE = [
    (re.compile(r'<p style="([^"]*)">'), r'<p style="margin:0 0 16px;\1">'),
    (re.compile(r"<p>"), '<p style="margin:0 0 16px;">'),
    (re.compile(r'<a class="button" href="'), '<a class="button" style="display:inline-block;background:#0b5563;'
     'color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 20px;border-radius:6px;" href="'),
    (re.compile(r'<a href="'), '<a style="color:#0b5563;text-decoration:underline;" href="'),
    (re.compile(r"<ul>"), '<ul style="margin:0 0 16px;padding-left:22px;">'),
    (re.compile(r"<li>"), '<li style="margin:0 0 4px;">'),
]


def inline_styles(html: str) -> str:
    for pattern, replacement in _INLINE:
        html = pattern.sub(replacement, html)
    return html


def build_message(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render ``templates/emails/<template>.txt`` and ``.html`` into one message."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="continuum.local")
    msg.set_content(render_template(f"emails/{template}.txt", **context))
    msg.add_alternative(inline_styles(render_template(f"emails/{template}.html", **context)), subtype="html")
    return msg


def deliver(msg: EmailMessage) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(msg)
        return
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(msg))
    log.info("mail to %s: %s (written to %s)", msg["To"], msg["Subject"], path)


def send(to: str, subject: str, template: str, **context) -> None:
    deliver(build_message(to, subject, template, **context))


def send_with_attachments(to: str, subject: str, template: str, attachments=(), reply_to: str | None = None,
                          **context) -> None:
    """``send`` plus attachments: ``(filename, data: bytes, "maintype/subtype", {param: value})`` each.

    A calendar invitation is ``("invite.ics", ics, "text/calendar", {"method": "REQUEST"})``;
    ``reply_to`` sends replies to a person (the meeting's organiser) rather than the sending address.
    """
    msg = build_message(to, subject, template, **context)
    if reply_to:
        msg["Reply-To"] = reply_to
    for filename, data, content_type, params in attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=dict(params or {}))
    deliver(msg)
