"""Headers, CSRF and cookies on real responses."""

import re

from tests.factories import make_user


def test_security_headers_on_every_response(client, db):
    for path in ["/", "/auth/login", "/static/css/app.css", "/no-such-page"]:
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self' https://meet.example.org" in csp and "'unsafe-inline'" not in csp
        assert "frame-src https://meet.example.org" in csp and "frame-ancestors 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client, db):
    client.login(make_user(admin=True))
    for path in ["/", "/auth/login", "/auth/register", "/dashboard", "/profile", "/orgs/", "/admin/users"]:
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"\son[a-z]+\s*=", page), path


def test_session_cookie_flags(make_client, db, app):
    user = make_user()
    browser = make_client()
    browser.post("/auth/login", {"email": user.email, "password": "correct horse battery staple"})
    set_cookie = browser.http.get_cookie("session")
    assert set_cookie is not None and set_cookie.http_only and set_cookie.same_site == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # development; production turns it on


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    from lms import create_app

    monkeypatch.setenv("CONTINUUM_ENV", "production")
    app = create_app({"SECRET_KEY": "Zr8v2kQ9xWmP4tLb7nC1yH6sJd3fGa0e", "INSTANCE_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_cross_site_post_without_csrf_token_changes_nothing(make_client, db):
    user = make_user()
    victim = make_client().login(user)
    response = victim.post("/profile", {"first_name": "Hacked", "last_name": "X", "profession": "other",
                                        "timezone": "UTC"}, csrf=False, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert user.first_name == "Test"
    response = victim.post("/auth/logout", csrf=False)
    assert response.status_code == 400
    assert victim.get("/profile").status_code == 200


def test_csrf_token_from_another_session_is_refused(make_client, db):
    user = make_user()
    attacker, victim = make_client(), make_client().login(user)
    token = attacker.csrf_token()
    response = victim.post("/profile", {"first_name": "Hacked", "last_name": "X", "profession": "other",
                                        "timezone": "UTC", "csrf_token": token})
    assert response.status_code == 400 and user.first_name == "Test"


def test_logout_is_post_only(client, db):
    client.login(make_user())
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/profile").status_code == 200


def test_json_errors_for_api_clients(client, db):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"] == "Not found"
