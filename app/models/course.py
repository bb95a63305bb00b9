"""A course for sale (priced 0: free enrolment, no payment)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow

TEACHER_NAME_MAX = 120
COVER_ALT_MAX = 300


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    #: A draft (False) is seen by admins only: not in the catalog, its page a 404 to
    #: buyers, its checkout refused. Courses from before drafts existed are published.
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: Who teaches it, shown on the course page (both optional).
    teacher_name: Mapped[str] = mapped_column(String(TEACHER_NAME_MAX), default="",
                                              server_default="")
    teacher_bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: "What you will learn": one point per line.
    learning_points: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The cover image: the key of its renditions in `images` (None: no cover), and its
    #: alt text.
    cover_key: Mapped[str | None] = mapped_column(String(32))
    cover_alt: Mapped[str] = mapped_column(String(COVER_ALT_MAX), default="",
                                           server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def __repr__(self):
        return f"<Course {self.slug} {self.price_minor} {self.currency}>"

    @property
    def on_sale(self):
        """Published and not archived: the checkout takes orders for it."""
        return self.active and self.published

    @property
    def points(self):
        """The "what you will learn" points, in order."""
        return [line.strip() for line in (self.learning_points or "").splitlines()
                if line.strip()]
