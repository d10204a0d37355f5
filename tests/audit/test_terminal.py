"""The terminal of a request: forwarded headers are believed only from a trusted proxy."""

from __future__ import annotations

import hashlib

import pytest
from django.test import RequestFactory

from audit import services
from audit.models import AccessLogEntry
from kaigo.terminal import terminal_of

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("trusted", "remote", "headers", "expected_ip", "expected_terminal"),
    [
        pytest.param([], "192.0.2.10", {}, "192.0.2.10", "", id="direct"),
        pytest.param([], "192.0.2.10", {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_TERMINAL_ID": "TERM-0001"},
                     "192.0.2.10", "", id="headers-from-an-untrusted-client-ignored"),
        pytest.param([PROXY], "192.0.2.10", {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_TERMINAL_ID": "TERM-0001"},
                     "192.0.2.10", "", id="trusting-another-address-only"),
        pytest.param([PROXY], PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_TERMINAL_ID": "TERM-0001"},
                     "203.0.113.7", "TERM-0001", id="via-trusted-proxy"),
        pytest.param(["10.0.0.0/24"], PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "203.0.113.7", "",
                     id="trusted-network"),
        pytest.param([PROXY], PROXY, {"HTTP_X_FORWARDED_FOR": "198.51.100.66, 203.0.113.7"}, "203.0.113.7", "",
                     id="client-written-entries-on-the-left-ignored"),
        pytest.param(["10.0.0.0/24"], PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.9"}, "203.0.113.7", "",
                     id="two-trusted-proxies"),
        pytest.param([PROXY], PROXY, {}, PROXY, "", id="trusted-proxy-without-forwarded-for"),
        pytest.param([PROXY], PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.7, unknown"}, PROXY, "",
                     id="garbage-on-the-right-trusts-nothing"),
        pytest.param([PROXY], PROXY, {"HTTP_X_FORWARDED_FOR": "2001:db8::7"}, "2001:db8::7", "", id="ipv6-client"),
        pytest.param([PROXY], PROXY, {"HTTP_X_TERMINAL_ID": "TERM 0001"}, PROXY, "", id="terminal-id-with-space"),
        pytest.param([PROXY], PROXY, {"HTTP_X_TERMINAL_ID": "T" * 65}, PROXY, "", id="terminal-id-too-long"),
        pytest.param([PROXY], PROXY, {"HTTP_X_TERMINAL_ID": "端末1"}, PROXY, "", id="terminal-id-not-ascii"),
        pytest.param([PROXY], "not-an-ip", {}, None, "", id="unreadable-remote"),
    ],
)
def test_client_ip_and_terminal_id(settings, trusted, remote, headers, expected_ip, expected_terminal):
    settings.KAIGO_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    terminal = terminal_of(request)
    assert (terminal.client_ip, terminal.terminal_id) == (expected_ip, expected_terminal)


def test_the_terminal_id_header_is_configurable(settings):
    settings.KAIGO_TRUSTED_PROXIES = [PROXY]
    settings.KAIGO_TERMINAL_ID_HEADER = "HTTP_X_CLIENT_CERT_CN"
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_CLIENT_CERT_CN="NAKAHARA-012",
                                   HTTP_X_TERMINAL_ID="SPOOFED")
    assert terminal_of(request).terminal_id == "NAKAHARA-012"


def test_without_the_settings_nothing_is_trusted(settings):
    del settings.KAIGO_TRUSTED_PROXIES
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7",
                                   HTTP_X_TERMINAL_ID="TERM-0001")
    assert (terminal_of(request).client_ip, terminal_of(request).terminal_id) == (PROXY, "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        pytest.param([PROXY], ("203.0.113.7", "TERM-0001"), id="trusted-proxy"),
        pytest.param([], (PROXY, ""), id="untrusted"),
    ],
)
def test_the_access_log_records_the_terminal_and_a_hash_of_the_session(client_as, settings, trusted, expected):
    settings.KAIGO_TRUSTED_PROXIES = trusted
    client = client_as()
    session_key = client.session.session_key
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7",
                                   HTTP_X_TERMINAL_ID="TERM-0001")
    request.session = client.session
    entry = AccessLogEntry.objects.get(pk=services.access_log_write(
        actor=client.staff, request=request, function="person.view", channel="screen", person_ids=[1000001]))
    assert (entry.client_ip, entry.terminal_id) == expected
    assert entry.session_hash == hashlib.sha256(session_key.encode()).hexdigest()
    assert session_key not in str(entry.__dict__)
