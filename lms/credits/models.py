"""Credit types as data: each carries the rules an accreditor sets for it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class CreditType(db.Model):
    """A kind of credit (AMA PRA Category 1, ANCC contact hours, ...). Rows are seeded by migrations."""

    __tablename__ = "credit_type"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))  # "credits", "contact hours", "points"
    # Claims are whole multiples of this (AMA: 0.25, i.e. 15 minutes).
    increment: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    # Professions that may claim it; an empty list means every profession.
    professions: Mapped[list] = mapped_column(JSON, default=list)
    self_claimed: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_uan: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_nabp: Mapped[bool] = mapped_column(Boolean, default=False)
    statement: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def is_eligible(self, profession: str) -> bool:
        return not self.professions or profession in self.professions
