"""Configuration read from the environment.

Every setting has a safe embedded default (SQLite under ``instance/``, jobs run
inline, mail written to ``instance/outbox``) so the demo runs with no services,
while production refuses to start without a strong ``SECRET_KEY``.
"""

from __future__ import annotations

import math
import os
import secrets
import zlib
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("CONTINUUM_INSTANCE", Path(__file__).resolve().parent.parent / "instance"))

# Keys that are obviously placeholders are refused in production even when long.
_WEAK_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test", "please-change-me"}
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen mode."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def demo_secret_key(instance_dir: Path) -> str:
    """Return the demo's secret key, generating it into ``instance/`` on first run."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


MIN_SECRET_KEY_BITS = 128
# Words of the documented placeholders and typical made-up keys: a key containing one was typed, not generated.
_PLACEHOLDER_WORDS = ("please", "change", "password", "example", "default", "replace")


def _shannon_bits(symbols: list) -> float:
    counts = {s: symbols.count(s) for s in set(symbols)}
    return -sum(n / len(symbols) * math.log2(n / len(symbols)) for n in counts.values()) * len(symbols)


def estimated_bits(key: str) -> float:
    """A conservative estimate of the randomness in ``key``: the smallest of its Shannon entropy (per
    character, times the length), the same over the steps between characters ("abcdef…" has almost
    none) and what zlib cannot squeeze out of it (repeats cost nothing)."""
    if len(key or "") < 2:
        return 0.0
    data = key.encode()
    steps = [ord(b) - ord(a) for a, b in zip(key, key[1:])]
    compressed = (len(zlib.compress(data, 9)) - len(zlib.compress(data[:1], 9))) * 8
    return min(_shannon_bits(list(key)), _shannon_bits(steps), compressed)


def is_strong_secret(key: str | None) -> bool:
    """At least 32 characters and an estimated 128 bits of randomness, with no placeholder words."""
    if not key or len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in _WEAK_KEYS:
        return False
    if any(word in key.lower() for word in _PLACEHOLDER_WORDS):
        return False
    return estimated_bits(key) >= MIN_SECRET_KEY_BITS


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Config:
    """Settings from environment variables; ``create_app(config)`` overrides any of them."""

    def __init__(self) -> None:
        env = os.environ
        self.ENV_NAME = env.get("CONTINUUM_ENV", "development")  # development | production
        # The features, in dependency order: credits before what earns credit, training last.
        self.FEATURES = ("lms.credits", "lms.certificates", "meetings", "courses", "lms.training", "lms.workspace",
                         "lms.api", "lms.webhooks", "lms.sso")
        self.INSTANCE_DIR = str(INSTANCE_DIR)
        self.SECRET_KEY = env.get("SECRET_KEY")

        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or sqlite_url(INSTANCE_DIR / "continuum.db")
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgres://"):
            self.SQLALCHEMY_DATABASE_URI = "postgresql://" + self.SQLALCHEMY_DATABASE_URI[len("postgres://"):]
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql://"):
            self.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + self.SQLALCHEMY_DATABASE_URI[len("postgresql://"):]
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 5000)

        self.REDIS_URL = env.get("REDIS_URL") or None
        self.RQ_QUEUE = env.get("RQ_QUEUE", "continuum")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        # A moving window: no burst of twice the limit across a window's edge (and no test flake there).
        self.RATELIMIT_STRATEGY = env.get("RATELIMIT_STRATEGY", "moving-window")
        self.LOGIN_LIMIT_PER_IP = env.get("LOGIN_LIMIT_PER_IP", "30 per 5 minutes")
        self.LOGIN_LIMIT_PER_ACCOUNT = env.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")  # per account and client
        self.LOGIN_DELAY_AFTER = _int("LOGIN_DELAY_AFTER", 10)  # failures on an account before delays start
        self.LOGIN_DELAY_MAX_SECONDS = _int("LOGIN_DELAY_MAX_SECONDS", 30)  # the longest its owner ever waits
        self.RESET_EMAIL_LIMIT_PER_ADDRESS = env.get("RESET_EMAIL_LIMIT_PER_ADDRESS", "3 per hour")
        self.CLAIM_LIMIT_PER_USER = env.get("CLAIM_LIMIT_PER_USER", "60 per hour")
        self.PDF_LIMIT_PER_USER = env.get("PDF_LIMIT_PER_USER", "20 per 10 minutes")
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none, use the socket address).
        self.PROXY_COUNT = _int("PROXY_COUNT", 0)

        # Links in emails are built from this, never from the request's Host header.
        self.PUBLIC_URL = env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        trusted = env.get("TRUSTED_HOSTS")
        self.TRUSTED_HOSTS = [h.strip() for h in trusted.split(",") if h.strip()] if trusted else None

        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
        self.MAIL_PORT = _int("MAIL_PORT", 587)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
        self.MAIL_FROM = env.get("MAIL_FROM", "Continuum <no-reply@continuum.local>")
        self.MAIL_OUTBOX = env.get("MAIL_OUTBOX") or None  # default: INSTANCE_DIR/outbox
        # The ORGANIZER of a meeting without a host, so calendar replies reach a person.
        self.MEETING_REPLY_TO = env.get("MEETING_REPLY_TO") or None

        # Jitsi: "public" (meet.jit.si, demo only), "selfhosted" or "jaas".
        self.JITSI_MODE = env.get("JITSI_MODE", "public")
        self.JITSI_DOMAIN = env.get("JITSI_DOMAIN", "meet.jit.si")
        self.JITSI_APP_ID = env.get("JITSI_APP_ID") or None
        self.JITSI_APP_SECRET = env.get("JITSI_APP_SECRET") or None
        self.JITSI_AUDIENCE = env.get("JITSI_AUDIENCE", "jitsi")
        self.JITSI_PRIVATE_KEY_PATH = env.get("JITSI_PRIVATE_KEY_PATH") or None
        self.JITSI_KEY_ID = env.get("JITSI_KEY_ID") or None
        self.JITSI_WEBHOOK_SECRET = env.get("JITSI_WEBHOOK_SECRET") or None
        self.JITSI_MUC_SIZE_URL = env.get("JITSI_MUC_SIZE_URL") or None
        # Meetings: "http" only for local stand-ins in tests; everything real is https.
        self.JITSI_SCHEME = env.get("JITSI_SCHEME", "https")
        self.JITSI_MUC_DOMAIN = env.get("JITSI_MUC_DOMAIN") or None  # mod_muc_size's domain= (default JITSI_DOMAIN)
        self.JITSI_MUC_HOST = env.get("JITSI_MUC_HOST") or None  # Host header: Prosody routes HTTP by it
        self.JITSI_POLL_RETRIES = _int("JITSI_POLL_RETRIES", 2)
        self.JITSI_EVENT_SYNC_SECRET = env.get("JITSI_EVENT_SYNC_SECRET") or None  # event_sync api_headers value
        self.JITSI_WEBHOOK_MAX_AGE = _int("JITSI_WEBHOOK_MAX_AGE", 300)
        self.JITSI_TOKEN_MARGIN_MINUTES = _int("JITSI_TOKEN_MARGIN_MINUTES", 30)
        self.MEETING_JOIN_EARLY_MINUTES = _int("MEETING_JOIN_EARLY_MINUTES", 15)

        self.EMAIL_TOKEN_MAX_AGE = _int("EMAIL_TOKEN_MAX_AGE", 3 * 24 * 3600)
        self.RESET_TOKEN_MAX_AGE = _int("RESET_TOKEN_MAX_AGE", 3600)
        self.INVITATION_MAX_AGE_DAYS = _int("INVITATION_MAX_AGE_DAYS", 14)

        production = self.ENV_NAME == "production"
        self.LOG_FORMAT = env.get("LOG_FORMAT", "json" if production else "text")  # json: one object per line
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO")
        self.METRICS_TOKEN = env.get("METRICS_TOKEN") or None  # /metrics beyond loopback needs this bearer token
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", production)
        if self.SESSION_COOKIE_SECURE:
            # __Host-: the browser accepts it only over HTTPS, for this exact host, path "/": no sibling
            # subdomain or plain-HTTP network attacker can plant or overwrite the session cookie.
            self.SESSION_COOKIE_NAME = "__Host-session"
            self.REMEMBER_COOKIE_NAME = "__Host-remember_token"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https" if production else "http"
        self.WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
        self.BOOTSTRAP_SERVE_LOCAL = True
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)
        self.PER_PAGE = _int("PER_PAGE", 25)

        # Certificates: stored PDFs (by content hash), render limits, verification rate limit.
        self.CERTIFICATE_DIR = env.get("CERTIFICATE_DIR") or None  # default: INSTANCE_DIR/certificates
        self.UPLOAD_DIR = env.get("UPLOAD_DIR") or None  # default: INSTANCE_DIR/uploads
        # The embedded LRS's administrator credential (reports, automation API); unset: none.
        self.XAPI_ADMIN_KEY = env.get("XAPI_ADMIN_KEY") or None
        self.XAPI_ADMIN_SECRET = env.get("XAPI_ADMIN_SECRET") or None
        self.PACKAGE_MAX_UPLOAD_MB = _int("PACKAGE_MAX_UPLOAD_MB", 500)
        self.CERTIFICATE_RENDER_TIMEOUT = _int("CERTIFICATE_RENDER_TIMEOUT", 20)  # seconds per render
        self.CERTIFICATE_RENDER_MEMORY_MB = _int("CERTIFICATE_RENDER_MEMORY_MB", 512)  # above the renderer's base
        self.CERTIFICATE_RENDER_ISOLATED = _bool("CERTIFICATE_RENDER_ISOLATED", True)
        self.CERTIFICATE_PAGE_SIZE = env.get("CERTIFICATE_PAGE_SIZE", "Letter")  # Letter or A4, landscape
        self.CERTIFICATE_VERIFY_LIMIT = env.get("CERTIFICATE_VERIFY_LIMIT", "60 per minute")
        self.CERTIFICATE_KEY_SECRET = env.get("CERTIFICATE_KEY_SECRET") or None  # encrypts signing keys

        # Second factors and SCIM (lms/mfa, lms/scim).
        self.MFA_KEY_SECRET = env.get("MFA_KEY_SECRET") or None  # encrypts TOTP secrets (default SECRET_KEY)
        self.MFA_LIMIT_PER_ACCOUNT = env.get("MFA_LIMIT_PER_ACCOUNT", "5 per 5 minutes")  # wrong codes
        self.WEBAUTHN_RP_ID = env.get("WEBAUTHN_RP_ID") or None  # default: PUBLIC_URL's host
        self.WEBAUTHN_ORIGIN = env.get("WEBAUTHN_ORIGIN") or None  # default: PUBLIC_URL
        self.SCIM_LIMIT = env.get("SCIM_LIMIT", "600 per minute")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def finalise(config: dict) -> dict:
    """Fill derived settings and refuse unsafe production configurations."""
    # Folders default to places inside the instance folder actually in use (a test's, a worker's).
    instance = Path(config["INSTANCE_DIR"])
    for key, default in (("MAIL_OUTBOX", "outbox"), ("CERTIFICATE_DIR", "certificates"), ("UPLOAD_DIR", "uploads")):
        if not config.get(key):
            config[key] = str(instance / default)
    production = config.get("ENV_NAME") == "production"
    key = config.get("SECRET_KEY")
    if production:
        if not is_strong_secret(key):
            raise ConfigError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
                f"and about {MIN_SECRET_KEY_BITS} bits of randomness (placeholders are refused) "
                "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
    elif not key:
        config["SECRET_KEY"] = demo_secret_key(Path(config["INSTANCE_DIR"]))
    return config
