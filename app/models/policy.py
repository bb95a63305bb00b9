"""The store's policies (terms, privacy, refunds), written by the seller in Markdown.

Every save is a new version (1, 2, …) and no version is ever changed, so an order can
name the versions its buyer was shown at checkout and they can still be read.
"""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow

#: The policies, by the key used in URLs, forms and order columns, with their titles.
POLICY_KINDS = {"terms": "Terms of sale", "privacy": "Privacy policy",
                "refund": "Refund policy"}


class PolicyVersion(db.Model):
    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_policy_kind_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def title(self):
        return POLICY_KINDS[self.kind]

    def __repr__(self):
        return f"<PolicyVersion {self.kind} v{self.version}>"
