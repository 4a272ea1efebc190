"""A live server for the SCIM conformance run: the real app over HTTP on 127.0.0.1, its own database."""

from __future__ import annotations

import os
import threading

import pytest

from tests.conftest import base_config, require_postgres, upgrade_database


@pytest.fixture(scope="module")
def scim_live(tmp_path_factory):
    from werkzeug.serving import make_server

    from lms import create_app

    configured = os.environ.get("TEST_DATABASE_URL") or ""
    url = (require_postgres("scimlive") if configured.startswith("postgres")
           else f"sqlite:///{tmp_path_factory.mktemp('scim-live') / 'scim.db'}")
    app = create_app(base_config(tmp_path_factory.mktemp("scim-app"), url))
    upgrade_database(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base
    thread = threading.Thread(target=server.serve_forever, name="scim-live", daemon=True)
    thread.start()
    try:
        yield app, base
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        from lms.extensions import db

        with app.app_context():
            db.engine.dispose()
