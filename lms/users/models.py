"""User accounts and the identifiers accreditors ask for."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

# Professions decide credit eligibility (AMA PRA Category 1 is for MD/DO only).
PROFESSIONS = {
    "physician_md": "Physician (MD)",
    "physician_do": "Physician (DO)",
    "nurse": "Nurse",
    "nurse_practitioner": "Nurse practitioner",
    "pharmacist": "Pharmacist",
    "pharmacy_technician": "Pharmacy technician",
    "physician_assistant": "Physician assistant",
    "other": "Other health professional or staff",
}
PHYSICIAN_PROFESSIONS = frozenset({"physician_md", "physician_do"})


def new_session_nonce() -> str:
    return secrets.token_hex(16)


def full_name_of(first_name: str, last_name: str, email: str) -> str:
    """A person's name as pages show it (``User.full_name``), from plain columns."""
    return f"{first_name} {last_name}".strip() or email


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("birth_month IS NULL OR (birth_month BETWEEN 1 AND 12)", name="birth_month_range"),
        CheckConstraint("birth_day IS NULL OR (birth_day BETWEEN 1 AND 31)", name="birth_day_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    credentials: Mapped[str] = mapped_column(String(120), default="")
    profession: Mapped[str] = mapped_column(String(32), default="other")
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)  # one person per NPI (migration i19a)
    nabp_eprofile_id: Mapped[str | None] = mapped_column(String(16))
    # Month and day only: accreditors (PARS, CPE Monitor) never need the year.
    birth_month: Mapped[int | None] = mapped_column(SmallInteger)
    birth_day: Mapped[int | None] = mapped_column(SmallInteger)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    consent_to_report: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of every session cookie; rotating it invalidates every earlier cookie.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    licences: Mapped[list["Licence"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Licence.state"
    )
    board_certifications: Mapped[list["BoardCertification"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="BoardCertification.board"
    )

    # The open sign-in session this object was loaded for (``lms.sessions``); not a column.
    session_token = None  # type: str | None

    def get_id(self) -> str:
        # "<id>.<nonce>.<session token>": the nonce voids every cookie at once (password change),
        # the token names one server-side session that can be ended on its own.
        return f"{self.id}.{self.session_nonce}.{self.session_token or ''}"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and self.anonymised_at is None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def full_name(self) -> str:
        return full_name_of(self.first_name, self.last_name, self.email)

    @property
    def display_name(self) -> str:
        return f"{self.full_name}, {self.credentials}" if self.credentials else self.full_name

    @property
    def profession_label(self) -> str:
        return PROFESSIONS.get(self.profession, self.profession)

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Licence(db.Model):
    __tablename__ = "licence"
    __table_args__ = (UniqueConstraint("user_id", "state", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(40))
    expires_on: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(back_populates="licences")


class BoardCertification(db.Model):
    __tablename__ = "board_certification"
    __table_args__ = (UniqueConstraint("user_id", "board"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    board: Mapped[str] = mapped_column(String(80))
    diplomate_id: Mapped[str] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="board_certifications")
