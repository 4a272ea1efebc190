"""Signals the home pages send, so features add to them without the core importing a feature.

``dashboard_sections`` is sent with the signed-in user and ``now``; each receiver returns a
``(order, Markup)`` pair (or None to add nothing), and the dashboard shows them by ``order``."""

from blinker import Namespace

_signals = Namespace()

dashboard_sections = _signals.signal("dashboard-sections")
