"""consents, consent events and reported uses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("production_id", sa.String(26), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["performer_id"], ["performers.id"], name="fk_consents_performer_id_performers"
        ),
        sa.ForeignKeyConstraint(
            ["production_id"], ["productions.id"], name="fk_consents_production_id_productions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consents"),
    )
    op.create_index("ix_consents_performer_id", "consents", ["performer_id"])
    op.create_table(
        "consent_events",
        sa.Column("consent_id", sa.String(26), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name="fk_consent_events_consent_id_consents"
        ),
        sa.PrimaryKeyConstraint("consent_id", "seq", name="pk_consent_events"),
    )
    op.create_table(
        "uses",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("performer_id", sa.String(26), nullable=False),
        sa.Column("production_id", sa.String(26), nullable=False),
        sa.Column("use_date", sa.Date(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("total", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["performer_id"], ["performers.id"], name="fk_uses_performer_id_performers"
        ),
        sa.ForeignKeyConstraint(
            ["production_id"], ["productions.id"], name="fk_uses_production_id_productions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_uses"),
    )
    op.create_index("ix_uses_performer_id_use_date", "uses", ["performer_id", "use_date"])


def downgrade() -> None:
    op.drop_index("ix_uses_performer_id_use_date", table_name="uses")
    op.drop_table("uses")
    op.drop_table("consent_events")
    op.drop_index("ix_consents_performer_id", table_name="consents")
    op.drop_table("consents")
