"""The Redis cache keeps one client per connection pool (kaigo/cache.py), against the real Redis."""

from __future__ import annotations

import threading
import uuid

from django.core.cache import cache, caches

from kaigo.cache import RedisCache


def test_the_cache_is_ours_and_reuses_one_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client()
    assert backend._cache.get_client() is client
    assert backend._cache.get_client(write=True) is client  # one server: one pool, one client


def test_values_round_trip_through_redis_from_several_threads():
    key = f"test-cache-{uuid.uuid4().hex}"
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"{key}-{n}-{i}", {"n": n, "i": i}, 30)
                assert cache.get(f"{key}-{n}-{i}") == {"n": n, "i": i}
            assert cache.incr(f"{key}-count") >= 1
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    cache.set(f"{key}-count", 0, 30)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.get(f"{key}-count") == 4
    cache.delete_many([f"{key}-{n}-{i}" for n in range(4) for i in range(50)] + [f"{key}-count"])
    assert cache.get(f"{key}-0-0") is None
