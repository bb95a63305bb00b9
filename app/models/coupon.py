"""Coupons (promotion codes) and their redemptions, one per order that used a code.

A coupon takes a percentage or a fixed amount (in one currency) off the list price of
the courses it applies to (or all). `redemptions` counts the orders holding a use of it:
the order's placement takes a use with a conditional UPDATE (never past
`max_redemptions`), and the lifecycle gives it back when the order fails (see
app/orders/redemptions.py). The price itself is decided in app/pricing.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

coupon_courses = Table(
    "coupon_courses",
    db.metadata,
    Column("coupon_id", ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
)


class Coupon(db.Model):
    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint(
            "(percent_off IS NULL) != (amount_off IS NULL)", name="percent_or_amount"),
        CheckConstraint("percent_off IS NULL OR (percent_off >= 1 AND percent_off <= 100)",
                        name="percent_range"),
        CheckConstraint("amount_off IS NULL OR (amount_off > 0 AND currency IS NOT NULL)",
                        name="amount_with_currency"),
        CheckConstraint("redemptions >= 0", name="redemptions_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Upper-case (codes are matched whatever case the buyer types).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    #: Minor units of `currency`; the code applies only to courses priced in it.
    amount_off: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    #: True: every course; False: only `courses`.
    all_courses: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    max_redemptions: Mapped[int | None] = mapped_column(Integer)
    max_per_buyer: Mapped[int | None] = mapped_column(Integer)
    #: Orders holding a use of the code now (placed, not failed).
    redemptions: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    courses = relationship("Course", secondary=coupon_courses, lazy="selectin",
                           order_by="Course.slug")

    def __repr__(self):
        return f"<Coupon {self.code} {self.redemptions}/{self.max_redemptions}>"


class CouponRedemption(db.Model):
    """One order's use of a coupon; `released_at` is set when the use was given back
    (the order failed or was abandoned)."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        Index("ix_coupon_redemptions_coupon_email", "coupon_id", "email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    discount_amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    coupon = relationship("Coupon", lazy="joined")

    def __repr__(self):
        return f"<CouponRedemption {self.coupon_id} order {self.order_id}>"
