"""Demo credit history: the physician has completed a course the ordinary way (lessons, quiz,
evaluation), claimed credit, holds its certificate and tracks a licence. Running it again
changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from lms.credits import services as credits
from lms.credits.models import CreditEntry, Requirement
from lms.credits.requirement_templates import BY_CODE
from lms.extensions import db


def _complete(learner, course, now: datetime) -> None:
    """Take the course through the learning services, answering every question correctly."""
    from courses import services as learning

    enrolment = learning.enrol(learner, course, now=now)
    for module in enrolment.version.modules:
        for lesson in module.lessons:
            if lesson.kind == "quiz" and lesson.quiz is not None:
                attempt = learning.start_attempt(enrolment, lesson.quiz, now=now)
                answers = {q.id: [o.id for o in q.options if o.is_correct] for q in lesson.quiz.questions}
                learning.submit_attempt(attempt, answers, now=now)
            else:
                learning.view_lesson(enrolment, lesson, now=now)
    answers = {item.id: (4, "Use the lowest effective dose and review risk at every visit.")
               for item in enrolment.version.evaluation_items}
    learning.submit_evaluation(enrolment, answers, now=now)


def seed_credits(users: dict, courses: list, now: datetime) -> None:
    physician = users["physician@demo.continuum.test"]
    course = next((c for c in courses if "Opioid" in c.current_version.title), None)
    if course is None:
        return
    already = db.session.scalar(select(CreditEntry.id).where(
        CreditEntry.learner_id == physician.id, CreditEntry.activity_kind == "course",
        CreditEntry.activity_id == course.id))
    if already is None:
        _complete(physician, course, now)
        db.session.flush()
        credits.claim_credit(physician, "course", course.id, "ama_pra_1", Decimal("1.25"), attested=True, now=now)
        db.session.flush()
        from lms.certificates.services import issue_credit_certificate

        issue_credit_certificate(physician.id, "course", course.id, now=now)
    if db.session.scalar(select(Requirement.id).where(Requirement.learner_id == physician.id)) is None:
        template = BY_CODE["ca-md"]
        end = date(now.year + 1, 6, 30)
        db.session.add(Requirement(
            learner_id=physician.id, template_code=template.code, name=template.name,
            cycle_start=date(end.year - 2, 7, 1), cycle_end=end, total_required=template.total,
            credit_types=list(template.credit_types),
            topic_minimums={k: str(v) for k, v in template.topic_minimums.items()}, one_time=False,
            source=template.source, created_at=now))
