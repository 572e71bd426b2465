"""xAPI documents keep the authority that stored them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing documents get "" (no known owner): only credentials with the `all` scope still see them.
    with op.batch_alter_table('lms_xapi_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authority_key', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lms_xapi_document', schema=None) as batch_op:
        batch_op.drop_column('authority_key')
