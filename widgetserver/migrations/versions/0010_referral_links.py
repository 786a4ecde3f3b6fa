"""one personal referral link per customer; claim links of anonymous referral links

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:00:00

Earlier versions made no referral links, so no stored customer has two and the unique index
can be created as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_REFERRALS_ONLY = sa.text("kind = 'referral'")


def upgrade() -> None:
    op.create_index(
        "uq_ref_codes_site_id_referrer",
        "ref_codes",
        ["site_id", "referrer"],
        unique=True,
        sqlite_where=_REFERRALS_ONLY,
        postgresql_where=_REFERRALS_ONLY,
    )
    op.create_table(
        "referral_claims",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["ref_codes.id"],
            name=op.f("fk_referral_claims_code_id_ref_codes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_referral_claims")),
        sa.UniqueConstraint("code_id", name=op.f("uq_referral_claims_code_id")),
    )


def downgrade() -> None:
    op.drop_table("referral_claims")
    op.drop_index("uq_ref_codes_site_id_referrer", table_name="ref_codes")
