"""Pages for educators (import a package into a lesson) and learners (play it).

A learner's package lesson page lists the cmi5 AUs (each launched in its own window, returning
here) or hosts the SCORM player: scorm-again's API in this page, the SCO in a sandboxed frame
talking to it by postMessage (scorm-again's cross-frame bridge, injected into the SCO's pages).
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from courses import content as content_rules
from courses import services
from courses.access import get_course_or_404
from courses.authoring import CourseError
from courses.forms import ConfirmForm, UploadForm
from courses.packages import bp, cmi5, scorm
from courses.packages.archive import PackageRefused
from courses.packages.importer import import_package
from courses.packages.models import Cmi5Registration, ContentPackage
from courses.packages.views.common import base_url, limits, now, public_url, spool_body, upload_dir
from courses.packages.xapi import XapiError
from courses.views.common import upload_done, upload_refused
from lms.extensions import csrf, db

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "frame-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")


def _learner_context(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id)
    enrolment = services.enrolment_for(current_user, course)
    if enrolment is None:
        return course, None, None, None
    version = services.load_version(enrolment.version_id)
    lesson = next((item for item in version.lessons if item.id == lesson_id), None)
    if lesson is None or lesson.kind != "package" or lesson.package_id is None:
        abort(404)
    package = db.session.get(ContentPackage, lesson.package_id)
    if package is None:
        abort(404)
    return course, enrolment, lesson, package


def actor_for(user) -> dict:
    """The xAPI actor for a Continuum learner: an account on this site, by number (no name, no email)."""
    return {"objectType": "Agent", "account": {"homePage": public_url(), "name": f"user-{user.id}"}}


def _registration(package, lesson, enrolment):
    existing = db.session.scalar(select(Cmi5Registration).where(
        Cmi5Registration.package_id == package.id, Cmi5Registration.user_id == current_user.id,
        Cmi5Registration.enrolment_id == enrolment.id, Cmi5Registration.round == enrolment.round))
    if existing is not None:
        return existing
    return cmi5.registration_for(package, actor=actor_for(current_user), now=now(), public_url=public_url(),
                                 user_id=current_user.id, lesson_id=lesson.id, enrolment_id=enrolment.id,
                                 round=enrolment.round)


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>")
@login_required
def play(course_id: int, lesson_id: int):
    course, enrolment, lesson, package = _learner_context(course_id, lesson_id)
    if enrolment is None:
        return redirect(url_for("courses.show", course_id=course.id))
    back = url_for("courses.lesson", course_id=course.id, lesson_id=lesson.id)
    if package.standard == "cmi5":
        registration = _registration(package, lesson, enrolment)
        states = registration.au_state or {}
        aus = [dict(au, index=i, state=states.get(str(i), {})) for i, au in enumerate(package.aus)]
        response = render_template("packages/cmi5.html", course=course, lesson=lesson, package=package, aus=aus,
                                   registration=registration, form=ConfirmForm(), back=back)
        return response
    nav = None
    if package.standard == "scorm2004":
        sequencer = scorm.sequencer_for(package, user_id=current_user.id, enrolment_id=enrolment.id,
                                        round=enrolment.round)
        current, message = _navigate(sequencer, package, enrolment)
        if current is None:
            flash(message, "info")
            return redirect(back, code=303)
        if message:
            flash(message, "warning")
        sco_index = current.sco
        nav = _nav_controls(sequencer, current)
    else:
        sco_index = min(max(request.args.get("sco", 0, type=int), 0), len(package.structure["scos"]) - 1)
    sco = package.structure["scos"][sco_index]
    attempt = scorm.attempt_for(package, current_user, lesson_id=lesson.id, enrolment_id=enrolment.id,
                                round=enrolment.round, sco_index=sco_index, now=now())
    name = f"{current_user.last_name}, {current_user.first_name}" if hasattr(current_user, "last_name") else \
        str(current_user.id)
    config = {"standard": package.standard, "cmi": scorm.resume_data(
                  attempt, package, learner_id=str(current_user.id), learner_name=name,
                  mastery=sco.get("mastery_score") / 100 if sco.get("mastery_score") else None),
              "commitUrl": url_for("packages.scorm_commit", course_id=course.id, lesson_id=lesson.id,
                                   attempt_id=attempt.id),
              "launchUrl": url_for("xapi.content", key=package.storage_key, path=sco["href"].split("?")[0]) +
              ("?" + sco["href"].split("?", 1)[1] if "?" in sco["href"] else "") +
              (("&" if "?" in sco["href"] else "?") + sco["parameters"].lstrip("?&") if sco["parameters"] else ""),
              "csrf": generate_csrf(),
              "navUrl": url_for("packages.play", course_id=course.id, lesson_id=lesson.id), "current": sco_index,
              "navValid": {"continue": bool(nav and nav["next"]), "previous": bool(nav and nav["previous"])}}
    response = render_template("packages/scorm.html", course=course, lesson=lesson, package=package, sco=sco,
                               attempt=attempt, config=config, back=back, nav=nav, sco_index=sco_index)
    return response, 200, {"Content-Security-Policy": PAGE_CSP}


NAV_REQUESTS = ("start", "continue", "previous", "choice", "exit", "exitAll", "suspendAll", "abandon", "abandonAll")


def _navigate(sequencer, package, enrolment):
    """Which SCO a SCORM 2004 request lands on (``nav``: a navigation request as ``adl.nav.request``
    names it, with ``from`` the SCO index it was made in and ``target`` a choice's item id; ``sco`` is
    a choice by index). Returns (activity, warning) or (None, why the learner goes back to the lesson)."""
    nav = request.args.get("nav") or ("choice" if request.args.get("sco") is not None else "start")
    if nav not in NAV_REQUESTS:
        abort(400)
    if nav in ("exit", "exitAll", "suspendAll", "abandon", "abandonAll"):
        return None, "Your progress in this module is saved."
    if nav == "choice":
        target = sequencer.by_id.get(request.args.get("target", "")) if request.args.get("sco") is None else \
            sequencer.leaf_for(request.args.get("sco", -1, type=int))
        if target is None:
            abort(404)
        if not sequencer.can_choose(target):
            abort(403, description="This module does not let you choose that unit.")
        return target, ""
    if nav in ("continue", "previous"):
        current = sequencer.leaf_for(request.args.get("from", -1, type=int))
        if current is None:
            abort(400)
        if not sequencer.can_continue(current):
            return current, "This module does not offer Next and Previous here: use its own navigation."
        found, why = sequencer.next(current) if nav == "continue" else sequencer.previous(current)
        if found is not None:
            return found, ""
        if why == "end":
            return (None, "You have reached the end of this module.") if nav == "continue" else \
                (current, "This is the first unit of the module.")
        return current, "The module's rules do not allow that move from here."
    latest = scorm.latest_attempts(package, user_id=current_user.id, enrolment_id=enrolment.id, round=enrolment.round)
    if latest:
        last = max(latest.values(), key=lambda a: (a.updated_at, a.id))
        current = sequencer.leaf_for(last.sco_index)
        if current is not None and last.finished_at is not None and not last.suspended and \
                sequencer.can_continue(current):
            found, _why = sequencer.next(current)
            current = found or current
        if current is not None:
            return current, ""
    first = sequencer.start()
    return (first, "") if first is not None else (None, "This module has no unit you can start.")


def _nav_controls(sequencer, current) -> dict:
    flow = sequencer.can_continue(current)
    following, why = sequencer.next(current) if flow else (None, "")
    preceding, _ = sequencer.previous(current) if flow else (None, "")
    return {"next": flow and (following is not None or why == "end"), "finish": following is None,
            "previous": preceding is not None,
            "toc": sequencer.toc(current) if sequencer.shows_toc() else None, "current": current.id}


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/launch/<int:au_index>", methods=["POST"])
@login_required
def launch(course_id: int, lesson_id: int, au_index: int):
    course, enrolment, lesson, package = _learner_context(course_id, lesson_id)
    if enrolment is None or package.standard != "cmi5" or not ConfirmForm().validate_on_submit():
        abort(400)
    registration = _registration(package, lesson, enrolment)
    mode = request.form.get("mode", "Normal")
    try:
        _session, url = cmi5.launch(
            registration, package, au_index, launch_mode=mode if mode in cmi5.LAUNCH_MODES else "Normal",
            base_url=base_url(), content_base=f"{base_url()}/packages/content",
            return_url=base_url() + url_for("packages.play", course_id=course.id, lesson_id=lesson.id), now=now(),
            public_url=public_url())
    except LookupError:
        abort(404)
    return redirect(url, code=303)


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/scorm/<int:attempt_id>", methods=["POST"])
@login_required
def scorm_commit(course_id: int, lesson_id: int, attempt_id: int):
    """scorm-again's commits (CSRF token in the X-CSRFToken header): the run-time data for this attempt."""
    course, enrolment, lesson, package = _learner_context(course_id, lesson_id)
    from courses.packages.models import ScormAttempt
    attempt = db.session.get(ScormAttempt, attempt_id)
    if enrolment is None or attempt is None or attempt.user_id != current_user.id or \
            attempt.package_id != package.id or attempt.enrolment_id != enrolment.id:
        abort(404)
    payload = request.get_json(silent=True)
    if request.args.get("terminate") and isinstance(payload, dict):
        payload["terminate"] = True
    try:
        scorm.commit(attempt, package, payload, now=now())
    except scorm.CommitRefused as exc:
        return jsonify(result=False, errorCode=101, message=str(exc)), 400
    return jsonify(result=True, errorCode=0)


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/import", methods=["POST"])
@csrf.exempt  # CSRFProtect would parse the body under the global size cap; UploadForm checks the token instead
@login_required
def import_into_lesson(course_id: int, lesson_id: int):
    """Import a package (zip or cmi5.xml) into a draft's package lesson; a refusal stores nothing."""
    course = get_course_or_404(course_id, for_edit=True)
    back = url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id)
    cap = limits().upload_bytes
    if request.content_length is not None and request.content_length > cap + 64 * 1024:
        return upload_refused(f"The package is larger than {cap // (1024 * 1024)} MB.", back)
    request.max_content_length = cap + 64 * 1024
    form = UploadForm()
    if not form.validate_on_submit():
        return upload_refused("Choose a package file to import.", back)
    try:
        lesson = content_rules.lesson_of(course, lesson_id)
    except (LookupError, CourseError):
        abort(404)
    if lesson.kind != "package":
        abort(404)
    upload = form.file.data
    try:
        path = spool_body(upload.stream, cap)
        try:
            package = import_package(path, content_type=upload.mimetype or "", filename=upload.filename or "package",
                                     org_id=course.org_id, user_id=current_user.id, now=now(),
                                     public_url=public_url(), upload_dir=upload_dir(), limits=limits())
        finally:
            path.unlink(missing_ok=True)
    except PackageRefused as exc:
        return upload_refused(f"Package refused: {exc}", back)
    lesson.package_id = package.id
    db.session.flush()
    return upload_done(f"Imported {package.standard_label} package “{package.title}”.", back)


@bp.route("/courses/<int:course_id>/report")
@login_required
def report(course_id: int):
    from courses.packages import reports

    course = get_course_or_404(course_id, for_edit=True)
    page = reports.learner_page(course, page=request.args.get("page", 1, type=int) or 1)
    rows = reports.attempt_rows(course, user_ids=[user.id for user in page.items])
    return render_template("packages/report.html", course=course, rows=rows, header=reports.ATTEMPT_HEADER,
                           page=page, interactions=reports.interaction_count(course))


@bp.route("/courses/<int:course_id>/report/<name>.csv")
@login_required
def report_csv(course_id: int, name: str):
    from flask import Response

    from courses.packages import reports
    from courses.reports import to_csv

    course = get_course_or_404(course_id, for_edit=True)
    if name == "attempts":
        body = to_csv(reports.ATTEMPT_HEADER, reports.attempt_rows(course))
    elif name == "interactions":
        body = to_csv(reports.INTERACTION_HEADER, reports.interaction_rows(course))
    else:
        abort(404)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="course-{course.id}-package-{name}.csv"',
        "Cache-Control": "private, no-store"})
