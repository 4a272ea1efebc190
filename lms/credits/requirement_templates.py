"""Built-in licence and board requirements, each with its source.

Topics come from lms/topics.py; "a | b" means a course on either topic counts.

Summarised from the boards' own pages (and ../shared/ACCREDITATION.md). Rules change: each
template names its source, and the page tells learners to confirm with their board.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PHYSICIAN_CREDIT = ("ama_pra_1", "ama_pra_2")


@dataclass(frozen=True)
class RequirementTemplate:
    code: str
    name: str
    cycle_years: int | None  # None: one-time
    total: Decimal
    credit_types: tuple[str, ...]
    topic_minimums: dict[str, Decimal] = field(default_factory=dict)
    source: str = ""
    notes: str = ""

    @property
    def one_time(self) -> bool:
        return self.cycle_years is None


TEMPLATES = [
    RequirementTemplate(
        "ca-md", "California physician licence (MD)", 2, Decimal("50"), ("ama_pra_1",),
        {"pain management/opioids | end-of-life care": Decimal("12")},
        source="Medical Board of California, CME requirements (mbc.ca.gov); AB 241 implicit bias "
               "(leginfo.legislature.ca.gov)",
        notes="50 hours of approved CME every two years. The 12 hours of pain management and end-of-life care "
              "are a one-time requirement, tracked here within the cycle; every CME course must include "
              "implicit-bias content (AB 241)."),
    RequirementTemplate(
        "fl-md", "Florida physician licence (MD)", 2, Decimal("40"), ("ama_pra_1",),
        {"controlled substance prescribing | pain management/opioids": Decimal("2"),
         "prevention of medical errors": Decimal("2")},
        source="Florida Board of Medicine, licence renewal CME (flboardofmedicine.gov); "
               "cmelist.com/state-opioid-cme-requirements",
        notes="40 hours per biennium including 2 hours on prescribing controlled substances and 2 hours on "
              "preventing medical errors; domestic violence (2 hours) every third biennium."),
    RequirementTemplate(
        "tx-md", "Texas physician licence", 2, Decimal("48"), PHYSICIAN_CREDIT,
        {"medical ethics/professional responsibility": Decimal("2"), "pain management/opioids": Decimal("2"),
         "human trafficking": Decimal("1")},
        source="Texas Medical Board, CME requirements (tmb.state.tx.us)",
        notes="48 hours every 24 months, at least 24 of them formal (Category 1), including 2 hours of medical "
              "ethics or professional responsibility, and the approved human-trafficking course."),
    RequirementTemplate(
        "pa-md", "Pennsylvania physician licence (MD)", 2, Decimal("100"), PHYSICIAN_CREDIT,
        {"patient safety/risk management": Decimal("12"), "pain management/opioids": Decimal("2"),
         "child abuse recognition": Decimal("2")},
        source="Pennsylvania State Board of Medicine, CME requirements (dos.pa.gov)",
        notes="100 hours every two years, at least 20 of them AMA PRA Category 1, including 12 hours of patient "
              "safety or risk management, 2 hours on pain management or opioid prescribing and 2 hours on "
              "child-abuse recognition and reporting."),
    RequirementTemplate(
        "in-opioid", "Indiana controlled substance prescribers", 2, Decimal("2"), PHYSICIAN_CREDIT,
        {"pain management/opioids": Decimal("2")},
        source="Indiana Professional Licensing Agency (in.gov)",
        notes="2 hours on opioid prescribing and addiction every two years; attested at renewal with audits of "
              "up to 10%; keep certificates for three years."),
    RequirementTemplate(
        "dea-mate", "DEA MATE Act: substance use disorder training", None, Decimal("8"), (),
        {"substance use disorder | pain management/opioids": Decimal("8")},
        source="DEA Diversion Control Division, MATE Act (deadiversion.usdoj.gov)",
        notes="One-time 8 hours on treating and managing patients with opioid or other substance use disorders, "
              "attested at the first DEA registration on or after 27 June 2023."),
    RequirementTemplate(
        "abim-moc", "ABIM Maintenance of Certification", 5, Decimal("100"), ("abim_moc",),
        source="American Board of Internal Medicine, MOC requirements (abim.org); ACCME FAQ on ABIM MOC points",
        notes="100 MOC points every five years."),
]

BY_CODE = {t.code: t for t in TEMPLATES}
