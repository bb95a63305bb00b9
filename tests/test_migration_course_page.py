"""The course-page migration on real rows: courses and lessons written before it stay
published, with empty page fields and no free previews; the downgrade removes the columns
and tables again, keeping the courses. Runs on SQLite, and on PostgreSQL when
TEST_MIGRATION_DATABASE_URL is set."""

import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from config import TestConfig

BEFORE = "c4e8a1f09d37"  # the head before drafts and the course page
REVISION = "c4f1a8e2d9b3"


def test_courses_from_before_stay_published(tmp_path):
    url = os.environ.get("TEST_MIGRATION_DATABASE_URL") or f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            for table in ("lesson_progress", "images"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO courses (slug, title, description, price_minor, currency, "
                "active, created_at, updated_at) VALUES ('old', 'Old', '', 6900, 'usd', "
                ":yes, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), ('gone', 'Gone', '', 100, "
                "'usd', :no, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"yes": True, "no": False})
            conn.execute(text(
                "INSERT INTO lessons (course_id, position, title, body, created_at, "
                "updated_at) SELECT id, 1, 'One', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
                "FROM courses WHERE slug = 'old'"))
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT slug, active, published, teacher_name, learning_points, cover_key "
                "FROM courses ORDER BY slug")).all()
            previews = conn.execute(text("SELECT free_preview FROM lessons")).scalars().all()
        assert [tuple(r) for r in rows] == [("gone", False, True, "", "", None),
                                            ("old", True, True, "", "", None)]
        assert previews == [False]
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in inspect(db.engine).get_columns("courses")}
        assert "published" not in columns and "cover_key" not in columns
        assert {"images", "lesson_progress"}.isdisjoint(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM courses")).scalar() == 2
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()
