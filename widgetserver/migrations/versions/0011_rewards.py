"""rewards of referrers, coupon pools, friends' coupons; an order's new_customer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 03:00:00

New tables, and two columns of conversions: stored orders keep ``new_customer`` unknown (NULL),
as their reports did not say; ``server_reported`` is set for stored verified orders, which the
shop's server reported signed or vouched for with its token (a browser-reported order that
a token verified cannot be told apart any more; no reward was ever made for one).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from widgetserver.core.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = UTCDateTime()


def upgrade() -> None:
    with op.batch_alter_table("conversions") as batch:
        batch.add_column(sa.Column("new_customer", sa.Boolean(), nullable=True))
        batch.add_column(
            sa.Column("server_reported", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE conversions SET server_reported = verified")
    op.create_table(
        "rewards",
        sa.Column("id", _ID, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("conversion_id", _ID, nullable=False),
        sa.Column("code_id", _ID, nullable=True),
        sa.Column("referrer", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("void_reason", sa.String(length=24), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", _TIME, nullable=True),
        sa.Column("due_at", _TIME, nullable=True),
        sa.Column("handed_out_at", _TIME, nullable=True),
        sa.Column("coupon", sa.String(length=64), nullable=True),
        sa.Column(
            "refunded_after_handout", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_rewards_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversion_id"],
            ["conversions.id"],
            name=op.f("fk_rewards_conversion_id_conversions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["ref_codes.id"],
            name=op.f("fk_rewards_code_id_ref_codes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
        sa.UniqueConstraint("conversion_id", name=op.f("uq_rewards_conversion_id")),
    )
    op.create_index("ix_rewards_site_status", "rewards", ["site_id", "status", "due_at"])
    op.create_index("ix_rewards_code", "rewards", ["code_id"])
    op.create_table(
        "coupons",
        sa.Column("id", _ID, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("pool", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("assigned_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_coupons_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("site_id", "pool", "code", name=op.f("uq_coupons_site_id_pool_code")),
    )
    op.create_index("ix_coupons_free", "coupons", ["site_id", "pool", "assigned_at", "id"])
    op.create_table(
        "friend_offers",
        sa.Column("id", _ID, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code_id", _ID, nullable=False),
        sa.Column("visitor_hash", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("coupon", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_friend_offers_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["ref_codes.id"],
            name=op.f("fk_friend_offers_code_id_ref_codes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_friend_offers")),
        sa.UniqueConstraint(
            "code_id", "visitor_hash", "day", name=op.f("uq_friend_offers_code_id_visitor_hash_day")
        ),
    )
    op.create_index("ix_friend_offers_code_day", "friend_offers", ["code_id", "day"])


def downgrade() -> None:
    op.drop_table("friend_offers")
    op.drop_table("coupons")
    op.drop_table("rewards")
    with op.batch_alter_table("conversions") as batch:
        batch.drop_column("server_reported")
        batch.drop_column("new_customer")
