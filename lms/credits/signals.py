"""What the credits feature tells others.

``credit_changed`` is sent when a learner's credit for an activity is claimed, corrected or
revoked (keyword arguments ``learner_id``, ``kind``, ``activity_id``). Receivers run in the
request; anything they queue runs after its commit (``lms.jobs.enqueue``).
"""

from blinker import Namespace

_signals = Namespace()

credit_changed = _signals.signal("credit-changed")
