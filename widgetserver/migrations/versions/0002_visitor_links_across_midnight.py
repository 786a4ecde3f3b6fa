"""visitor links across midnight

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:49:13.677710
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visitor_links",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("current_hash", sa.BigInteger(), nullable=False),
        sa.Column("previous_hash", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "day", "current_hash", name=op.f("pk_visitor_links")),
    )


def downgrade() -> None:
    op.drop_table("visitor_links")
