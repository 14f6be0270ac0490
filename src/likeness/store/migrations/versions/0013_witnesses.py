"""witnesses: the witnesses the log's checkpoints are sent to, and their cosignatures

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witnesses",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("verifier_key", sa.Text(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("cosigned_size", sa.BigInteger(), nullable=True),
        sa.Column("cosigned_body", sa.Text(), nullable=True),
        sa.Column("cosignature", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_witnesses"),
    )


def downgrade() -> None:
    op.drop_table("witnesses")
