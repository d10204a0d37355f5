"""Which terminal a request came from: its client IP and its terminal id.

Generic request handling, used by the access log and the authentication events
(audit/services.py) and by the login lockout (kaigo/staff/lockout.py), which must agree on the
client's address. Imports nothing of the project.

Headers sent by a client can say anything. X-Forwarded-For and the terminal-id header (set by
the city's reverse proxy from the terminal's client certificate, overwriting any value the
client sent) are believed only when the request's REMOTE_ADDR is one of
``settings.KAIGO_TRUSTED_PROXIES``. Then the client IP is the right-most X-Forwarded-For entry
that is not itself a trusted proxy (the left-most entries are whatever the client wrote).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

TERMINAL_ID_PATTERN = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, no spaces, at most 64


@dataclass(frozen=True)
class Terminal:
    client_ip: str | None
    terminal_id: str  # "" when unknown or not from a trusted proxy
    session_hash: str  # SHA-256 (hex) of the session key; "" without a session


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxies() -> tuple:
    return _networks(tuple(getattr(settings, "KAIGO_TRUSTED_PROXIES", None) or ()))


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip_of(meta: dict, networks: tuple) -> tuple[str | None, bool]:
    """(client IP, whether the request came through a trusted proxy)."""
    remote = _address(meta.get("REMOTE_ADDR"))
    if not _is_trusted(remote, networks):
        return (str(remote) if remote else None), False
    client = remote
    for entry in reversed((meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = _address(entry)
        if address is None:
            break  # not written by a proxy we trust: believe nothing to the left of it
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client), True


def session_hash_of(request) -> str:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None) if session is not None else None
    return hashlib.sha256(key.encode("ascii")).hexdigest() if key else ""


@lru_cache(maxsize=1024)
def _client_and_terminal_id(remote_addr: str | None, forwarded_for: str | None, terminal_header: str | None,
                            networks: tuple) -> tuple[str | None, str]:
    """(client IP, terminal id) of these header values: a pure function of them, cached (an
    office has a few hundred terminals; parsing the addresses was most of an access-log row's
    Python time)."""
    client_ip, via_proxy = client_ip_of({"REMOTE_ADDR": remote_addr, "HTTP_X_FORWARDED_FOR": forwarded_for}, networks)
    terminal_id = ""
    if via_proxy:
        value = (terminal_header or "").strip()
        if TERMINAL_ID_PATTERN.fullmatch(value):
            terminal_id = value
    return client_ip, terminal_id


def terminal_of(request) -> Terminal:
    if request is None:
        return Terminal(client_ip=None, terminal_id="", session_hash="")
    meta = request.META
    header = getattr(settings, "KAIGO_TERMINAL_ID_HEADER", "HTTP_X_TERMINAL_ID")
    client_ip, terminal_id = _client_and_terminal_id(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"),
                                                     meta.get(header), trusted_proxies())
    return Terminal(client_ip=client_ip, terminal_id=terminal_id, session_hash=session_hash_of(request))
