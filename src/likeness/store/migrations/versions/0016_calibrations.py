"""calibrations: a match threshold per model, calibrated on an operator's labelled set

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = 26


def upgrade() -> None:
    op.create_table(
        "calibrations",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("modality", sa.String(8), nullable=False),
        sa.Column("model_id", sa.String(128), nullable=False),
        sa.Column("detector_id", sa.String(128), nullable=True),
        sa.Column("dataset_sha256", sa.String(64), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("genuine_pairs", sa.BigInteger(), nullable=False),
        sa.Column("impostor_pairs", sa.BigInteger(), nullable=False),
        sa.Column("threshold", sa.String(16), nullable=False),
        sa.Column("target_fmr", sa.String(16), nullable=False),
        sa.Column("rates", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calibrations"),
    )
    op.create_index("ix_calibrations_model", "calibrations", ["modality", "model_id"])


def downgrade() -> None:
    op.drop_index("ix_calibrations_model", table_name="calibrations")
    op.drop_table("calibrations")
