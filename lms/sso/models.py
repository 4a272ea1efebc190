"""An organisation's identity provider, the email domains it answers for, and who it has signed in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.orgs.models import Organisation
from lms.types import UTCDateTime, utcnow
from lms.users.models import User

PROTOCOLS = {"oidc": "OpenID Connect", "saml": "SAML 2.0"}
# Just-in-time members never start above educator: managers are made by managers.
JIT_ROLES = {"member": "Member", "educator": "Educator"}


class SsoConnection(db.Model):
    """One identity provider per organisation."""

    __tablename__ = "sso_connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    protocol: Mapped[str] = mapped_column(String(10), default="oidc")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Password sign-in is refused for addresses in the claimed domains.
    require_sso: Mapped[bool] = mapped_column(Boolean, default=False)
    default_role: Mapped[str] = mapped_column(String(20), default="member")
    job_title_claim: Mapped[str] = mapped_column(String(120), default="job_title")
    # OpenID Connect
    issuer: Mapped[str] = mapped_column(String(500), default="")
    client_id: Mapped[str] = mapped_column(String(255), default="")
    # Encrypted with a key derived from SECRET_KEY (lms.sso.secrets): a database leak alone yields nothing.
    client_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    discovery: Mapped[dict | None] = mapped_column(JSON)
    discovery_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    jwks: Mapped[dict | None] = mapped_column(JSON)
    jwks_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SAML 2.0
    idp_metadata_xml: Mapped[str] = mapped_column(Text, default="")
    idp_entity_id: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    org: Mapped[Organisation] = relationship()
    domains: Mapped[list["SsoDomain"]] = relationship(back_populates="connection", cascade="all, delete-orphan",
                                                      order_by="SsoDomain.domain")

    @property
    def protocol_label(self) -> str:
        return PROTOCOLS.get(self.protocol, self.protocol)

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains]


class SsoDomain(db.Model):
    """An email domain claimed by one organisation (never two)."""

    __tablename__ = "sso_domain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("sso_connection.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    connection: Mapped[SsoConnection] = relationship(back_populates="domains")


class SsoIdentity(db.Model):
    """A person at an identity provider (its stable subject), linked to one account."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("connection_id", "subject"), UniqueConstraint("connection_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("sso_connection.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SamlRequest(db.Model):
    """An AuthnRequest we sent: a response must answer one (InResponseTo), once."""

    __tablename__ = "saml_request"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("sso_connection.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SamlAssertionSeen(db.Model):
    """Assertion IDs already accepted, kept until they expire, so a replayed response is refused."""

    __tablename__ = "saml_assertion_seen"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("sso_connection.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
