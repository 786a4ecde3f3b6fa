"""events carry their page and whether they came through a share; the live day's slices;
times ingest wrote without microseconds on SQLite get them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:00:00

The stats group events by page and by whether they came through a share. Both used to be
looked up in ``ref_codes`` (two joins per event); they are now fixed on the event at ingest,
and this migration fills them in for the events already stored: each event's code and the code
its sharer arrived with, exactly as the joins read them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from widgetserver.core.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_WHOLE_SECONDS = "UPDATE {table} SET {column} = {column} || '.000000' WHERE length({column}) = 19"
_PAGE = """
UPDATE events SET page = (
    SELECT COALESCE(c.product, c.url) FROM ref_codes c WHERE c.id = events.code_id)
WHERE type <> 'share' AND code_id IS NOT NULL
"""
_OWN_PAGE = "UPDATE events SET page = NULL WHERE page = COALESCE(product, url)"
_FROM_SHARE = """
UPDATE events SET from_share = CASE WHEN type = 'share' THEN EXISTS (
        SELECT 1 FROM ref_codes c JOIN ref_codes p ON p.id = c.parent_id
        WHERE c.id = events.code_id AND p.kind = 'share')
    ELSE EXISTS (SELECT 1 FROM ref_codes c WHERE c.id = events.code_id AND c.kind = 'share')
    END
WHERE code_id IS NOT NULL
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Ingest wrote whole seconds without their ".000000"; such a time sorted before the
        # same moment as SQLAlchemy writes it and escaped a range starting at that moment.
        op.execute(_WHOLE_SECONDS.format(table="events", column="occurred_at"))
        op.execute(_WHOLE_SECONDS.format(table="ref_codes", column="created_at"))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("page", sa.String(length=2048), nullable=True))
        batch.add_column(
            sa.Column("from_share", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(_PAGE)
    op.execute(_OWN_PAGE)
    op.execute(_FROM_SHARE)
    op.create_table(
        "stats_slices",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("span", sa.Integer(), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("share_visits", sa.BigInteger(), nullable=False),
        sa.Column("chained_shares", sa.BigInteger(), nullable=False),
        sa.Column("visitors", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_stats_slices_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "site_id", "span", "start", "dimension", "value", name=op.f("pk_stats_slices")
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("stats_slices")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("from_share")
        batch.drop_column("page")
