"""login failures for the owners' login rate limit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from widgetserver.core.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_login_failures")),
    )
    op.create_index(
        op.f("ix_login_failures_window_start"), "login_failures", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_window_start"), table_name="login_failures")
    op.drop_table("login_failures")
