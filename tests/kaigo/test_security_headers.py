"""Security headers (issue 17 item 2): the Content-Security-Policy on every response, without
'unsafe-inline' or 'unsafe-eval'; HSTS and the other HTTPS settings in production; no template with
inline script, style or on*= attributes (the policy would refuse them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kaigo.staff.roles import Role
from tests.kaigo.test_settings import PRODUCTION_OK, load_settings
from tests.screens import INLINE_CODE

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) "
         "for k in ('SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', "
         "'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', "
         "'X_FRAME_OPTIONS', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'CONTENT_SECURITY_POLICY', 'MIDDLEWARE')}))")


def settings_of(**env: str) -> dict:
    """The settings a fresh process loads with ``env`` (kaigo.settings reads it at import)."""
    result = load_settings(**env, probe=PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_for_a_year_with_subdomains_and_secure_cookies():
    s = settings_of(**PRODUCTION_OK)
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is False
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (s["SECURE_CONTENT_TYPE_NOSNIFF"], s["SECURE_REFERRER_POLICY"], s["X_FRAME_OPTIONS"],
            s["SECURE_CROSS_ORIGIN_OPENER_POLICY"]) == (True, "same-origin", "DENY", "same-origin")


def test_hsts_can_be_shortened_for_a_first_deployment_and_preloaded_on_purpose():
    s = settings_of(**PRODUCTION_OK, KAIGO_HSTS_SECONDS="300", KAIGO_HSTS_PRELOAD="true")
    assert (s["SECURE_HSTS_SECONDS"], s["SECURE_HSTS_PRELOAD"]) == (300, True)


def test_development_sends_no_hsts():
    """A browser that saw HSTS for localhost would refuse the plain-HTTP `make run` for a year."""
    assert not settings_of()["SECURE_HSTS_SECONDS"]


def test_the_policy_is_the_same_in_production_and_allows_nothing_inline():
    s = settings_of(**PRODUCTION_OK)
    assert "csp.middleware.CSPMiddleware" in s["MIDDLEWARE"]
    directives = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/healthz", "/no-such-page/", "/", "/persons/", "/batches/"])
def test_every_response_carries_the_policy_without_unsafe_inline(client_as, path):
    response = client_as(Role.OPERATOR).get(path)
    policy = _policy(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_the_500_page_carries_the_policy_too(client_as, settings):
    settings.ROOT_URLCONF = "tests.kaigo.error_urls"
    client = client_as(Role.OPERATOR)
    client.raise_request_exception = False
    response = client.get("/raise/broken/")
    assert response.status_code == 500 and "script-src 'self'" in response["Content-Security-Policy"]


def _templates() -> list[Path]:
    return sorted(p for p in BASE_DIR.glob("**/jinja2/**/*.html") if ".venv" not in p.parts)


def test_no_template_has_inline_script_style_or_event_handlers():
    assert len(_templates()) > 40
    found = [f"{p.relative_to(BASE_DIR)}: {what}" for p in _templates() for pattern, what in INLINE_CODE
             if pattern.search(p.read_text())]
    assert found == []


def test_htmx_is_told_not_to_inject_its_indicator_style():
    base = (BASE_DIR / "jinja2/base.html").read_text()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base)
    assert config and json.loads(config.group(1))["includeIndicatorStyles"] is False
