"""A person's data key (DEK): created once, stored wrapped by the active key-encryption key,
unwrapped on use and kept briefly in this process's memory (never in Redis or the database)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from kaigo.crypto import envelope
from kaigo.crypto.errors import ShreddedPerson
from kaigo.crypto.keyring import get_keyring

DEK_BYTES = 32
CACHE_SIZE = 20_000
CACHE_SECONDS = 300


class _DekCache:
    def __init__(self):
        self._items: OrderedDict[int, tuple[float, bytes, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, person_id: int) -> tuple[bytes, int] | None:
        with self._lock:
            item = self._items.get(person_id)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[person_id]
                return None
            self._items.move_to_end(person_id)
            return item[1], item[2]

    def put(self, person_id: int, dek: bytes, gen: int) -> None:
        with self._lock:
            self._items[person_id] = (time.monotonic() + CACHE_SECONDS, dek, gen)
            self._items.move_to_end(person_id)
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)

    def drop(self, person_id: int) -> None:
        with self._lock:
            self._items.pop(person_id, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _DekCache()


def dek_cache_clear() -> None:
    _cache.clear()


def dek_new() -> bytes:
    return secrets.token_bytes(DEK_BYTES)


def dek_wrap(person_id: int, dek: bytes) -> tuple[str, bytes]:
    """(kek version, wrapped key) under the active key-encryption key."""
    ring = get_keyring()
    version = ring.kek_active
    return version, envelope.wrap(ring.kek(version), dek, envelope.wrap_aad(person_id, version))


def dek_unwrap(person_id: int, kek_version: str, wrapped: bytes) -> bytes:
    return envelope.unwrap(get_keyring().kek(kek_version), wrapped, envelope.wrap_aad(person_id, kek_version))


def dek_remember(person_id: int, dek: bytes, gen: int = 1) -> None:
    _cache.put(person_id, dek, gen)


def dek_forget(person_id: int) -> None:
    _cache.drop(person_id)


def dek_for(person_id: int) -> tuple[bytes, int]:
    """The person's (data key, generation), from the cache or their PersonKey row."""
    cached = _cache.get(person_id)
    if cached is not None:
        return cached
    dek_preload([person_id])
    cached = _cache.get(person_id)
    if cached is None:
        raise ShreddedPerson("この人の暗号鍵は存在しないか、消去されています。")
    return cached


def dek_preload(person_ids: Iterable[int]) -> None:
    """Unwrap the keys of many persons with one query (list screens, batch chunks)."""
    from kaigo.crypto.models import PersonKey

    missing = [pid for pid in set(person_ids) if _cache.get(pid) is None]
    if not missing:
        return
    rows = PersonKey.objects.filter(person_id__in=missing, wrapped_dek__isnull=False).values_list(
        "person_id", "kek_version", "wrapped_dek", "dek_gen"
    )
    for person_id, version, wrapped, gen in rows:
        _cache.put(person_id, dek_unwrap(person_id, version, wrapped), gen)


def with_wrapped_keys(queryset):
    """``queryset`` of a model with encrypted fields, each row carrying its person's wrapped data
    key (three correlated look-ups by primary key): unwrap them with ``dek_remember_rows`` and no
    separate query. For a few rows (a household); lists use ``dek_preload``."""
    from django.db.models import OuterRef, Subquery

    from kaigo.crypto.models import PersonKey

    person_field = queryset.model.encryption_person_field
    keys = PersonKey.objects.filter(person_id=OuterRef(person_field), wrapped_dek__isnull=False)
    return queryset.annotate(
        _key_version=Subquery(keys.values("kek_version")[:1]),
        _key_wrapped=Subquery(keys.values("wrapped_dek")[:1]),
        _key_gen=Subquery(keys.values("dek_gen")[:1]),
    )


def dek_remember_unwrapped(person_id: int, kek_version: str, wrapped: bytes, gen: int) -> None:
    """Cache a person's key read together with their row (raw SQL joining PersonKey)."""
    if _cache.get(person_id) is None:
        _cache.put(person_id, dek_unwrap(person_id, kek_version, wrapped), gen)


def dek_remember_rows(rows) -> None:
    for row in rows:
        if row._key_wrapped is not None:
            dek_remember_unwrapped(row.encryption_person_id(), row._key_version, row._key_wrapped, row._key_gen)
