"""The security system checks (palermo.core.security_checks) and `palermo check --deploy`.

`check --deploy` runs as a separate `palermo` process with the production settings: clean with
the variables of README "Running in production" (the environment scripts/production-smoke
builds), and with Django's W004/W008/W012/W016 without them (D8's reproducer).
"""

from __future__ import annotations

import datetime as dt
import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.checks import CheckMessage
from django.utils import timezone
from pytest_django import Settings

from palermo.core.middleware import sessions_clear
from palermo.core.schedule import periodic_jobs
from palermo.core.security_checks import (
    CSP_MIDDLEWARE,
    TIMEOUT_MIDDLEWARE,
    csp_check,
    deploy_check,
    session_check,
)

ROOT = Path(__file__).resolve().parents[3]
PALERMO = Path(sys.executable).parent / "palermo"


def smoke_script() -> ModuleType:
    """scripts/production-smoke as a module (its production_env)."""
    path = ROOT / "scripts" / "production-smoke"
    loader = importlib.machinery.SourceFileLoader("production_smoke", str(path))
    spec = importlib.util.spec_from_loader("production_smoke", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def check_deploy(env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own console script
        [str(PALERMO), "check", "--deploy", "--fail-level", "DEBUG"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.stdout + result.stderr


def ids(messages: list[CheckMessage]) -> list[str]:
    return sorted(str(m.id) for m in messages)


def test_check_deploy_is_clean_with_the_production_variables(tmp_path: Path) -> None:
    production = smoke_script().production_env(tmp_path, None)
    subprocess.run([str(PALERMO), "keys", "init"], env=production, check=True, timeout=120)  # noqa: S603
    assert "System check identified no issues" in check_deploy(production)
    # Without them (D8): Django's own deploy warnings, and Palermo's.
    bare = {k: v for k, v in production.items() if not k.startswith("PALERMO_")}
    bare["PALERMO_DATA_DIR"] = str(tmp_path / "bare")
    out = check_deploy(bare)
    for warning in ("W004", "W008", "W012", "W016"):
        assert "(security.{})".format(warning) in out
    for warning in ("W002", "W003", "W004"):
        assert "(palermo.security.{})".format(warning) in out
    assert "(palermo.keys.W001)" in out  # keys in the data directory (D5)


def test_https_without_the_proxy_header_is_reported(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None
    assert "palermo.security.W001" in ids(deploy_check())
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert "palermo.security.W001" not in ids(deploy_check())


def test_a_policy_with_inline_code_is_an_error(settings: Settings) -> None:
    assert csp_check() == []
    settings.SECURE_CSP = {**settings.SECURE_CSP, "script-src": ["'self'", "'unsafe-inline'"]}
    assert ids(csp_check()) == ["palermo.security.E002"]
    del settings.SECURE_CSP["style-src"]
    assert ids(csp_check()) == ["palermo.security.E002", "palermo.security.E002"]
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSP_MIDDLEWARE]
    assert ids(csp_check()) == ["palermo.security.E001"]


def test_session_limits_and_middleware_order(settings: Settings) -> None:
    assert session_check() == []
    settings.PALERMO_SESSION_IDLE_SECONDS = 0
    assert ids(session_check()) == ["palermo.security.E003"]
    settings.PALERMO_SESSION_IDLE_SECONDS = 60
    settings.MIDDLEWARE = [TIMEOUT_MIDDLEWARE] + [
        m for m in settings.MIDDLEWARE if m != TIMEOUT_MIDDLEWARE
    ]
    assert ids(session_check()) == ["palermo.security.E004"]


@pytest.mark.django_db
def test_the_scheduler_clears_expired_sessions() -> None:
    for age in (dt.timedelta(hours=-1), dt.timedelta(hours=1)):
        store = SessionStore()
        store["x"] = 1
        store.set_expiry(timezone.now() + age)
        store.save()
    assert Session.objects.count() == 2
    job = next(job for job in periodic_jobs() if job.name == "core.sessions_clear")
    assert job.run is sessions_clear
    assert sessions_clear() == "expired sessions cleared"
    assert Session.objects.count() == 1
