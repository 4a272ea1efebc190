"""What practice training tells others (blinker)."""

from blinker import Namespace

_signals = Namespace()

# sender: the organisation's id; ``assignment_id``, ``membership_id``, ``user_id``, ``title``, ``due_on``:
# a person's assigned training went overdue (sent once, with the day's overdue reminder)
assignment_overdue = _signals.signal("assignment-overdue")
