"""What the courses package tells others (blinker). Sent inside the transaction: receivers that reach
outside (email, webhooks) must wait for the commit (``lms.unit_of_work.after_commit``)."""

from blinker import Namespace

_signals = Namespace()

# sender: the CourseCompletion row (a learner completed a round of a course); ``provider_org_id``
course_completed = _signals.signal("course-completed")
