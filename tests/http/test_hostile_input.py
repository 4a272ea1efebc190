"""Every route, hostile IDs and hostile bodies: never a 500.

The walk takes every rule in ``app.url_map`` (so a new route is covered the day it is added) and
fills each of its variables with IDs the database cannot hold or that do not exist (0, -1, 2^31,
2^63, 10^20, text) and each string variable with text, NUL bytes and right-to-left overrides;
it sends each method the rule accepts with query strings and bodies an attacker would send: NUL
bytes in form fields, integers beyond every column, a JSON array, 100k-deep JSON, bytes that are
not UTF-8. Anonymous and as an administrator who manages an organisation (which reaches furthest).
Every answer must be below 500; an exception fails the test with the route that raised it.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import make_member, make_org, make_user

HOSTILE_IDS = ("0", "-1", "2147483648", "9223372036854775808", "100000000000000000000", "abc")
HOSTILE_TEXT = ("2147483648", "%00", "%E2%80%AEfdp.exe", "x" * 300)
QUICK_IDS = ("0", "2147483648", "9223372036854775808")
HUGE = "9" * 25
FORM_FIELDS = ("title", "name", "email", "q", "password", "first_name", "last_name", "npi", "code", "role",
               "amount", "reason", "text", "body", "description", "provider_name", "activity_title")
INT_FIELDS = ("membership_id", "user_id", "team", "team_ids", "invitee_ids", "cohost_ids", "membership_ids",
              "recurrence_months", "grace_days", "estimated_minutes", "pass_mark_pct", "max_attempts",
              "recurrence_count", "min_credit_minutes", "page", "position", "duration", "template_id")
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def _fill(rule: str, value_for) -> str:
    return _VARIABLE.sub(lambda m: value_for(m.group("converter") or "default", m.group("args") or ""), rule)


def urls_for(rule, ids, texts) -> list[str]:
    """The rule with every variable hostile at once, and each int variable hostile beside real-looking 1s."""
    def any_choice(args):
        return args.split(",")[0].strip().strip("'\"")

    urls = []
    for hostile in ids:
        urls.append(_fill(rule.rule, lambda conv, args: any_choice(args) if conv == "any"
                          else hostile if conv == "int" else texts[0]))
    for text in texts:
        urls.append(_fill(rule.rule, lambda conv, args: any_choice(args) if conv == "any" else "1" if conv == "int"
                          else text))
    return list(dict.fromkeys(urls))


def bodies(csrf: str) -> list[dict]:
    nul_form = {name: f"a\x00{name}" for name in FORM_FIELDS}
    huge_form = {name: HUGE for name in INT_FIELDS} | {"amount": "1e999", "activity_date": "99999-01-01",
                                                       "starts_at": "0000-00-00T99:99"}
    return [
        {"data": {"csrf_token": csrf, **nul_form}},
        {"data": {"csrf_token": csrf, **huge_form}},
        {"data": b"[1, 2, 3]", "content_type": "application/json", "headers": {"X-CSRFToken": csrf}},
        {"data": b"[" * 100_000 + b"]" * 100_000, "content_type": "application/json", "headers": {"X-CSRFToken": csrf}},
        {"data": b'"just a string"', "content_type": "application/json", "headers": {"X-CSRFToken": csrf}},
        {"data": b"\xff\xfe\x00garbage=\x00&csrf_token=" + csrf.encode(),
         "content_type": "application/x-www-form-urlencoded"},
    ]


QUERIES = ("", f"?page={HUGE}&team={HUGE}&item={HUGE}&status=x&when=past", "?q=%00&next=%00", "?page=-5&page=abc")


@pytest.fixture
def people(db):
    org = make_org()
    admin = make_user(admin=True)
    make_member(org, admin, role="manager")
    return {"anonymous": None, "admin": admin}


def walk(app, make_client, people, ids, texts, queries, with_bodies) -> tuple[list[str], int]:
    failures, count = [], 0
    for role, user in people.items():
        browser = make_client()
        if user is not None:
            browser.login(user)
        csrf = browser.csrf_token()
        for rule in app.url_map.iter_rules():
            if rule.endpoint in {"static", "bootstrap.static"}:
                continue
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            for url in urls_for(rule, ids, texts):
                for method in methods:
                    attempts = [("GET", url + q, {}) for q in queries] if method == "GET" else \
                        [(method, url, body) for body in (bodies(csrf) if with_bodies else [{"data": {"csrf_token": csrf}}])]
                    for verb, target, body in attempts:
                        count += 1
                        try:
                            response = browser._isolated(getattr(browser.http, verb.lower()), target, **body)
                        except Exception as exc:  # TESTING propagates what no handler caught: that is a 500
                            failures.append(f"{role} {verb} {target[:120]} raised {exc.__class__.__name__}: {exc}"[:300])
                            continue
                        if response.status_code >= 500:
                            failures.append(f"{role} {verb} {target[:120]} -> {response.status_code}")
    return failures, count


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_every_route_refuses_hostile_ids_without_a_server_error(app, make_client, people):
    failures, count = walk(app, make_client, people, QUICK_IDS, HOSTILE_TEXT[:2], QUERIES[:2], with_bodies=False)
    assert count > 500
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_every_route_survives_hostile_ids_queries_and_bodies(app, make_client, people):
    failures, count = walk(app, make_client, people, HOSTILE_IDS, HOSTILE_TEXT, QUERIES, with_bodies=True)
    assert count > 5000
    assert not failures, "\n".join(failures)
