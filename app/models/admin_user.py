"""Admin accounts."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class AdminUser(UserMixin, db.Model):
    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Part of the id stored in each session; bumping it (sign-out, new password)
    #: revokes every session signed in before.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def get_id(self):
        """Flask-Login's session id: '<id>:<session_version>'."""
        return f"{self.id}:{self.session_version}"

    def revoke_sessions(self):
        """Make every existing session of this admin invalid (the caller commits)."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self):
        return f"<AdminUser {self.email}>"
