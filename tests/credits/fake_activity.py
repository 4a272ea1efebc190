"""A stand-in activity provider speaking the ``lms.activities`` contract, for credit tests
that must not depend on how courses or meetings compute completion."""

from __future__ import annotations

from lms.activities import ActivityInfo, Participation

INFOS: dict[int, ActivityInfo] = {}
PARTICIPATION: dict[tuple[int, int], Participation] = {}


def activity_info(activity_id: int) -> ActivityInfo | None:
    return INFOS.get(activity_id)


def participation(learner_id: int, activity_id: int) -> Participation:
    return PARTICIPATION.get((learner_id, activity_id), Participation(completed_at=None, evaluation_submitted=False))


# The activity as one learner took it (a course's completed version), when it differs from the current.
TAKEN: dict[tuple[int, int], ActivityInfo] = {}


def enrolment_info(learner_id: int, activity_id: int) -> ActivityInfo | None:
    return TAKEN.get((learner_id, activity_id))
