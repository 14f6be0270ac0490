"""registry: performers, representatives, productions, accounts, api keys

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "performers",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=False),
        sa.Column("professional_name", sa.Text()),
        sa.Column("union", sa.String(64)),
        sa.Column("member_number", sa.String(32)),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("date_of_death", sa.Date()),
        sa.Column("domicile", sa.String(8)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_performers"),
        sa.UniqueConstraint("union", "member_number", name="uq_performers_union_member_number"),
    )
    op.create_table(
        "representatives",
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("position", sa.String(8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("capacity", sa.String(16), nullable=False),
        sa.Column("contact", sa.Text()),
        sa.ForeignKeyConstraint(
            ["performer_id"],
            ["performers.id"],
            name="fk_representatives_performer_id_performers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("performer_id", "position", name="pk_representatives"),
    )
    op.create_table(
        "productions",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("agreement", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(8)),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_productions"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("performer_id", sa.String(26)),
        sa.Column("production_id", sa.String(26)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["performer_id"], ["performers.id"], name="fk_accounts_performer_id_performers"
        ),
        sa.ForeignKeyConstraint(
            ["production_id"], ["productions.id"], name="fk_accounts_production_id_productions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("account_id", sa.String(26), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_api_keys_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_index("ix_api_keys_account_id", "api_keys", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_account_id", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("accounts")
    op.drop_table("productions")
    op.drop_table("representatives")
    op.drop_table("performers")
