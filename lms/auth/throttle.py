"""Progressive delays for failed sign-ins, and quiet per-address limits, in the rate limiter's storage.

A hard per-account lockout lets a stranger lock a clinician out by typing wrong passwords. Instead,
after ``LOGIN_DELAY_AFTER`` failures on an account (from anywhere, within 15 minutes) each further
attempt must wait twice as long as the last, up to ``LOGIN_DELAY_MAX_SECONDS``: a guesser is slowed
to a few attempts a minute while the owner waits seconds at most. The hard limits stay per client
(``LOGIN_LIMIT_PER_IP``, and ``LOGIN_LIMIT_PER_ACCOUNT`` per account *and* client), so they only
stop the client that is guessing. Counters live in the limiter's storage (Redis in production), so
every app process sees them. Clients are told apart by their real address (``PROXY_COUNT``).
"""

from __future__ import annotations

import time
from functools import wraps

from flask import current_app, request
from limits import parse

from lms.extensions import limiter

WINDOW_SECONDS = 15 * 60


def _enabled() -> bool:
    """Rate limiting switched off (``RATELIMIT_ENABLED=0``) switches these counters off too: the limiter
    then has no storage to keep them in."""
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _storage():
    return limiter.storage


def _keys(account: str) -> tuple[str, str]:
    return f"login-failures:{account}", f"login-wait:{account}"


def wait_seconds(account: str) -> int:
    """Seconds before this account may be tried again (0: now)."""
    if not account or not _enabled():
        return 0
    _, wait_key = _keys(account)
    storage = _storage()
    if storage.get(wait_key) <= 0:
        return 0
    return max(1, int(storage.get_expiry(wait_key) - time.time() + 0.999))


def record_failure(account: str) -> None:
    if not account or not _enabled():
        return
    count_key, wait_key = _keys(account)
    storage = _storage()
    failures = storage.incr(count_key, WINDOW_SECONDS)
    free = int(current_app.config.get("LOGIN_DELAY_AFTER", 10))
    if failures >= free:
        delay = min(2 ** (failures - free), int(current_app.config.get("LOGIN_DELAY_MAX_SECONDS", 30)))
        storage.clear(wait_key)
        storage.incr(wait_key, delay)


def record_success(account: str) -> None:
    if not _enabled():
        return
    for key in _keys(account):
        _storage().clear(key)


def progressive_delay(account_of, failed):
    """Decorate a sign-in view: 429 with ``Retry-After`` while the account must wait, count failures after."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method != "POST":
                return view(*args, **kwargs)
            account = account_of()
            if (seconds := wait_seconds(account)) > 0:
                from lms.main.errors import error_response

                response = error_response(429)
                response.headers["Retry-After"] = str(seconds)
                limiter.context.view_rate_limit = None  # its window's reset is not when this account may retry
                return response
            response = current_app.make_response(view(*args, **kwargs))
            if failed(response):
                record_failure(account)
            else:
                record_success(account)
            return response
        return wrapper
    return decorate


def allow(limit: str, key: str) -> bool:
    """Count one use of ``key`` against ``limit`` (e.g. "3 per hour"); False once it is spent. Never raises."""
    if not _enabled():
        return True
    return limiter.limiter.hit(parse(limit), "quiet", key)


def per_user() -> str:
    """Rate-limit key: the signed-in account (its client address when anonymous)."""
    from flask_login import current_user

    user_id = current_user.get_id() if current_user and current_user.is_authenticated else None
    return f"user:{user_id.partition('.')[0]}" if user_id else f"client:{request.remote_addr}"


def claim_limit() -> str:
    return current_app.config["CLAIM_LIMIT_PER_USER"]


def pdf_limit() -> str:
    return current_app.config["PDF_LIMIT_PER_USER"]
