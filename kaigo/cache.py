"""The Redis cache (sessions, rate limits) with one Redis client per connection pool.

Django's RedisCacheClient builds a new ``redis.Redis`` object for every cache operation, and
redis-py's constructor fills a table of about 170 response callbacks each time: measured here at
about a tenth of a signed-in request that does nothing else (two cache reads per request for the
session). A ``redis.Redis`` is safe to share between threads (each command takes a connection
from the pool), so the client is made once per pool and kept.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
