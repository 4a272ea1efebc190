"""Accounts through HTTP: the whole register → verify → login → logout cycle and its attacks."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from lms.extensions import db as _db
from lms.users.models import User
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a completely different passphrase"


def register(client, email="new.clinician@example.org", password="ward rounds at dawn 7", **extra):
    data = {"first_name": "Nia", "last_name": "Okoro", "email": email, "profession": "nurse",
            "password": password, "confirm": password, **extra}
    return client.post("/auth/register", data)


def login(client, email, password=PASSWORD, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password})


def test_register_verify_login_logout(client, outbox, db):
    response = register(client)
    assert response.status_code == 302 and "/auth/check-email" in response.location
    user = db.session.scalar(_db.select(User).where(User.email == "new.clinician@example.org"))
    assert user is not None and not user.is_verified and user.password_hash.startswith("$argon2id$")

    # Unverified accounts cannot log in yet (and are sent a fresh link).
    assert login(client, user.email, "ward rounds at dawn 7").status_code == 401

    link = outbox.last_link("new.clinician@example.org")
    assert link.startswith("https://continuum.example.org/auth/verify/")
    response = client.get(link.replace("https://continuum.example.org", ""))
    assert response.status_code == 302 and user.is_verified

    response = login(client, user.email, "ward rounds at dawn 7")
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200

    assert client.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_registration_keeps_what_was_typed_on_error(client, db):
    response = register(client, password="password123")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "too common" in page and 'value="new.clinician@example.org"' in page and 'value="Okoro"' in page
    assert db.session.scalar(_db.select(User).where(User.email == "new.clinician@example.org")) is None


def test_duplicate_email_is_refused_case_insensitively(client, db):
    make_user(email="taken@example.org")
    response = register(client, email="Taken@Example.org ")
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_unknown_email_and_wrong_password_get_the_same_message(client, db):
    user = make_user()
    wrong = login(client, user.email, "not the password at all")
    unknown = login(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    text_of = lambda r: re.search(r'role="alert">([^<]*)<', r.get_data(as_text=True)).group(1)
    assert text_of(wrong) == text_of(unknown) == "Incorrect email or password."


def test_cookie_captured_before_logout_gets_no_access_after(make_client, db):
    user = make_user()
    browser = make_client()
    assert login(browser, user.email).status_code == 302
    captured = browser.session_cookie()
    assert browser.get("/profile").status_code == 200
    browser.logout()

    attacker = make_client()
    attacker.set_session_cookie(captured)
    response = attacker.get("/profile")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_remember_me_cookie_is_void_after_logout(make_client, db, app):
    user = make_user()
    browser = make_client()
    browser.post("/auth/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = browser.http.get_cookie("remember_token")
    assert remember is not None
    browser.logout()
    attacker = make_client()
    attacker.http.set_cookie("remember_token", remember.value)
    assert attacker.get("/profile").status_code == 302


def test_changing_password_signs_out_other_sessions_but_not_this_one(make_client, db):
    user = make_user()
    laptop, phone = make_client(), make_client()
    login(laptop, user.email)
    login(phone, user.email)
    response = laptop.post("/auth/password/change",
                           {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/profile").status_code == 200
    assert phone.get("/profile").status_code == 302
    assert login(make_client(), user.email, NEW_PASSWORD).status_code == 302


def test_change_password_needs_the_current_one(client, db):
    user = make_user()
    client.login(user)
    response = client.post("/auth/password/change",
                           {"current": "wrong wrong wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422 and "not correct" in response.get_data(as_text=True)


def test_disabling_an_account_ends_its_sessions(make_client, db):
    admin = make_user(admin=True)
    user = make_user()
    victim_browser = make_client()
    login(victim_browser, user.email)
    admin_browser = make_client().login(admin)
    assert admin_browser.post(f"/admin/users/{user.id}/disable").status_code == 302
    assert victim_browser.get("/profile").status_code == 302
    assert login(make_client(), user.email).status_code == 401


def test_next_redirects_only_to_same_origin_paths(make_client, db):
    user = make_user()
    for evil in ["//evil.example", "/\\evil.example", "javascript:alert(1)", "https://evil.example/x"]:
        response = login(make_client(), user.email, next_url=evil)
        assert response.status_code == 302
        assert response.location == "/dashboard", evil
    response = login(make_client(), user.email, next_url="/profile%23licences")
    assert response.location == "/profile#licences"


def test_login_page_does_not_echo_unsafe_next(client, db):
    page = client.get("/auth/login?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in page


def test_twenty_wrong_passwords_get_throttled(make_client, db):
    user = make_user()
    statuses = [login(make_client(), user.email, f"wrong guess number {i}").status_code for i in range(20)]
    assert statuses[0] == 401
    assert 429 in statuses
    # Once throttled, even the right password is refused for a while: the guesser learns nothing.
    assert login(make_client(), user.email).status_code == 429


def test_throttle_per_ip_across_accounts(make_client, db, app):
    users = [make_user() for _ in range(3)]
    app.config["LOGIN_LIMIT_PER_IP"] = "5 per minute"
    try:
        statuses = [login(make_client(), users[i % 3].email, "nope nope nope").status_code for i in range(8)]
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "30 per 5 minutes"
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3


def test_successful_logins_do_not_lock_out_the_owner(make_client, db):
    user = make_user()
    assert all(login(make_client(), user.email).status_code == 302 for _ in range(15))


def test_password_reset_is_single_use(client, outbox, db):
    user = make_user()
    client.post("/auth/password/forgot", {"email": user.email})
    path = outbox.last_link(user.email).replace("https://continuum.example.org", "")
    assert client.get(path).status_code == 200
    response = client.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert login(client, user.email, NEW_PASSWORD).status_code == 302
    client.logout()
    # The same link again: refused, and the password stays what was set.
    response = client.post(path, {"password": "yet another passphrase 9", "confirm": "yet another passphrase 9"})
    assert response.status_code == 302 and "forgot" in response.location
    assert login(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_link_expires(client, outbox, db):
    user = make_user()
    with time_machine.travel("2026-11-27 10:00:00+00:00", tick=False):
        client.post("/auth/password/forgot", {"email": user.email})
    path = outbox.last_link(user.email).replace("https://continuum.example.org", "")
    with time_machine.travel("2026-11-27 11:01:00+00:00", tick=False):
        response = client.get(path)
    assert response.status_code == 302 and "forgot" in response.location


def test_forgot_password_does_not_reveal_accounts(client, outbox, db):
    make_user(email="known@example.org")
    known = client.post("/auth/password/forgot", {"email": "known@example.org"})
    unknown = client.post("/auth/password/forgot", {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 302 and known.location == unknown.location
    assert [m["To"] for m in outbox.messages] == ["known@example.org"]


def test_reset_link_ignores_a_forged_host_header(client, outbox, db):
    user = make_user()
    # The attacker talks to the real server but names their own host, from GET to POST.
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    page = client.get("/auth/password/forgot", headers=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/password/forgot", {"email": user.email, "csrf_token": token}, headers=forged)
    assert response.status_code == 302
    text = outbox.last_text(user.email)
    assert "evil.example" not in text
    assert "https://continuum.example.org/auth/password/reset/" in text


def test_tampered_tokens_are_refused(client, outbox, db):
    user = make_user(verified=False)
    client.post("/auth/verify/resend", {"email": user.email})
    path = outbox.last_link(user.email).replace("https://continuum.example.org", "")
    assert client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB")).status_code == 302
    assert not user.is_verified
    # A verification token is not a reset token (different salt).
    token = path.rsplit("/", 1)[1]
    response = client.get(f"/auth/password/reset/{token}")
    assert response.status_code == 302 and "forgot" in response.location


def test_verification_link_expires_after_three_days(client, outbox, db):
    with time_machine.travel("2026-11-01 09:00:00+00:00", tick=False):
        register(client)
    path = outbox.last_link().replace("https://continuum.example.org", "")
    with time_machine.travel("2026-11-01 09:00:00+00:00", tick=False) as traveller:
        traveller.shift(timedelta(days=3, minutes=1))
        assert "resend" in client.get(path).location
