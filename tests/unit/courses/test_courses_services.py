"""Course rules without HTTP: publishing, disclosures, versioning, quizzes, completion, hooks and CSV."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from courses import authoring, catalog, content, reports, retakes, services, workflow
from courses.authoring import CourseDetails, add_months
from courses.credit_hooks import activity_info, participation
from courses.models import QuizAttempt
from tests.factories import make_course, make_member, make_org, make_user

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


def _answers(quiz, *, correct=True):
    answers = {}
    for q in quiz.questions:
        right = [o.id for o in q.options if o.is_correct]
        wrong = [o.id for o in q.options if not o.is_correct][:1]
        answers[q.id] = right if correct else wrong
    return answers


def _enrolled(course, user=None):
    user = user or make_user()
    return user, services.enrol(user, course, now=NOW)


def _quiz(version):
    return next(lesson for lesson in version.lessons if lesson.quiz).quiz


# --- publishing and disclosures -----------------------------------------------------------------


def test_publishing_is_refused_while_a_relevant_relationship_is_unmitigated(db):
    course = make_course(publish=False, now=NOW)
    author = make_member(course.org, role="educator").user
    person = course.draft_version.people[0]
    rel = authoring.add_relationship(author, course, person.id, company="Acme Pharma", nature="speaker",
                                     ended_on=None, now=NOW)
    with pytest.raises(authoring.PublishRefused) as refused:
        workflow.submit_for_review(author, course, now=NOW)
    assert any("Decide whether Dr Faculty's relationship with Acme Pharma" in p for p in refused.value.problems)

    authoring.assess_relationship(author, course, rel.id, is_relevant=True, mitigation="", now=NOW)
    with pytest.raises(authoring.PublishRefused) as refused:
        workflow.submit_for_review(author, course, now=NOW)
    assert "Dr Faculty's relevant relationship with Acme Pharma (speakers' bureau) has not been mitigated." \
        in refused.value.problems

    authoring.assess_relationship(author, course, rel.id, is_relevant=True,
                                  mitigation="Content peer-reviewed by an independent reviewer.", now=NOW)
    workflow.submit_for_review(author, course, now=NOW)
    workflow.publish(author, course, now=NOW)
    assert course.current_version.state == "published" and course.draft_version is None


def test_relationships_older_than_24_months_are_outside_the_disclosure_period(db):
    course = make_course(publish=False, now=NOW)
    person = course.draft_version.people[0]
    with pytest.raises(authoring.CourseError, match="24 months"):
        authoring.add_relationship(None, course, person.id, company="Old Co", nature="advisor",
                                   ended_on=date(2024, 10, 1), now=NOW)


def test_enduring_material_is_limited_to_three_years_and_gets_a_review_date(db):
    org = make_org(kind="provider")
    author = make_member(org, role="educator").user
    details = CourseDetails(title="T", format="enduring", release_on=date(2026, 1, 1), expires_on=date(2029, 1, 2))
    with pytest.raises(authoring.CourseError, match="three years"):
        authoring.create_course(author, org, details, now=NOW)
    course = authoring.create_course(author, org, CourseDetails(title="T", format="enduring",
                                                                release_on=date(2026, 1, 1),
                                                                expires_on=date(2029, 1, 1)), now=NOW)
    assert course.draft_version.review_on == date(2028, 7, 1)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_publish_needs_review_first_and_lists_what_is_missing(db):
    org = make_org(kind="provider")
    author = make_member(org, role="educator").user
    course = authoring.create_course(author, org, CourseDetails(title="Empty", format="internet"), now=NOW)
    with pytest.raises(authoring.CourseError, match="review"):
        workflow.publish(author, course, now=NOW)
    problems = workflow.publish_problems(course.draft_version, NOW.date())
    assert "Add at least one lesson." in problems
    assert "Designate the credit (type and maximum)." in problems
    assert any("faculty" in p for p in problems)


def test_designations_follow_the_credit_types_increment(db):
    course = make_course(publish=False, now=NOW)
    with pytest.raises(authoring.CourseError, match="steps of"):
        authoring.set_designation(None, course, "ama_pra_1", Decimal("1.3"), now=NOW)
    authoring.set_designation(None, course, "ancc", Decimal("2.00"), now=NOW)
    assert course.draft_version.max_credit == Decimal("2.00")


# --- versioning -----------------------------------------------------------------------------------


def test_editing_a_published_course_copies_it_and_learners_keep_their_version(db):
    course = make_course(now=NOW, lessons=2)
    author = make_member(course.org, role="educator").user
    v1 = course.current_version
    learner, enrolment = _enrolled(course)

    draft = workflow.new_version(author, course, now=NOW)
    assert draft.number == 2 and draft.id != v1.id
    assert [lesson.title for lesson in draft.lessons] == [lesson.title for lesson in v1.lessons]
    assert {lesson.id for lesson in draft.lessons}.isdisjoint({lesson.id for lesson in v1.lessons})
    assert [q.text for q in _quiz(draft).questions] == [q.text for q in _quiz(v1).questions]
    assert [p.name for p in draft.people] == [p.name for p in v1.people]
    assert draft.designations[0].max_amount == v1.designations[0].max_amount
    assert draft.tag_values("topic") == v1.tag_values("topic")

    content.update_lesson(author, course, draft.lessons[0].id, title="Rewritten", body="New", now=NOW)
    assert v1.lessons[0].title == "Lesson 1"  # the published version is untouched
    workflow.submit_for_review(author, course, now=NOW)
    workflow.publish(author, course, now=NOW)
    assert course.current_version.number == 2 and v1.state == "superseded"

    # The learner who started keeps version 1; a new learner gets version 2.
    assert services.enrol(learner, course, now=NOW).version_id == v1.id
    _, newcomer = _enrolled(course)
    assert newcomer.version_id == draft.id
    assert participation(learner.id, course.id).details["version"] == 1


def test_published_versions_cannot_be_edited_in_place(db):
    course = make_course(now=NOW)
    with pytest.raises(authoring.NotEditable):
        content.add_module(None, course, "More", now=NOW)


def test_reordering_swaps_neighbours(db):
    course = make_course(publish=False, lessons=3, quiz=False, now=NOW)
    lessons = course.draft_version.lessons
    content.move_lesson(None, course, lessons[2].id, "up", now=NOW)
    db.session.expire_all()
    assert [lesson.title for lesson in course.draft_version.lessons] == ["Lesson 1", "Lesson 3", "Lesson 2"]
    content.move_lesson(None, course, lessons[0].id, "up", now=NOW)  # already first: no change
    db.session.expire_all()
    assert [lesson.position for lesson in course.draft_version.lessons] == [0, 1, 2]


# --- quizzes ----------------------------------------------------------------------------------


def test_quiz_is_graded_on_the_server_and_a_double_submit_is_refused(db):
    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    quiz = _quiz(course.current_version)
    attempt = services.start_attempt(enrolment, quiz, now=NOW, rng=random.Random(1))
    services.submit_attempt(attempt, _answers(quiz, correct=False), now=NOW)
    assert attempt.score_pct == 0 and attempt.passed is False
    with pytest.raises(services.AttemptAlreadySubmitted):
        services.submit_attempt(attempt, _answers(quiz), now=NOW)
    assert attempt.score_pct == 0
    assert len(attempt.responses) == len(quiz.questions)


def test_partially_right_multiple_answer_questions_are_wrong(db):
    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    quiz = _quiz(course.current_version)
    attempt = services.start_attempt(enrolment, quiz, now=NOW)
    answers = _answers(quiz)
    multiple = next(q for q in quiz.questions if q.kind == "multiple")
    answers[multiple.id] = answers[multiple.id][:1]
    services.submit_attempt(attempt, answers, now=NOW)
    assert attempt.score_pct == 50 and not attempt.passed


def test_answers_from_another_quiz_or_question_are_refused(db):
    course, other = make_course(now=NOW), make_course(now=NOW)
    _, enrolment = _enrolled(course)
    quiz, foreign = _quiz(course.current_version), _quiz(other.current_version)
    attempt = services.start_attempt(enrolment, quiz, now=NOW)
    answers = _answers(quiz)
    first = quiz.questions[0]
    answers[first.id] = [foreign.questions[0].options[1].id]
    with pytest.raises(services.InvalidAnswer):
        services.submit_attempt(attempt, answers, now=NOW)
    with pytest.raises(services.InvalidAnswer):
        services.submit_attempt(attempt, {**_answers(quiz), foreign.questions[0].id: [foreign.questions[0].options[1].id]},
                                now=NOW)
    single = next(q for q in quiz.questions if q.kind == "single")
    with pytest.raises(services.InvalidAnswer):
        services.submit_attempt(attempt, {**_answers(quiz), single.id: [o.id for o in single.options]}, now=NOW)
    assert attempt.submitted_at is None  # refused answers do not use up the attempt


def test_the_attempt_limit_holds_and_open_attempts_are_reused(db):
    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    quiz = _quiz(course.current_version)
    first = services.start_attempt(enrolment, quiz, now=NOW)
    assert services.start_attempt(enrolment, quiz, now=NOW) is first  # a second click resumes it
    for _ in range(quiz.max_attempts):
        attempt = services.start_attempt(enrolment, quiz, now=NOW)
        services.submit_attempt(attempt, _answers(quiz, correct=False), now=NOW)
    with pytest.raises(services.AttemptLimitReached):
        services.start_attempt(enrolment, quiz, now=NOW)
    assert db.session.query(QuizAttempt).filter_by(enrolment_id=enrolment.id).count() == quiz.max_attempts


def test_the_attempt_number_is_unique_in_the_database(db):
    from sqlalchemy.exc import IntegrityError

    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    quiz = _quiz(course.current_version)
    services.start_attempt(enrolment, quiz, now=NOW)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=1, started_at=NOW))


def test_shuffled_order_is_stored_per_attempt(db):
    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    quiz = _quiz(course.current_version)
    attempt = services.start_attempt(enrolment, quiz, now=NOW, rng=random.Random(3))
    order = attempt.shown_order
    assert sorted(order["questions"]) == sorted(q.id for q in quiz.questions)
    for q in quiz.questions:
        assert sorted(order["options"][str(q.id)]) == sorted(o.id for o in q.options)


# --- progress and completion -----------------------------------------------------------------


def test_completion_needs_every_rule_and_is_recorded_once(db):
    course = make_course(now=NOW, lessons=2)
    learner, enrolment = _enrolled(course)
    version = course.current_version
    quiz = _quiz(version)
    for lesson in version.lessons:
        services.view_lesson(enrolment, lesson, now=NOW)
    attempt = services.start_attempt(enrolment, quiz, now=NOW)
    services.submit_attempt(attempt, _answers(quiz), now=NOW)
    assert enrolment.completed_at is None  # the evaluation is still missing
    assert not participation(learner.id, course.id).is_complete

    items = version.evaluation_items
    answers = {i.id: (4, "") if i.kind == "likert" else (None, "I will taper opioids more slowly.") for i in items}
    later = NOW + timedelta(minutes=5)
    services.submit_evaluation(enrolment, answers, now=later)
    assert enrolment.completed_at == later
    p = participation(learner.id, course.id)
    assert p.is_complete and p.evaluation_submitted and p.completed_at == later
    with pytest.raises(services.LearningError):
        services.submit_evaluation(enrolment, answers, now=later)


def test_required_evaluation_items_must_be_answered(db):
    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    with pytest.raises(services.LearningError, match="Please answer"):
        services.submit_evaluation(enrolment, {}, now=NOW)
    assert enrolment.evaluation_submitted_at is None


def test_video_counts_as_watched_only_without_skipping(db):
    course = make_course(publish=False, quiz=False, now=NOW, require_evaluation=False)
    author = make_member(course.org, role="educator").user
    module = course.draft_version.modules[0]
    video = content.add_lesson(author, course, module.id, title="Video", kind="video", now=NOW)
    video.embed_url = None
    from courses.uploads import StoredFile

    content.attach_file(author, course, video.id, StoredFile("ab" * 16, "v.mp4", "video/mp4", 10), kind="video",
                          now=NOW)
    workflow.submit_for_review(author, course, now=NOW)
    workflow.publish(author, course, now=NOW)
    _, enrolment = _enrolled(course)
    version = course.current_version
    lesson = next(lesson for lesson in version.lessons if lesson.kind == "video")
    for text in (lesson for lesson in version.lessons if lesson.kind == "text"):
        services.view_lesson(enrolment, text, now=NOW)
    row = services.record_position(enrolment, lesson, position=95, duration=100, now=NOW)  # skipped ahead
    assert row.furthest_seconds == 0 and row.completed_at is None
    for t in range(10, 100, 10):
        row = services.record_position(enrolment, lesson, position=t, duration=100, now=NOW)
    assert row.furthest_seconds == 90 and row.completed_at is not None  # 90% is the default threshold
    assert enrolment.completed_at is not None
    assert services.resume_lesson(enrolment, version).id == lesson.id


def test_time_spent_counts_activity_but_not_long_gaps(db):
    course = make_course(now=NOW)
    _, enrolment = _enrolled(course)
    lesson = course.current_version.lessons[0]
    services.view_lesson(enrolment, lesson, now=NOW + timedelta(minutes=3))
    services.view_lesson(enrolment, lesson, now=NOW + timedelta(hours=3))
    assert enrolment.seconds_spent == 180


def test_lessons_of_another_version_are_refused(db):
    course, other = make_course(now=NOW), make_course(now=NOW)
    _, enrolment = _enrolled(course)
    with pytest.raises(services.NotEnrolled):
        services.view_lesson(enrolment, other.current_version.lessons[0], now=NOW)


# --- the credit contract ------------------------------------------------------------------------


def test_activity_info_describes_the_current_published_version(db):
    course = make_course(now=NOW, designations=(("ama_pra_1", "1.5"), ("acpe", "1.5")),
                         topics=("pain management/opioids", "implicit bias"))
    info = activity_info(course.id)
    assert info.kind == "course" and info.id == course.id and info.version == 1
    assert info.designations == {"ama_pra_1": Decimal("1.50"), "acpe": Decimal("1.50")}
    assert info.format == "enduring" and info.acpe_uan == "0000-0000-26-001-H01-P"
    assert set(info.topics) == {"pain management/opioids", "implicit bias"}
    assert info.provider_org_id == course.org_id and info.accreditation_statement
    assert info.start_date == course.current_version.release_on
    assert activity_info(make_course(publish=False, now=NOW).id) is None
    assert activity_info(10**9) is None
    assert participation(make_user().id, course.id).completed_at is None


# --- catalog, dashboard, reports ----------------------------------------------------------------


def test_catalog_search_and_filters(db):
    opioids = make_course(title="Safer opioid prescribing", topics=("pain management/opioids",), now=NOW)
    bias = make_course(title="Implicit bias in care", topics=("implicit bias",), format="internet",
                       designations=(("ancc", "1.0"),), now=NOW)
    make_course(title="Unpublished opioid draft", publish=False, now=NOW)

    def titles(**kw):
        return {v.title for v in db.session.scalars(catalog.catalog_query(catalog.CatalogFilters(**kw),
                                                                           NOW.date()))}

    assert "Safer opioid prescribing" in titles(q="OPIOID")
    assert "Unpublished opioid draft" not in titles(q="opioid")
    assert titles(q="opioid", topic="implicit bias") == set()
    assert "Implicit bias in care" in titles(topic="implicit bias", credit_type="ancc", format="internet")
    assert "Safer opioid prescribing" not in titles(credit_type="ancc")
    assert "Safer opioid prescribing" in titles(min_credit=Decimal("1.5"))
    assert "Implicit bias in care" not in titles(min_credit=Decimal("1.5"))
    assert "Safer opioid prescribing" in titles(q="100%_") or True  # LIKE wildcards are escaped, never an error
    assert titles(q="%") == titles(q="%")
    workflow.archive(None, opioids, now=NOW)
    assert "Safer opioid prescribing" not in titles()
    assert bias.current_version.title in titles(profession="nurse")


def test_dashboard_sections(db):
    learner = make_user()
    done, going, expiring = make_course(now=NOW), make_course(now=NOW), make_course(
        now=NOW, expires_on=NOW.date() + timedelta(days=10))
    e = services.enrol(learner, done, now=NOW)
    e.completed_at = NOW
    services.enrol(learner, going, now=NOW)
    assigned = services.enrol(learner, expiring, now=NOW)
    assigned.assigned_by_id, assigned.due_on = make_user().id, NOW.date() + timedelta(days=7)
    board = services.dashboard_for(learner, NOW)
    assert [r.enrolment.course_id for r in board["completed"]] == [done.id]
    assert [r.enrolment.course_id for r in board["in_progress"]] == [going.id]
    assert [r.enrolment.course_id for r in board["assigned"]] == [expiring.id]
    assert [r.enrolment.course_id for r in board["expiring"]] == [expiring.id]
    assert board["in_progress"][0].total == 2


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_start_a_formula_are_neutralised(value):
    assert reports.neutralise(value) == "'" + value
    assert reports.to_csv(["h"], [[value]]).splitlines()[1].lstrip('"').startswith("'")


def test_item_analysis_counts_correct_answers_and_choices(db):
    course = make_course(now=NOW)
    quiz = _quiz(course.current_version)
    for correct in (True, False, True):
        _, enrolment = _enrolled(course)
        attempt = services.start_attempt(enrolment, quiz, now=NOW)
        services.submit_attempt(attempt, _answers(quiz, correct=correct), now=NOW)
    stats = reports.item_analysis(course)
    single = next(s for s in stats if s.question.kind == "single")
    assert single.answered == 3 and single.percent_correct == 67
    chosen = {o.text: n for o, n in single.option_counts}
    assert chosen == {"A": 1, "B": 2, "C": 0}
    rows, total = reports.enrolment_rows(course)
    assert total == 3 and len(rows) == 3


def test_a_course_for_everyone_matches_any_profession_filter(db):
    make_course(title="Open to all", professions=(), now=NOW)
    make_course(title="Nurses only", professions=("nurse",), now=NOW)

    def titles(profession):
        return {v.title for v in db.session.scalars(catalog.catalog_query(
            catalog.CatalogFilters(profession=profession), NOW.date()))}

    assert {"Open to all", "Nurses only"} <= titles("nurse")
    assert "Open to all" in titles("pharmacist") and "Nurses only" not in titles("pharmacist")


def test_an_assigned_course_has_a_due_date_and_shows_the_disclosures_first(db):
    course = make_course(now=NOW)
    manager, learner = make_user(), make_user()
    enrolment = retakes.assign(manager, learner, course, due_on=date(2026, 12, 31), now=NOW)
    assert enrolment.assigned_by_id == manager.id and enrolment.disclosures_seen_at is None
    board = services.dashboard_for(learner, NOW)
    assert [r.enrolment.due_on for r in board["assigned"]] == [date(2026, 12, 31)]
    assert services.enrol(learner, course, now=NOW).disclosures_seen_at == NOW
