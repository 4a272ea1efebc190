"""Educator reports: enrolments, completions, time spent, quiz item analysis and the evaluation.

Reports cover every version of a course (a learner's row says which version they took).
Each table is a list of rows so the page and its CSV show the same thing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from courses.models import (Course, CourseCompletion, CourseVersion, Enrolment, EvaluationAnswer, EvaluationItem,
                            Lesson, Quiz, QuizAttempt, QuizChoice, QuizOption, QuizQuestion, QuizResponse)
from lms.extensions import db
from lms.text import clean_text
from lms.users.models import User

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else clean_text(str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()


@dataclass(frozen=True)
class Summary:
    enrolled: int
    completed: int
    evaluations: int
    average_minutes: int


def _rounds(course: Course):
    """Per enrolment, its completed rounds (``CourseCompletion``): how many, the latest, the time spent in
    them and whether an evaluation was submitted. A retake resets the enrolment's own completion, time
    and evaluation, so reports read the history to keep counting what the learner did before."""
    return (select(CourseCompletion.enrolment_id, func.count().label("rounds"),
                   func.max(CourseCompletion.completed_at).label("last"),
                   func.sum(CourseCompletion.seconds_spent).label("seconds"),
                   func.count(CourseCompletion.evaluation_submitted_at).label("evaluations"))
            .where(CourseCompletion.course_id == course.id).group_by(CourseCompletion.enrolment_id).subquery())


def _totals(rounds):
    """Seconds over every round (the round in progress, if any, plus the completed ones) and whether any
    round's evaluation was submitted, as SQL expressions on an enrolment joined to ``_rounds``."""
    seconds = func.coalesce(rounds.c.seconds, 0) + case((Enrolment.completed_at.is_(None), Enrolment.seconds_spent),
                                                         else_=0)
    evaluated = or_(func.coalesce(rounds.c.evaluations, 0) > 0, Enrolment.evaluation_submitted_at.is_not(None))
    return seconds, evaluated


def summary(course: Course) -> Summary:
    """Learners enrolled, those who completed the course at least once (a learner retaking it still
    counts), those who submitted an evaluation, and the mean time spent over every round."""
    rounds = _rounds(course)
    seconds, evaluated = _totals(rounds)
    enrolled, completed, evaluations, mean = db.session.execute(
        select(func.count(Enrolment.id), func.count(rounds.c.enrolment_id),
               func.coalesce(func.sum(case((evaluated, 1), else_=0)), 0), func.coalesce(func.avg(seconds), 0))
        .outerjoin(rounds, rounds.c.enrolment_id == Enrolment.id).where(Enrolment.course_id == course.id)).one()
    return Summary(enrolled, completed, evaluations, int(mean or 0) // 60)


ENROLMENT_HEADER = ["Learner", "Email", "Profession", "Version", "Enrolled (UTC)", "Completed (UTC)",
                    "Rounds completed", "Minutes spent", "Best quiz score %", "Evaluation submitted"]


def enrolment_rows(course: Course, *, page: int | None = None, per_page: int = 50):
    """Enrolment rows (for the page: one page of them and the total; for CSV: all).

    "Completed" is the latest completed round, also while the learner retakes the course; minutes,
    the best quiz score and the evaluation cover every round."""
    best = (select(QuizAttempt.enrolment_id, func.max(QuizAttempt.score_pct).label("best"))
            .group_by(QuizAttempt.enrolment_id).subquery())
    rounds = _rounds(course)
    seconds, evaluated = _totals(rounds)
    query = (select(Enrolment.enrolled_at, User, CourseVersion.number, best.c.best, rounds.c.last, rounds.c.rounds,
                    seconds.label("seconds"), evaluated.label("evaluated"))
             .join(User, User.id == Enrolment.user_id).join(CourseVersion, CourseVersion.id == Enrolment.version_id)
             .outerjoin(best, best.c.enrolment_id == Enrolment.id)
             .outerjoin(rounds, rounds.c.enrolment_id == Enrolment.id)
             .where(Enrolment.course_id == course.id).order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc()))
    total = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id))
    if page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    rows = [[user.full_name, user.email, user.profession_label, number, enrolled_at.strftime("%Y-%m-%d %H:%M"),
             last.strftime("%Y-%m-%d %H:%M") if last else "", done or 0, int(spent or 0) // 60,
             "" if score is None else score, "yes" if was_evaluated else "no"]
            for enrolled_at, user, number, score, last, done, spent, was_evaluated in db.session.execute(query).all()]
    return rows, total


@dataclass(frozen=True)
class ItemStat:
    version: int
    quiz: str
    question: QuizQuestion
    answered: int
    correct: int
    option_counts: list[tuple[QuizOption, int]]

    @property
    def percent_correct(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


def item_analysis(course: Course) -> list[ItemStat]:
    """Per question of every version: how many answered, percent correct, how often each option was chosen."""
    questions = list(db.session.scalars(
        select(QuizQuestion).join(Quiz).join(Lesson).join(CourseVersion, CourseVersion.id == Lesson.version_id)
        .where(CourseVersion.course_id == course.id, CourseVersion.state.in_(("published", "superseded")))
        .options(selectinload(QuizQuestion.options), selectinload(QuizQuestion.quiz).selectinload(Quiz.lesson))
        .order_by(CourseVersion.number, Lesson.position, QuizQuestion.position)))
    ids = [q.id for q in questions]
    answered = dict(db.session.execute(select(QuizResponse.question_id, func.count()).where(
        QuizResponse.question_id.in_(ids)).group_by(QuizResponse.question_id)).all()) if ids else {}
    correct = dict(db.session.execute(select(QuizResponse.question_id, func.count()).where(
        QuizResponse.question_id.in_(ids), QuizResponse.is_correct.is_(True))
        .group_by(QuizResponse.question_id)).all()) if ids else {}
    chosen = dict(db.session.execute(select(QuizChoice.option_id, func.count()).join(QuizResponse).where(
        QuizResponse.question_id.in_(ids)).group_by(QuizChoice.option_id)).all()) if ids else {}
    numbers = dict(db.session.execute(select(CourseVersion.id, CourseVersion.number).where(
        CourseVersion.course_id == course.id)).all())
    return [ItemStat(numbers.get(q.quiz.lesson.version_id, 0), q.quiz.lesson.title, q, answered.get(q.id, 0),
                     correct.get(q.id, 0), [(o, chosen.get(o.id, 0)) for o in q.options]) for q in questions]


def item_rows(stats: list[ItemStat]) -> list[list]:
    rows = []
    for s in stats:
        for option, count in s.option_counts:
            rows.append([s.version, s.quiz, s.question.text, s.answered, s.percent_correct, option.text,
                         "yes" if option.is_correct else "no", count,
                         round(100 * count / s.answered) if s.answered else 0])
    return rows


ITEM_HEADER = ["Version", "Quiz", "Question", "Answered", "% correct", "Option", "Correct option", "Chosen",
               "% chose"]


@dataclass(frozen=True)
class EvaluationStat:
    item: EvaluationItem
    version: int
    responses: int
    mean: float | None
    distribution: dict[int, int]


def evaluation_summary(course: Course) -> list[EvaluationStat]:
    items = list(db.session.scalars(
        select(EvaluationItem).join(CourseVersion).where(CourseVersion.course_id == course.id,
                                                         CourseVersion.state.in_(("published", "superseded")),
                                                         EvaluationItem.kind == "likert")
        .options(selectinload(EvaluationItem.version)).order_by(CourseVersion.number, EvaluationItem.position)))
    ids = [i.id for i in items]
    counts: dict[int, Counter] = defaultdict(Counter)
    if ids:
        for item_id, rating, n in db.session.execute(
                select(EvaluationAnswer.item_id, EvaluationAnswer.rating, func.count())
                .where(EvaluationAnswer.item_id.in_(ids), EvaluationAnswer.rating.is_not(None))
                .group_by(EvaluationAnswer.item_id, EvaluationAnswer.rating)).all():
            counts[item_id][rating] = n
    stats = []
    for item in items:
        c = counts[item.id]
        total = sum(c.values())
        mean = round(sum(r * n for r, n in c.items()) / total, 2) if total else None
        stats.append(EvaluationStat(item, item.version.number, total, mean, {r: c.get(r, 0) for r in range(1, 6)}))
    return stats


EVALUATION_HEADER = ["Version", "Item", "Responses", "Mean (1-5)", "1", "2", "3", "4", "5"]


def evaluation_rows(stats: list[EvaluationStat]) -> list[list]:
    return [[s.version, s.item.text, s.responses, "" if s.mean is None else s.mean,
             *[s.distribution[r] for r in range(1, 6)]] for s in stats]


COMMENT_HEADER = ["Version", "Question", "Comment", "Submitted (UTC)"]


def comment_rows(course: Course, *, limit: int | None = None) -> list[list]:
    """Free-text answers, newest first. Anonymous in the report: comments are about the activity."""
    query = (select(CourseVersion.number, EvaluationItem.text, EvaluationAnswer.comment, EvaluationAnswer.submitted_at)
             .join(EvaluationItem, EvaluationItem.id == EvaluationAnswer.item_id)
             .join(CourseVersion, CourseVersion.id == EvaluationItem.version_id)
             .where(CourseVersion.course_id == course.id, EvaluationAnswer.comment != "")
             .order_by(EvaluationAnswer.submitted_at.desc(), EvaluationAnswer.id.desc()))
    if limit:
        query = query.limit(limit)
    return [[n, text, comment, at.strftime("%Y-%m-%d %H:%M")] for n, text, comment, at in db.session.execute(query)]
