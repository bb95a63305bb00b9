"""Which lessons a buyer has opened: one row per buyer and lesson."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("buyer_id", "lesson_id", name="uq_lesson_progress_buyer_lesson"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           index=True)
    first_opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                      default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                     default=utcnow)

    def __repr__(self):
        return f"<LessonProgress buyer {self.buyer_id} lesson {self.lesson_id}>"
