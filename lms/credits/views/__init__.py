"""Credit views: the learner's claims and transcript (learner), requirements, the educator's claims and exports (educator)."""

from lms.credits.views import educator, learner, requirements  # noqa: F401
