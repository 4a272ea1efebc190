"""Response headers, redirect targets and links that must not trust the request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app

# Course video players that may be framed (config VIDEO_EMBED_HOSTS overrides).
DEFAULT_VIDEO_EMBED_HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com")


def content_security_policy(jitsi_domain: str | None, embed_hosts=()) -> str:
    """A CSP with no inline script; the only third parties are the Jitsi host and the video players (frames only)."""
    jitsi = f"https://{jitsi_domain}" if jitsi_domain else ""
    frames = " ".join([jitsi] * bool(jitsi) + [f"https://{host}" for host in embed_hosts])
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {jitsi}".strip(),
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "media-src": "'self'",
        "frame-src": frames or "'none'",
        "frame-ancestors": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_security_headers(app: Flask) -> None:
    csp = content_security_policy(app.config.get("JITSI_DOMAIN"),
                                  app.config.get("VIDEO_EMBED_HOSTS", DEFAULT_VIDEO_EMBED_HOSTS))

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers.setdefault("Permissions-Policy", "geolocation=(), payment=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None.

    Browsers treat ``//host`` and ``/\\host`` as other origins, and some strip tabs and
    newlines before parsing, so those are refused along with any scheme or host.
    """
    if not target or len(target) > 2000:
        return None
    if any(ch in target for ch in "\\\t\r\n\x00") or any(ord(ch) < 0x20 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on the configured ``PUBLIC_URL``, never on the request's Host.

    Works without a request (in jobs), so emails built anywhere link to the canonical host.
    """
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    return adapter.build(endpoint, values, force_external=True)
