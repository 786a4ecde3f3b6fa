"""daily roll-ups of events and a covering index of orders for the stats page

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_days",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("share_visits", sa.BigInteger(), nullable=False),
        sa.Column("chained_shares", sa.BigInteger(), nullable=False),
        sa.Column("visitors", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_stats_days_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "site_id", "tz", "dimension", "day", "value", name=op.f("pk_stats_days")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_conversions_site_stats",
        "conversions",
        [
            "site_id",
            "occurred_at",
            "attribution",
            "self_referral",
            "status",
            "verified",
            "currency",
            "amount_minor",
            "refunded_minor",
            "code_id",
        ],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_conversions_site_stats", table_name="conversions")
    op.drop_table("stats_days")
