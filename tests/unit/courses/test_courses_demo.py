"""The demo seeds four published Northbridge courses, once."""

from __future__ import annotations

from sqlalchemy import func, select

from courses.credit_hooks import activity_info
from courses.models import Course, CourseVersion
from lms.demo import seed


def test_demo_courses_are_published_and_seeding_is_idempotent(db):
    seed()
    seed()
    courses = db.session.scalars(select(Course).join(Course.org).where(
        Course.current_version_id.is_not(None))).all()
    titles = {c.current_version.title for c in courses}
    assert {"Opioid prescribing: safer pain management", "Implicit bias in clinical care",
            "HIPAA privacy and security essentials", "Managing type 2 diabetes in primary care"} <= titles
    assert db.session.scalar(select(func.count()).select_from(CourseVersion).where(
        CourseVersion.title == "Opioid prescribing: safer pain management")) == 1
    opioids = next(c for c in courses if c.current_version.title.startswith("Opioid"))
    info = activity_info(opioids.id)
    assert info.acpe_uan and set(info.designations) >= {"ama_pra_1", "ancc", "acpe"}
    assert info.provider_name == "Northbridge CME Institute"
    hipaa = next(c for c in courses if c.current_version.title.startswith("HIPAA"))
    assert set(activity_info(hipaa.id).designations) == {"participation"}
