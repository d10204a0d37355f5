"""Signals whose receivers write the audit record of an operation of the core.

The core (``kaigo/``) imports no app, the audit app included. An operation of the core that must
leave an audit row (a key operation, a batch's read of personal data) sends a signal, and the
audit app connects the receiver that writes the row (audit/receivers.py, from its
``AppConfig.ready``): the pattern of kaigo/staff/signals.py.

A ``RecordSignal`` is sent synchronously, inside the operation's transaction, so the row commits
or rolls back with the operation, and a receiver's error fails the operation. And it fails
closed: sent while no receiver is connected, it raises ``ImproperlyConfigured`` before the
operation can complete, so an operation never happens unrecorded. It has no robust variant,
which would swallow a receiver's error.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal


class RecordSignal(Signal):
    def _require_receiver(self, sender) -> None:
        if not self.has_listeners(sender):
            raise ImproperlyConfigured(
                "no receiver records this operation: the audit app connects one in its AppConfig.ready "
                "(audit/receivers.py); is 'audit' in INSTALLED_APPS?"
            )

    def send(self, sender, **named):
        self._require_receiver(sender)
        return super().send(sender, **named)

    async def asend(self, sender, **named):
        self._require_receiver(sender)
        return await super().asend(sender, **named)

    def send_robust(self, sender, **named):
        raise TypeError("a record's receiver must not fail silently: use send()")

    async def asend_robust(self, sender, **named):
        raise TypeError("a record's receiver must not fail silently: use asend()")
