"""enforcement: watched sources and their items, takedown notices and their steps,
stay-down fingerprints; flags may be decided against no production and say where a
watcher found them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = 26


def upgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.alter_column("production_id", existing_type=sa.String(ID), nullable=True)
        batch.add_column(sa.Column("location", sa.Text(), nullable=True))
    op.create_table(
        "watched_sources",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("production_id", sa.String(ID), nullable=True),
        sa.Column("added_by", sa.String(ID), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["productions.id"],
            name="fk_watched_sources_production_id_productions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_watched_sources"),
    )
    op.create_table(
        "watched_items",
        sa.Column("source_id", sa.String(ID), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["watched_sources.id"],
            name="fk_watched_items_source_id_watched_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "url", name="pk_watched_items"),
    )
    op.create_index("ix_watched_items_sha256", "watched_items", ["sha256"])
    op.create_table(
        "takedowns",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("flag_log_index", sa.BigInteger(), nullable=False),
        sa.Column("performer_id", sa.String(ID), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(ID), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_log_index"], ["flags.log_index"], name="fk_takedowns_flag_log_index_flags"
        ),
        sa.ForeignKeyConstraint(
            ["performer_id"], ["performers.id"], name="fk_takedowns_performer_id_performers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_takedowns"),
    )
    op.create_index("ix_takedowns_performer_id", "takedowns", ["performer_id"])
    op.create_table(
        "takedown_steps",
        sa.Column("takedown_id", sa.String(ID), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(ID), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["takedowns.id"],
            name="fk_takedown_steps_takedown_id_takedowns",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("takedown_id", "seq", name="pk_takedown_steps"),
    )
    op.create_table(
        "fingerprints",
        sa.Column("flag_log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("media_sha256", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("start_s", sa.String(16), nullable=False),
        sa.Column("end_s", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_log_index"],
            ["flags.log_index"],
            name="fk_fingerprints_flag_log_index_flags",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flag_log_index", name="pk_fingerprints"),
    )


def downgrade() -> None:
    op.drop_table("fingerprints")
    op.drop_table("takedown_steps")
    op.drop_index("ix_takedowns_performer_id", table_name="takedowns")
    op.drop_table("takedowns")
    op.drop_index("ix_watched_items_sha256", table_name="watched_items")
    op.drop_table("watched_items")
    op.drop_table("watched_sources")
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("location")
        batch.alter_column("production_id", existing_type=sa.String(ID), nullable=False)
