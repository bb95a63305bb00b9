"""Migrations: one head, upgrade and downgrade on an empty database, models in sync."""

import os

from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from config import BASE_DIR, TestConfig


def test_single_head():
    """Every revision chains to one head."""
    config = AlembicConfig(str(BASE_DIR / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(BASE_DIR / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_matches_models_and_downgrade_empties(tmp_path):
    """On an empty database, upgrade builds exactly the models' schema; downgrade removes it."""
    url = os.environ.get("TEST_MIGRATION_DATABASE_URL") or f"sqlite:///{tmp_path / 'm.db'}"
    fresh = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url))
    with fresh.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.session.remove()
        db.engine.dispose()
