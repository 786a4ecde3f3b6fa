"""The migrations create exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from widgetserver.core import migrate
from widgetserver.core.db import db
from widgetserver.models import Base


def test_the_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert migrate.current_revision(connection) == migrate.head_revision()


def test_upgrading_an_up_to_date_database_changes_nothing(app):
    with app.app_context():
        before, after = migrate.upgrade(db.engine)
    assert before == after == migrate.head_revision()
