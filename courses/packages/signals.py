"""What the package players tell the rest of the courses feature.

``outcome`` is sent (sender: the lesson id or None) with ``user_id``, ``enrolment_id``, ``completed``
(the package's own rules are met: cmi5 course satisfied, SCORM completion/success), ``seconds``
(time the learner spent, to add) and ``now``. ``courses.packages.progress`` turns it into lesson
progress and Continuum's own course completion.
"""

from blinker import Namespace

_signals = Namespace()
outcome = _signals.signal("package-outcome")
