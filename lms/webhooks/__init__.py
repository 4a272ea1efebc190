"""Outbound webhooks per organisation: signed, queued, retried, logged, SSRF-guarded.

A feature: it listens to the other features' blinker signals and imports their models only to
describe an event. ``init_app`` registers the settings pages and connects the receivers.
"""

from __future__ import annotations


def init_app(app) -> None:
    from lms.webhooks import receivers
    from lms.webhooks.cli import deliver_webhooks_command
    from lms.webhooks.views import bp

    app.register_blueprint(bp)
    receivers.connect()
    from lms.cli import lms_cli

    lms_cli.add_command(deliver_webhooks_command)
