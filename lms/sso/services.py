"""Single sign-on rules as plain functions: settings, domains, account linking, just-in-time membership.

Linking is by verified email only, and only for addresses in the organisation's claimed domains;
an identity once linked is found again by its stable subject. Every refusal is an ``SsoError``
whose text is safe to show, raised before anything is written or inside the request's one
transaction (rolled back), so a refused sign-in leaves nothing half-made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.audit.services import record
from lms.extensions import db
from lms.orgs.models import Membership, Organisation
from lms.sso.models import JIT_ROLES, PROTOCOLS, SsoConnection, SsoDomain, SsoIdentity
from lms.users.models import User

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Nobody may claim a mailbox provider's domain: its addresses belong to the public, not an organisation.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
    "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net",
    "mail.com", "yandex.com", "zoho.com", "fastmail.com", "hey.com", "example.com",
})


class SsoError(Exception):
    """``str(exc)`` is safe to show; ``reason`` is the short code for the audit log."""

    def __init__(self, message: str, reason: str = "refused"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SsoSettings:
    protocol: str
    enabled: bool
    require_sso: bool
    domains: tuple[str, ...]
    default_role: str = "member"
    job_title_claim: str = "job_title"
    issuer: str = ""
    client_id: str = ""
    client_secret: str | None = None  # None keeps the stored one
    idp_metadata_xml: str | None = None  # None keeps the stored one


@dataclass(frozen=True)
class Claims:
    """What an identity provider says about the person, from an ID token or a SAML assertion."""

    subject: str
    email: str
    email_verified: bool
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""


def email_domain(email: str) -> str:
    return (email or "").strip().lower().rpartition("@")[2]


def parse_domains(text: str) -> tuple[str, ...]:
    """Domains from free text (commas, spaces or lines), lower-cased, each checked."""
    domains = []
    for raw in re.split(r"[\s,;]+", (text or "").strip().lower()):
        if not raw:
            continue
        domain = raw.lstrip("@").rstrip(".")
        if not _DOMAIN.match(domain):
            raise SsoError(f"“{raw[:60]}” is not an email domain such as hospital.org.", "bad-domain")
        if domain in PUBLIC_MAIL_DOMAINS:
            raise SsoError(f"{domain} is a public mail service: its addresses are not your organisation's.",
                           "public-domain")
        if domain not in domains:
            domains.append(domain)
    if len(domains) > 20:
        raise SsoError("Claim at most 20 domains.", "too-many-domains")
    return tuple(domains)


def connection_for_org(org: Organisation) -> SsoConnection | None:
    return db.session.scalar(select(SsoConnection).where(SsoConnection.org_id == org.id))


def connection_for_email(email: str) -> SsoConnection | None:
    """The enabled identity provider that answers for this address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    return db.session.scalar(select(SsoConnection).join(SsoDomain).where(
        SsoDomain.domain == domain, SsoConnection.enabled.is_(True)))


def save_settings(actor: User, org: Organisation, data: SsoSettings, *, now: datetime, secret_key: str,
                  ip: str | None = None) -> SsoConnection:
    """Create or change the organisation's identity provider (its managers and site administrators).

    A domain can be claimed by one organisation only, and only by someone who holds a verified
    address in it (or a site administrator): otherwise a manager could take over another
    organisation's accounts by claiming its domain."""
    from lms.secretbox import encrypt

    if data.protocol not in PROTOCOLS:
        raise SsoError("Choose OpenID Connect or SAML 2.0.", "bad-protocol")
    if data.default_role not in JIT_ROLES:
        raise SsoError("New members may start as members or educators only.", "bad-role")
    conn = connection_for_org(org)
    if conn is None:
        conn = SsoConnection(org_id=org.id, created_at=now)
        db.session.add(conn)
    before = _snapshot(conn) if conn.id else None
    own_domain = email_domain(actor.email) if actor.is_verified else None
    current = set(conn.domain_names)
    for domain in data.domains:
        if domain in current:
            continue
        if not actor.is_admin and domain != own_domain:
            raise SsoError(f"You can claim {domain} only with a verified address at it; ask a site "
                           "administrator to claim it for you.", "domain-not-yours")
        taken = db.session.scalar(select(SsoDomain).where(SsoDomain.domain == domain))
        if taken is not None and taken.connection_id != conn.id:
            raise SsoError(f"{domain} is already claimed by another organisation.", "domain-taken")
    conn.domains = [d for d in conn.domains if d.domain in data.domains] + [
        SsoDomain(domain=d) for d in data.domains if d not in current]
    conn.protocol, conn.enabled, conn.require_sso = data.protocol, data.enabled, data.require_sso
    conn.default_role = data.default_role
    conn.job_title_claim = (data.job_title_claim or "").strip()[:120]
    if conn.issuer != data.issuer.strip() or conn.client_id != data.client_id.strip():
        conn.discovery = conn.jwks = conn.discovery_fetched_at = conn.jwks_fetched_at = None
    conn.issuer, conn.client_id = data.issuer.strip(), data.client_id.strip()
    if data.client_secret:
        conn.client_secret_encrypted = encrypt(secret_key, data.client_secret)
    if data.idp_metadata_xml is not None:
        from lms.sso.saml import SamlError, idp_entity_id

        try:
            conn.idp_entity_id = idp_entity_id(data.idp_metadata_xml) if data.idp_metadata_xml else ""
        except SamlError as exc:
            raise SsoError(str(exc), exc.reason) from None
        conn.idp_metadata_xml = data.idp_metadata_xml
    if data.enabled:
        _check_complete(conn)
    conn.updated_at = now
    db.session.flush()
    record(actor, "sso.settings", conn, now=now, before=before, after=_snapshot(conn), org_id=org.id, ip=ip)
    return conn


def _check_complete(conn: SsoConnection) -> None:
    if not conn.domains:
        raise SsoError("Claim at least one email domain before turning single sign-on on.", "no-domains")
    if conn.protocol == "oidc" and not (conn.issuer and conn.client_id and conn.client_secret_encrypted):
        raise SsoError("OpenID Connect needs the issuer, client ID and client secret.", "incomplete")
    if conn.protocol == "saml" and not conn.idp_metadata_xml:
        raise SsoError("SAML needs the identity provider's metadata.", "incomplete")


def _snapshot(conn: SsoConnection) -> dict:
    # Never the secret itself.
    return {"protocol": conn.protocol, "enabled": conn.enabled, "require_sso": conn.require_sso,
            "domains": list(conn.domain_names), "default_role": conn.default_role,
            "job_title_claim": conn.job_title_claim, "issuer": conn.issuer, "client_id": conn.client_id,
            "idp_entity_id": conn.idp_entity_id}


def password_refusal(_sender=None, *, email: str) -> str | None:
    """Receiver of ``password_sign_in_requested``: why a password may not be used, or None.

    Site administrators keep their password, so an identity provider outage cannot lock everyone out."""
    conn = connection_for_email(email)
    if conn is None or not conn.require_sso:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is not None and user.is_admin:
        return None
    return (f"{conn.org.name} signs in {email_domain(email)} addresses through its identity provider. "
            "Use “Sign in with your organisation”.")


def sign_in_from_claims(conn: SsoConnection, claims: Claims, *, now: datetime) -> User:
    """The account for an identity the provider vouched for, linked or made just in time."""
    if not conn.enabled:
        raise SsoError("Single sign-on is turned off for this organisation.", "disabled")
    if not claims.subject:
        raise SsoError("The identity provider did not say who you are (no subject).", "no-subject")
    identity = db.session.scalar(select(SsoIdentity).where(
        SsoIdentity.connection_id == conn.id, SsoIdentity.subject == claims.subject[:255]))
    if identity is not None:
        user = identity.user
    else:
        user = _link_by_email(conn, claims, now=now)
        identity = SsoIdentity(connection_id=conn.id, subject=claims.subject[:255], user=user, created_at=now)
        db.session.add(identity)
    if not user.is_active:
        raise SsoError("This account is disabled. Ask your organisation's manager.", "account-disabled")
    _ensure_membership(conn, user, claims, now=now)
    identity.last_sign_in_at = now
    db.session.flush()
    return user


def _link_by_email(conn: SsoConnection, claims: Claims, *, now: datetime) -> User:
    email = (claims.email or "").strip().lower()
    if not email or "@" not in email:
        raise SsoError("The identity provider sent no email address, so we cannot find your account.", "no-email")
    if claims.email_verified is not True:
        raise SsoError("The identity provider has not verified your email address, so we cannot link it to "
                       "an account.", "email-unverified")
    if email_domain(email) not in conn.domain_names:
        raise SsoError(f"{conn.org.name} does not sign in addresses at {email_domain(email)}.", "domain-not-claimed")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = User(email=email, password_hash=None, email_verified_at=now, first_name=claims.first_name[:100],
                    last_name=claims.last_name[:100], profession="other", created_at=now)
        db.session.add(user)
        db.session.flush()
        record(None, "account.create_sso", user, now=now, after={"connection": conn.id}, org_id=conn.org_id)
    else:
        other = db.session.scalar(select(SsoIdentity).where(SsoIdentity.connection_id == conn.id,
                                                            SsoIdentity.user_id == user.id))
        if other is not None:
            raise SsoError("This account is already linked to another identity at your organisation's "
                           "identity provider. Ask your IT team.", "linked-elsewhere")
        if user.email_verified_at is None:
            user.email_verified_at = now  # the provider vouched for the address
    return user


def _ensure_membership(conn: SsoConnection, user: User, claims: Claims, *, now: datetime) -> Membership:
    membership = db.session.scalar(select(Membership).where(Membership.org_id == conn.org_id,
                                                            Membership.user_id == user.id))
    title = (claims.job_title or "").strip()[:120]
    if membership is None:
        membership = Membership(org_id=conn.org_id, user_id=user.id, role=conn.default_role,
                                job_title=title, created_at=now)
        db.session.add(membership)
        db.session.flush()
        record(None, "membership.create_sso", membership, now=now, after={"role": conn.default_role,
                                                                          "job_title": title}, org_id=conn.org_id)
    elif not membership.is_active:
        # A leaver stays a leaver: single sign-on does not bring a deactivated member back.
        raise SsoError(f"Your membership of {conn.org.name} has ended. Ask its manager.", "membership-ended")
    elif title and membership.job_title != title:
        membership.job_title = title
    return membership
