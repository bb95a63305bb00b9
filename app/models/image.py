"""Images uploaded in the admin (course covers, pictures in lessons), stored re-encoded.

An upload is decoded and re-encoded (app/catalog/images.py); what is stored is only the
re-encoded file, one row per width. Rows of one upload share a random `key`, which is in
the image's address, so a new upload gets a new address and each address can be cached
for ever.
"""

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class Image(db.Model):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("key", "width", name="uq_images_key_width"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), index=True)
    #: The course it was uploaded for ("cover" or "lesson").
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self):
        return f"<Image {self.kind} {self.key} {self.width}x{self.height}>"
