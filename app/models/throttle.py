"""Failure counters per key, for slowing down guessing (sign-ins, card testing)."""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class Throttle(db.Model):
    """Failures of one key ("email:x", "ip:y", "checkout-ip:z") in the current window."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self):
        return f"<Throttle {self.key} {self.failures}>"
