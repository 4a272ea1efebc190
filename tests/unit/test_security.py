import pytest

from lms.config import ConfigError, finalise, is_strong_secret
from lms.security import content_security_policy, safe_next


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/path", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "https://evil.example/", "http:evil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example",
    "evil.example", "", None, "/%09/evil.example\\", "data:text/html,<script>",
])
def test_unsafe_next_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/dashboard", "/orgs/3/members?page=2", "/profile#licences", "/"])
def test_same_origin_paths_are_kept(target):
    assert safe_next(target) == target


def test_csp_allows_only_self_and_the_jitsi_host():
    csp = content_security_policy("meet.example.org")
    directives = dict(part.split(" ", 1) for part in csp.split("; "))
    assert directives["script-src"] == "'self' https://meet.example.org"
    assert "'unsafe-inline'" not in csp
    assert directives["frame-src"] == "https://meet.example.org"
    assert directives["frame-ancestors"] == "'self'"
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize("key", [None, "", "dev", "short-key", "x" * 64, "changeme"])
def test_production_refuses_weak_secret_keys(key, tmp_path):
    with pytest.raises(ConfigError):
        finalise({"ENV_NAME": "production", "SECRET_KEY": key, "INSTANCE_DIR": str(tmp_path)})


def test_production_accepts_a_strong_key(tmp_path):
    key = "Zr8v2kQ9xWmP4tLb7nC1yH6sJd3fGa0e"
    assert is_strong_secret(key)
    assert finalise({"ENV_NAME": "production", "SECRET_KEY": key, "INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"] == key


def test_demo_generates_and_keeps_a_secret_key(tmp_path):
    first = finalise({"ENV_NAME": "development", "SECRET_KEY": None, "INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = finalise({"ENV_NAME": "development", "SECRET_KEY": None, "INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and is_strong_secret(first)
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_create_app_refuses_to_start_in_production_without_key(tmp_path, monkeypatch):
    from lms import create_app

    monkeypatch.setenv("CONTINUUM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
