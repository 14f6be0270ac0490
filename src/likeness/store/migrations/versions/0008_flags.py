"""flags: appearances no consent covers, by performer

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flags",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("production_id", sa.String(26), nullable=False),
        sa.Column("media", sa.Text(), nullable=False),
        sa.Column("media_sha256", sa.String(64), nullable=True),
        sa.Column("modality", sa.String(8), nullable=False),
        sa.Column("start_s", sa.String(16), nullable=False),
        sa.Column("end_s", sa.String(16), nullable=False),
        sa.Column("flagged_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["performer_id"], ["performers.id"], name="fk_flags_performer_id_performers"
        ),
        sa.ForeignKeyConstraint(
            ["production_id"], ["productions.id"], name="fk_flags_production_id_productions"
        ),
        sa.PrimaryKeyConstraint("log_index", name="pk_flags"),
    )
    op.create_index("ix_flags_performer_id", "flags", ["performer_id"])


def downgrade() -> None:
    op.drop_index("ix_flags_performer_id", table_name="flags")
    op.drop_table("flags")
