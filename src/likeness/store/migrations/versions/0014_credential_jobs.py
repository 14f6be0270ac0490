"""credential jobs: a scan job may ask for a clearance credential (scan_jobs.credential)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scan_jobs") as batch:
        batch.add_column(sa.Column("credential", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scan_jobs") as batch:
        batch.drop_column("credential")
