"""The migrations create exactly the schema the models describe, on both databases."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from widgetserver.core import migrate
from widgetserver.core.db import db
from widgetserver.models import Base, Event

from ..conftest import make_referral


def test_the_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert migrate.current_revision(connection) == migrate.head_revision()


def test_upgrading_an_up_to_date_database_changes_nothing(app):
    with app.app_context():
        before, after = migrate.upgrade(db.engine)
    assert before == after == migrate.head_revision()


def test_events_get_their_page_and_share_link_as_ingest_sets_them(app, clock, site, browser):
    """0009 fills in ``page`` and ``from_share`` of stored events from their codes: a visit
    through a code gets the code's page where it differs from its own product or URL."""
    make_referral(app, site, "ref00001", "customer-1", clock)
    browser.share("mig00001", "email", product="MUG-1")
    browser.share("mig00002", "x")  # no product: the page is the URL
    browser.share("mig00003", "email", parent="mig00001")  # a share after arriving by one
    browser.visit("mig00001")
    browser.visit("ref00001")  # through a referral link: not from a share
    with app.app_context():
        query = select(Event.type, Event.page, Event.page_of(), Event.from_share).order_by(Event.id)
        written = db.session.execute(query).all()
        db.session.rollback()
        with db.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", "widgetserver:migrations")
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
            if connection.dialect.name == "sqlite":  # as ingest wrote whole seconds before
                connection.execute(
                    text("UPDATE events SET occurred_at = substr(occurred_at, 1, 19)")
                )
        migrate.upgrade(db.engine)
        filled = db.session.execute(query).all()
        moment = db.session.scalars(select(Event.occurred_at)).first()
        inside = db.session.scalar(
            select(func.count()).select_from(Event).where(Event.occurred_at >= moment)
        )
    assert filled == written
    assert [(kind, page, linked) for kind, _, page, linked in filled] == [
        ("share", "MUG-1", False),
        ("share", "https://shop.example/p/mug", False),
        ("share", "https://shop.example/p/mug", True),
        ("visit", "MUG-1", True),
        ("visit", "https://shop.example/p/mug", False),  # a referral code has no page
    ]
    # Only the visit through a product's code stores a page of its own; the rest count for theirs.
    assert [page for _, page, _, _ in filled] == [None, None, None, "MUG-1", None]
    assert inside == len(filled)
