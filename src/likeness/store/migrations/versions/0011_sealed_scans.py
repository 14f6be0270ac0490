"""sealed scans: who submitted each flag's scan, and which performers a sealed report shows

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("submitted_by", sa.String(26), nullable=True))
    with op.batch_alter_table("scan_jobs") as batch:
        batch.add_column(sa.Column("shows", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scan_jobs") as batch:
        batch.drop_column("shows")
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("submitted_by")
