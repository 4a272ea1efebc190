"""The topic vocabulary shared by course tags and licence requirements.

A course tagged with one of these counts toward requirements that name it. Educators may use
other tags too; these are the ones boards mandate (see lms/credits/requirement_templates.py).
"""

TOPICS = (
    "pain management/opioids",
    "controlled substance prescribing",
    "substance use disorder",
    "end-of-life care",
    "implicit bias",
    "prevention of medical errors",
    "patient safety/risk management",
    "medical ethics/professional responsibility",
    "human trafficking",
    "child abuse recognition",
    "domestic violence",
    "infection control",
    "hipaa",
    "osha bloodborne pathogens",
    "fire safety",
)
