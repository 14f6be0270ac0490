"""portal, second pass: the signed-in device behind each session, and the progress of
long work (scan jobs, credential signings, watch runs) any process can read and cancel

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = 26


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("device", sa.String(200), nullable=True))
        batch.add_column(sa.Column("address", sa.String(64), nullable=True))
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(ID), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(120), nullable=False),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("cancel_requested_at", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_tasks_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_account_id", "tasks", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_account_id", table_name="tasks")
    op.drop_table("tasks")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("address")
        batch.drop_column("device")
