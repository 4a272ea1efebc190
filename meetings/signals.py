"""What the meetings package tells others (blinker). Sent inside the transaction."""

from blinker import Namespace

_signals = Namespace()

# sender: the Meeting, once its host ended it and every open interval was closed
attendance_finalised = _signals.signal("attendance-finalised")
