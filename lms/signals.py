"""Signals the core sends; features connect to them in their ``init_app``.

``daily`` is sent once a day by ``flask lms send-reminders`` with ``now``; each receiver does its
day's work (reminder emails, digests) and returns a line for the log.
"""

from blinker import Namespace

_signals = Namespace()

daily = _signals.signal("daily")
