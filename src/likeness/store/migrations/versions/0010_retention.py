"""retention: the warning last sent to each performer, and the last destruction

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_marks",
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("warned_for", sa.Date(), nullable=True),
        sa.Column("warned_at", UTCDateTime(), nullable=True),
        sa.Column("destroyed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["performer_id"],
            ["performers.id"],
            name="fk_retention_marks_performer_id_performers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("performer_id", name="pk_retention_marks"),
    )


def downgrade() -> None:
    op.drop_table("retention_marks")
