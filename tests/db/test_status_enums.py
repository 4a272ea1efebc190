"""Status and kind columns take only their listed values, whoever writes: the ORM refuses a bad
value before the database sees it, and the database refuses raw SQL (CHECK on PostgreSQL,
triggers of the same name on SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from tests.factories import make_course, make_org, make_user


@pytest.mark.parametrize("column, good, bad", [("state", "in_review", "deleted"), ("state", "published", "")])
def test_raw_sql_cannot_write_an_unknown_version_state(db, column, good, bad):
    educator = make_user()
    course = make_course(make_org(), author=educator)
    version_id = course.draft_version.id if course.draft_version else course.current_version.id
    with db.session.begin_nested():
        db.session.execute(text(f"UPDATE course_version SET {column} = :v WHERE id = :id"), {"v": good, "id": version_id})
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text(f"UPDATE course_version SET {column} = :v WHERE id = :id"), {"v": bad, "id": version_id})


def test_raw_sql_cannot_insert_an_unknown_tag_kind(db):
    course = make_course(make_org(), author=make_user())
    version = course.draft_version or course.current_version
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text("INSERT INTO course_tag (version_id, kind, value) VALUES (:v, 'colour', 'red')"),
                           {"v": version.id})


def test_the_orm_refuses_an_unknown_state_before_the_database(db):
    course = make_course(make_org(), author=make_user())
    version = course.draft_version or course.current_version
    version.state = "archived-by-mistake"
    with pytest.raises(StatementError, match="archived-by-mistake"):
        db.session.flush()
    db.session.rollback()
