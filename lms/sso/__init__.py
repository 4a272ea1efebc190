"""Single sign-on per organisation: OpenID Connect and SAML 2.0 identity providers.

Connects to the account core only through ``lms.auth.signals`` (password sign-in refused where
an organisation requires single sign-on) and ``lms.sessions.login.sign_in``.
"""

from flask import Blueprint

bp = Blueprint("sso", __name__, url_prefix="/sso")


@bp.record_once
def _connect_signals(_state) -> None:
    from lms.auth.signals import password_sign_in_requested
    from lms.sso.services import password_refusal

    password_sign_in_requested.connect(password_refusal, weak=False)
