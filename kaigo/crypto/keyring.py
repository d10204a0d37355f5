"""Keys, from a key store: a JSON keyring file or an environment variable (development and
small deployments), or the city's HSM through an adapter implementing ``KeyStore``.

Keyring JSON::

    {"environment": "development",          # production refuses a development keyring
     "kek":  {"active": "kek-2026-11", "keys": {"kek-2026-11": "<base64 of 32 bytes>"}},
     "bidx": {"active": "bidx-1",      "keys": {"bidx-1": "<base64 of 32 bytes>"}},
     "seal": {"active": "seal-1",      "keys": {"seal-1": "<base64 of 32 bytes>"}}}

KEK: key-encryption keys, versioned; the active one wraps new data keys, all listed ones unwrap.
BIDX: root keys of the blind indexes (one per field is derived from it with HKDF).
SEAL: Ed25519 private keys (32-byte seeds) that sign the audit chains' checkpoints; the active one
signs, all listed ones verify (docs/subsystems/audit.md). Optional: without it checkpoints are
recorded unsigned.
Keys never sit beside the data: not in the database, the repository, or a log line.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kaigo.crypto.errors import MissingKey

KEY_BYTES = 32


@dataclass(frozen=True)
class Keyring:
    environment: str
    kek_active: str
    keks: dict[str, bytes] = field(repr=False)
    bidx_active: str = "bidx-1"
    bidx_keys: dict[str, bytes] = field(default_factory=dict, repr=False)
    seal_active: str = ""
    seal_keys: dict[str, bytes] = field(default_factory=dict, repr=False)

    def seal_signer(self):
        """(version, Ed25519 private key) of the active seal key, or None without one."""
        if not self.seal_active:
            return None
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return self.seal_active, Ed25519PrivateKey.from_private_bytes(self.seal_keys[self.seal_active])

    def seal_public(self, version: str):
        """The Ed25519 public key of a seal key version (MissingKey if not in the keyring)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            return Ed25519PrivateKey.from_private_bytes(self.seal_keys[version]).public_key()
        except KeyError:
            raise MissingKey(f"署名鍵（バージョン {version}）が鍵リングにありません。") from None

    def with_seal_key(self, version: str) -> Keyring:
        if version in self.seal_keys:
            raise ValueError(f"key version {version} exists already")
        return Keyring(self.environment, self.kek_active, self.keks, self.bidx_active, self.bidx_keys,
                       version, {**self.seal_keys, version: secrets.token_bytes(KEY_BYTES)})

    def kek(self, version: str) -> bytes:
        try:
            return self.keks[version]
        except KeyError:
            raise MissingKey(f"鍵暗号化鍵（バージョン {version}）が鍵リングにありません。") from None

    @property
    def bidx_root(self) -> bytes:
        try:
            return self.bidx_keys[self.bidx_active]
        except KeyError:
            raise MissingKey(f"ブラインドインデックス鍵（{self.bidx_active}）が鍵リングにありません。") from None

    def to_json(self) -> str:
        enc = lambda keys: {k: base64.b64encode(v).decode() for k, v in keys.items()}  # noqa: E731
        data = {
            "environment": self.environment,
            "kek": {"active": self.kek_active, "keys": enc(self.keks)},
            "bidx": {"active": self.bidx_active, "keys": enc(self.bidx_keys)},
        }
        if self.seal_active:
            data["seal"] = {"active": self.seal_active, "keys": enc(self.seal_keys)}
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
            dec = lambda keys: {k: base64.b64decode(v, validate=True) for k, v in keys.items()}  # noqa: E731
            ring = cls(
                environment=data.get("environment", "production"),
                kek_active=data["kek"]["active"], keks=dec(data["kek"]["keys"]),
                bidx_active=data["bidx"]["active"], bidx_keys=dec(data["bidx"]["keys"]),
                seal_active=data.get("seal", {}).get("active", ""), seal_keys=dec(data.get("seal", {}).get("keys", {})),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ImproperlyConfigured(f"the keyring is malformed ({type(exc).__name__})") from None
        if any(len(k) != KEY_BYTES for k in [*ring.keks.values(), *ring.bidx_keys.values(), *ring.seal_keys.values()]):
            raise ImproperlyConfigured("every key in the keyring must be 32 bytes")
        ring.kek(ring.kek_active)
        ring.bidx_root  # noqa: B018 - validates
        if ring.seal_active and ring.seal_active not in ring.seal_keys:
            raise ImproperlyConfigured("the keyring's active seal key is not among its seal keys")
        return ring

    def with_new_kek(self, version: str) -> Keyring:
        if version in self.keks:
            raise ValueError(f"key version {version} exists already")
        return Keyring(self.environment, version, {**self.keks, version: secrets.token_bytes(KEY_BYTES)},
                       self.bidx_active, self.bidx_keys, self.seal_active, self.seal_keys)


def new_keyring(*, environment: str, kek_version: str) -> Keyring:
    return Keyring(environment, kek_version, {kek_version: secrets.token_bytes(KEY_BYTES)},
                   "bidx-1", {"bidx-1": secrets.token_bytes(KEY_BYTES)},
                   "seal-1", {"seal-1": secrets.token_bytes(KEY_BYTES)})


class KeyStore(Protocol):
    """Where the keyring comes from. A city HSM adapter implements the same two methods."""

    def load(self) -> Keyring: ...

    def save(self, keyring: Keyring) -> None: ...


class FileKeyStore:
    def __init__(self, path: Path):
        self.path = path

    def load(self) -> Keyring:
        if not self.path.exists():
            raise ImproperlyConfigured(
                f"no keyring at {self.path}: create one with `python manage.py keys_create` (development)"
            )
        return Keyring.from_json(self.path.read_text(encoding="utf-8"))

    def save(self, keyring: Keyring) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(keyring.to_json())
        os.replace(tmp, self.path)


class EnvKeyStore:
    """The keyring JSON in an environment variable (read-only)."""

    def __init__(self, text: str):
        self.text = text

    def load(self) -> Keyring:
        return Keyring.from_json(self.text)

    def save(self, keyring: Keyring) -> None:
        raise ImproperlyConfigured("the keyring comes from the environment (KAIGO_KEYRING): change it there")


def key_store() -> KeyStore:
    if settings.KAIGO_KEYRING:
        return EnvKeyStore(settings.KAIGO_KEYRING)
    return FileKeyStore(Path(settings.KAIGO_KEYRING_FILE))


_lock = threading.Lock()
_cached: Keyring | None = None


def get_keyring() -> Keyring:
    """The keyring, loaded once per process (reset_keyring() after a change)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                ring = key_store().load()
                if settings.PRODUCTION and ring.environment == "development":
                    raise ImproperlyConfigured("production refuses a development keyring")
                _cached = ring
    return _cached


def reset_keyring() -> None:
    global _cached
    with _lock:
        _cached = None
    from kaigo.crypto.deks import dek_cache_clear

    dek_cache_clear()
