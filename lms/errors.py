"""The one base class for a business rule that refuses an action.

Every service's typed exception (``CreditError``, ``CourseError``, ``MeetingError`` …) derives
from ``RuleViolation``; its message is written for the person who asked. A view that does not
catch one gets the app-wide path (``lms.main.errors``): the request's work is rolled back and
the message shown on the page the person came from, or as a 422 problem for JSON clients.
"""

from __future__ import annotations


class RuleViolation(Exception):
    """A business rule refused the action; ``str(exc)`` is shown to the user."""
