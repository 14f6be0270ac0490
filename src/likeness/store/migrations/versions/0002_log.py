"""transparency log: entries, stored hashes, state, record salts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
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
        "log_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_log_entries"),
    )
    op.create_table(
        "log_hashes",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_log_hashes"),
    )
    op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_log_state"),
    )
    op.create_table(
        "record_salts",
        sa.Column("record_key", sa.String(64), nullable=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("record_key", name="pk_record_salts"),
    )


def downgrade() -> None:
    op.drop_table("record_salts")
    op.drop_table("log_state")
    op.drop_table("log_hashes")
    op.drop_table("log_entries")
