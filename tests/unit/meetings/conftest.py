from __future__ import annotations

import contextlib

import pytest


@pytest.fixture
def configure(app):
    """Temporarily override app settings: ``with configure(JITSI_MODE="jaas"): ...``."""
    @contextlib.contextmanager
    def apply(**overrides):
        saved = {k: app.config.get(k) for k in overrides}
        app.config.update(overrides)
        try:
            with app.app_context():
                yield app
        finally:
            app.config.update(saved)

    return apply


@pytest.fixture(scope="session")
def rsa_key(tmp_path_factory):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("jaas") / "jaas.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, public
