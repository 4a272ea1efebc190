"""Credit types as data, seeded with the rules of each accreditor.

Revision ID: ecd83dde78c2
Revises: 9b4f85441c7f
Create Date: 2026-11-27 16:02:52.743431

Sources for the statements and rules: ../shared/ACCREDITATION.md (AMA PRA designation
statement and 0.25 increments; ANCC contact hours; ACPE UAN and NABP e-Profile ID; ABIM MOC
points; Joint Accreditation IPCE statement). Changing a rule later is a new migration.
"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = 'ecd83dde78c2'
down_revision = '9b4f85441c7f'
branch_labels = None
depends_on = None

PHYSICIANS = ["physician_md", "physician_do"]
CREDIT_TYPES = [
    dict(code="ama_pra_1", name="AMA PRA Category 1 Credit™", unit="credits", increment=Decimal("0.25"),
         professions=PHYSICIANS, self_claimed=False, requires_uan=False, requires_nabp=False, sort_order=10,
         statement="{provider} designates this {format} for a maximum of {amount} AMA PRA Category 1 Credits™. "
                   "Physicians should claim only the credit commensurate with the extent of their participation "
                   "in the activity."),
    dict(code="ama_pra_2", name="AMA PRA Category 2 Credit™", unit="credits", increment=Decimal("0.25"),
         professions=PHYSICIANS, self_claimed=True, requires_uan=False, requires_nabp=False, sort_order=20,
         statement="AMA PRA Category 2 Credit™ is self-claimed and self-documented by physicians for learning "
                   "activities that are not certified for Category 1 credit."),
    dict(code="ancc", name="ANCC nursing contact hours", unit="contact hours", increment=Decimal("0.01"),
         professions=["nurse", "nurse_practitioner"], self_claimed=False, requires_uan=False, requires_nabp=False,
         sort_order=30,
         statement="{provider} is accredited as a provider of nursing continuing professional development by the "
                   "American Nurses Credentialing Center's Commission on Accreditation. This activity awards up to "
                   "{amount} contact hours."),
    dict(code="acpe", name="ACPE contact hours", unit="contact hours", increment=Decimal("0.25"),
         professions=["pharmacist", "pharmacy_technician"], self_claimed=False, requires_uan=True,
         requires_nabp=True, sort_order=40,
         statement="{provider} is accredited by the Accreditation Council for Pharmacy Education as a provider of "
                   "continuing pharmacy education. This activity (UAN {uan}) provides up to {amount} contact hours."),
    dict(code="aapa_1", name="AAPA Category 1 CME credit", unit="credits", increment=Decimal("0.25"),
         professions=["physician_assistant"], self_claimed=False, requires_uan=False, requires_nabp=False,
         sort_order=50,
         statement="This activity is designated for {amount} AAPA Category 1 CME credits. PAs should only claim "
                   "credit commensurate with the extent of their participation."),
    dict(code="abim_moc", name="ABIM MOC points", unit="points", increment=Decimal("0.25"),
         professions=PHYSICIANS, self_claimed=False, requires_uan=False, requires_nabp=False, sort_order=60,
         statement="Successful completion of this CME activity, which includes participation in the evaluation "
                   "component, enables the participant to earn up to {amount} MOC points in the American Board of "
                   "Internal Medicine's (ABIM) Maintenance of Certification (MOC) program."),
    dict(code="ipce", name="IPCE credit", unit="credits", increment=Decimal("0.25"), professions=[],
         self_claimed=False, requires_uan=False, requires_nabp=False, sort_order=70,
         statement="This activity was planned by and for the healthcare team, and learners will receive {amount} "
                   "Interprofessional Continuing Education (IPCE) credit for learning and change."),
    dict(code="participation", name="Certificate of participation", unit="hours", increment=Decimal("0.25"),
         professions=[], self_claimed=False, requires_uan=False, requires_nabp=False, sort_order=90,
         statement="This certifies participation in {amount} hours of this {format}. A certificate of "
                   "participation is issued to professions that the activity's accredited credit does not cover."),
]


def upgrade():
    table = op.create_table(
        'credit_type',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('unit', sa.String(length=40), nullable=False),
        sa.Column('increment', sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column('professions', sa.JSON(), nullable=False),
        sa.Column('self_claimed', sa.Boolean(), nullable=False),
        sa.Column('requires_uan', sa.Boolean(), nullable=False),
        sa.Column('requires_nabp', sa.Boolean(), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_credit_type')),
    )
    op.bulk_insert(table, CREDIT_TYPES)


def downgrade():
    op.drop_table('credit_type')
