"""biometric templates and match corrections

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("modality", sa.String(8), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["performer_id"], ["performers.id"], name="fk_templates_performer_id_performers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_templates"),
    )
    op.create_index("ix_templates_performer_id", "templates", ["performer_id"])
    op.create_table(
        "match_corrections",
        sa.Column("media_sha256", sa.String(64), nullable=False),
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("media_sha256", "performer_id", name="pk_match_corrections"),
    )


def downgrade() -> None:
    op.drop_table("match_corrections")
    op.drop_index("ix_templates_performer_id", table_name="templates")
    op.drop_table("templates")
