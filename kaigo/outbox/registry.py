"""Consumers of domain events, declared by each app in its ``consumers.py``::

    @consumer("eligibility.qualification_changed", name="premiums.recalculate")
    def recalculate(event: OutboxEvent) -> None: ...

A handler runs inside the relay's transaction, together with its receipt: it either completes and
is recorded, or neither. Handlers must therefore write to the database only (no e-mail, no HTTP):
an outgoing message to another system is itself an outbox event for linkage/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Consumer:
    name: str
    topic: str
    handler: Callable


_CONSUMERS: dict[str, Consumer] = {}


def consumer(topic: str, *, name: str):
    def decorate(handler):
        if name in _CONSUMERS and _CONSUMERS[name].handler is not handler:
            raise RuntimeError(f"consumer registered twice: {name}")
        _CONSUMERS[name] = Consumer(name, topic, handler)
        return handler
    return decorate


def unregister(name: str) -> None:
    _CONSUMERS.pop(name, None)


def consumers_of(topic: str) -> list[Consumer]:
    return sorted((c for c in _CONSUMERS.values() if c.topic == topic), key=lambda c: c.name)
