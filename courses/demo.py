"""Demo courses from the Northbridge CME Institute. Running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from courses import authoring, content, workflow
from courses.authoring import CourseDetails
from courses.models import Course, CourseVersion
from lms.extensions import db

STATEMENT = ("Northbridge CME Institute is accredited by the Accreditation Council for Continuing Medical Education "
             "(ACCME) to provide continuing medical education for physicians.")

COURSES = [
    {
        "title": "Opioid prescribing: safer pain management",
        "summary": "Start low, go slow: applying the 2022 CDC clinical practice guideline in primary care.",
        "description": "An enduring activity for prescribers who manage acute and chronic pain. It covers the "
                       "2022 CDC guideline, risk assessment, tapering, and naloxone co-prescribing.",
        "objectives": "Apply the 2022 CDC guideline when starting opioids for acute pain\n"
                      "Assess overdose risk and co-prescribe naloxone when indicated\n"
                      "Plan a patient-centred taper",
        "format": "enduring", "minutes": 90, "topics": ("pain management/opioids", "controlled substances"),
        "specialties": ("family medicine", "pain medicine"),
        "professions": ("physician_md", "physician_do", "nurse_practitioner", "physician_assistant", "pharmacist"),
        "designations": (("ama_pra_1", "1.5"), ("ancc", "1.5"), ("acpe", "1.5"), ("aapa_1", "1.5")),
        "uan": "0000-0000-26-001-H01-P",
        "faculty": ("Elena Marsh", "MD, MEd", [("Acme Analgesics", "speaker", True,
                                              "Content peer-reviewed by an independent pharmacist reviewer.")]),
        "lessons": [
            ("Why the guideline changed", "The 2022 update replaced fixed dose thresholds with **individualised "
             "care**. A 54-year-old man with low back pain for 3 days is a typical acute-pain case."),
            ("Starting and tapering", "Use the **lowest effective dose** of immediate-release opioids, for no "
             "longer than needed. Taper by 10% a month for long-term therapy."),
        ],
        "quiz": [("single", "For opioid-naive patients with acute pain, which formulation is preferred?",
                  "Immediate-release opioids carry less overdose risk than extended-release ones at the start.",
                  [("Extended-release", False), ("Immediate-release", True), ("Transdermal", False)]),
                 ("truefalse", "Naloxone should be offered when overdose risk is elevated.",
                  "Offer naloxone to patients at increased risk, e.g. with benzodiazepines.",
                  [("True", True), ("False", False)])],
    },
    {
        "title": "Implicit bias in clinical care",
        "summary": "Recognise and reduce the effect of implicit bias on diagnosis and treatment.",
        "description": "Meets California AB 241's expectation that CME include implicit-bias content.",
        "objectives": "Describe how implicit bias affects clinical decisions\nUse two strategies to reduce it",
        "format": "internet", "minutes": 60, "topics": ("implicit bias", "health equity"),
        "specialties": ("all specialties",), "professions": (),
        "designations": (("ama_pra_1", "1"), ("ancc", "1")),
        "faculty": ("Marcus Adeyemi", "PhD", []),
        "lessons": [("What implicit bias is", "Implicit associations operate **without awareness**."),
                    ("Strategies that work", "Individuation, perspective-taking and structured decisions.")],
        "quiz": [("multiple", "Which strategies reduce the effect of implicit bias?", "Both are evidence-based.",
                  [("Individuation", True), ("Perspective-taking", True), ("Relying on first impressions", False)])],
    },
    {
        "title": "HIPAA privacy and security essentials",
        "summary": "Annual staff training on protecting patient information at the front desk and online.",
        "description": "Staff training for everyone in a practice. Completion gives a certificate of participation.",
        "objectives": "Identify protected health information\nHandle a request for records correctly\n"
                      "Report a suspected breach",
        "format": "internet", "minutes": 45, "topics": ("hipaa", "privacy"), "specialties": ("practice staff",),
        "professions": ("other", "nurse"), "designations": (("participation", "0.75"),),
        "faculty": ("Ada Okafor", "CHPC", []),
        "lessons": [("What counts as PHI", "The 18 Safe Harbor identifiers, and why a name plus a date matters."),
                    ("Everyday safeguards", "Lock screens, verify identity, use the minimum necessary.")],
        "quiz": [("truefalse", "A patient's appointment time alone, without any identifier, is PHI.",
                  "PHI is health information tied to an identifier.", [("True", False), ("False", True)])],
    },
    {
        "title": "Managing type 2 diabetes in primary care",
        "summary": "Individualised HbA1c targets, GLP-1 RA and SGLT2i choices, and cardiorenal protection.",
        "description": "Case-based learning for the primary-care team.",
        "objectives": "Set individualised HbA1c targets\nChoose therapy for cardiorenal protection",
        "format": "enduring", "minutes": 75, "topics": ("diabetes", "cardiometabolic"),
        "specialties": ("family medicine", "internal medicine", "endocrinology"),
        "professions": ("physician_md", "physician_do", "nurse_practitioner", "physician_assistant", "nurse"),
        "designations": (("ama_pra_1", "1.25"), ("abim_moc", "1.25"), ("ancc", "1.25")),
        "faculty": ("Priya Raman", "MD, FACP", [("Glucora Therapeutics", "advisor", False, "")]),
        "lessons": [("Targets that fit the patient", "An HbA1c of 8.2% in a frail 78-year-old may be acceptable."),
                    ("Choosing therapy", "With CKD or heart failure, prefer an **SGLT2 inhibitor**.")],
        "quiz": [("single", "Which class is preferred for a patient with type 2 diabetes and heart failure?",
                  "SGLT2 inhibitors reduce heart-failure hospitalisation.",
                  [("Sulfonylurea", False), ("SGLT2 inhibitor", True), ("DPP-4 inhibitor", False)])],
    },
]


def seed_courses(users: dict, provider, now) -> list[Course]:
    """Publish each demo course once (looked up by title within the provider)."""
    educator = users["educator@demo.continuum.test"]
    made = []
    for spec in COURSES:
        existing = db.session.scalar(select(Course).join(CourseVersion, CourseVersion.course_id == Course.id).where(
            Course.org_id == provider.id, CourseVersion.title == spec["title"]))
        if existing is not None:
            made.append(existing)
            continue
        made.append(_seed_one(spec, educator, provider, now))
    return made


def _seed_one(spec: dict, educator, provider, now) -> Course:
    release = now.date() - timedelta(days=30)
    course = authoring.create_course(educator, provider, CourseDetails(
        title=spec["title"], summary=spec["summary"], description=spec["description"], objectives=spec["objectives"],
        format=spec["format"], estimated_minutes=spec["minutes"], release_on=release,
        expires_on=release + timedelta(days=2 * 365), accreditation_statement=STATEMENT, acpe_uan=spec.get("uan"),
        topics=spec["topics"], specialties=spec["specialties"], professions=spec["professions"]), now=now)
    for code, amount in spec["designations"]:
        authoring.set_designation(educator, course, code, Decimal(amount), now=now)
    name, credentials, relationships = spec["faculty"]
    person = authoring.add_person(educator, course, name=name, credentials=credentials, role="faculty",
                                  attested_none=not relationships, now=now)
    for company, nature, relevant, mitigation in relationships:
        rel = authoring.add_relationship(educator, course, person.id, company=company, nature=nature, ended_on=None,
                                         now=now)
        authoring.assess_relationship(educator, course, rel.id, is_relevant=relevant, mitigation=mitigation, now=now)
    authoring.add_person(educator, course, name="Jordan Lee", credentials="RN, MSN", role="planner",
                         attested_none=True, now=now)
    module = content.add_module(educator, course, "Core content", now=now)
    for title, body in spec["lessons"]:
        lesson = content.add_lesson(educator, course, module.id, title=title, kind="text", now=now)
        content.update_lesson(educator, course, lesson.id, title=title, body=body, now=now)
    quiz = content.add_lesson(educator, course, module.id, title="Check your understanding", kind="quiz", now=now)
    for kind, text, rationale, options in spec["quiz"]:
        content.add_question(educator, course, quiz.id, kind=kind, text=text, rationale=rationale, options=options,
                               now=now)
    workflow.submit_for_review(educator, course, now=now)
    workflow.publish(educator, course, now=now)
    return course
