"""sealed personal data: record keys, sealed performer fields, a blind membership index

Performers' personal fields become sealed text (sealed by the application at start-up,
store/upgrade.py, since sealing needs the master key); union and member number are found
by a keyed hash. Vault keys move into ``record_keys`` as ``biometric:<performer>`` (their
wrapping is unchanged); ``vault_keys`` keeps whose biometric data is held, and since when.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from likeness.store.database import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_keys",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.execute(
        "INSERT INTO record_keys (owner, wrapped, created_at) "
        "SELECT 'biometric:' || performer_id, wrapped, created_at FROM vault_keys"
    )
    with op.batch_alter_table("vault_keys") as batch:
        batch.drop_column("wrapped")
    with op.batch_alter_table("performers") as batch:
        batch.drop_constraint("uq_performers_union_member_number", type_="unique")
        batch.add_column(sa.Column("membership", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_performers_membership", ["membership"])
        batch.alter_column("member_number", type_=sa.Text(), existing_type=sa.String(32))
        batch.alter_column("union", type_=sa.Text(), existing_type=sa.String(64))
        batch.alter_column(
            "date_of_birth",
            type_=sa.Text(),
            existing_type=sa.Date(),
            existing_nullable=False,
            postgresql_using="date_of_birth::text",
        )
        batch.alter_column(
            "date_of_death",
            type_=sa.Text(),
            existing_type=sa.Date(),
            postgresql_using="date_of_death::text",
        )
        batch.alter_column("domicile", type_=sa.Text(), existing_type=sa.String(8))


def downgrade() -> None:
    """Back to the schema of 0011; performers sealed since stay sealed (an older version
    cannot read them: downgrade only a database that holds none)."""
    with op.batch_alter_table("performers") as batch:
        batch.alter_column("domicile", type_=sa.String(8), existing_type=sa.Text())
        batch.alter_column(
            "date_of_death",
            type_=sa.Date(),
            existing_type=sa.Text(),
            postgresql_using="date_of_death::date",
        )
        batch.alter_column(
            "date_of_birth",
            type_=sa.Date(),
            existing_type=sa.Text(),
            existing_nullable=False,
            postgresql_using="date_of_birth::date",
        )
        batch.alter_column("member_number", type_=sa.String(32), existing_type=sa.Text())
        batch.alter_column("union", type_=sa.String(64), existing_type=sa.Text())
        batch.drop_constraint("uq_performers_membership", type_="unique")
        batch.drop_column("membership")
        batch.create_unique_constraint(
            "uq_performers_union_member_number", ["union", "member_number"]
        )
    with op.batch_alter_table("vault_keys") as batch:
        batch.add_column(sa.Column("wrapped", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE vault_keys SET wrapped = (SELECT wrapped FROM record_keys "
        "WHERE record_keys.owner = 'biometric:' || vault_keys.performer_id)"
    )
    with op.batch_alter_table("vault_keys") as batch:
        batch.alter_column("wrapped", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("record_keys")
