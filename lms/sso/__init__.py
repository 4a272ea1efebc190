"""Single sign-on per organisation: OpenID Connect and SAML 2.0 identity providers.

Connects to the account core only through ``lms.auth.signals`` (password sign-in refused where
an organisation requires single sign-on) and ``lms.sessions.login.sign_in``.
"""

from flask import Blueprint, Flask

bp = Blueprint("sso", __name__, url_prefix="/sso")


def init_app(app: Flask) -> None:
    """Register the models, the sign-in routes and settings page, and the password refusal."""
    from lms.auth.signals import password_sign_in_requested
    from lms.sso import models, saml_views, views  # noqa: F401  (models on the metadata, routes on the blueprint)
    from lms.sso.services import password_refusal

    app.register_blueprint(bp)
    password_sign_in_requested.connect(password_refusal, weak=False)
