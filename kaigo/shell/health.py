"""Health of the parts the system needs: PostgreSQL, Redis and at least one Celery worker."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from kaigo.celery import app as celery_app

logger = logging.getLogger(__name__)

WORKER_CACHE_KEY = "health:workers"
WORKER_CACHE_SECONDS = 10  # a worker that answered
WORKER_DOWN_CACHE_SECONDS = 2  # none answered: ask again soon, a worker may be starting


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not raise
        logger.warning("health: database unreachable (%s)", type(exc).__name__)
        return False


def check_redis() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except Exception as exc:  # noqa: BLE001
        logger.warning("health: redis unreachable (%s)", type(exc).__name__)
        return False


def worker_names(*, use_cache: bool = True) -> list[str]:
    """Names of the Celery workers that answered a ping (cached briefly: a ping waits up to 1 s)."""
    if use_cache:
        try:
            cached = cache.get(WORKER_CACHE_KEY)
        except Exception:  # noqa: BLE001 - no Redis, no cache
            cached = None
        if cached is not None:
            return cached
    try:
        replies = celery_app.control.ping(timeout=1.0, limit=1) or []
    except Exception as exc:  # noqa: BLE001
        logger.warning("health: worker ping failed (%s)", type(exc).__name__)
        return []
    names = sorted(name for reply in replies for name in reply)
    try:
        cache.set(WORKER_CACHE_KEY, names, WORKER_CACHE_SECONDS if names else WORKER_DOWN_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        pass
    return names


def health_report(*, use_cache: bool = True) -> dict[str, str]:
    database = check_database()
    redis_ok = check_redis()
    workers = worker_names(use_cache=use_cache) if redis_ok else []
    return {
        "database": "ok" if database else "down",
        "redis": "ok" if redis_ok else "down",
        "worker": "ok" if workers else "down",
    }
