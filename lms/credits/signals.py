"""What the credits feature tells others.

``credit_changed`` is sent when a learner's credit for an activity is claimed, corrected or
revoked (keyword arguments ``learner_id``, ``kind``, ``activity_id``). Receivers run in the
request; anything they queue runs after its commit (``lms.jobs.enqueue``). ``credit_claimed`` and
``credit_corrected`` carry the new ledger entry itself (for webhooks).
"""

from blinker import Namespace

_signals = Namespace()

# sender: the new CreditEntry (kind "claim")
credit_claimed = _signals.signal("credit-claimed")
# sender: the new CreditEntry (kind "correction" or "revocation"); ``claim`` is the original claim
credit_corrected = _signals.signal("credit-corrected")
credit_changed = _signals.signal("credit-changed")
