"""One lesson of a course: its place in the syllabus, a Markdown body, optional links."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow

TITLE_MAX = 200
URL_MAX = 500


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        # One lesson per place; reordering rewrites positions under a lock on the course.
        UniqueConstraint("course_id", "position", name="uq_lessons_course_position"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    download_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    #: A free preview: anyone may open it, without buying the course.
    free_preview: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def __repr__(self):
        return f"<Lesson {self.course_id}#{self.position} {self.title!r}>"
