"""Record signals (kaigo/signals.py): the core's operations are recorded by the audit app's
receivers, and an operation that nothing would record fails instead of going unrecorded."""

from __future__ import annotations

import asyncio

import pytest
from django.core.exceptions import ImproperlyConfigured

from kaigo.crypto import signals as crypto_signals
from kaigo.crypto.batch_kinds import VerifyEncryption
from kaigo.crypto.models import PersonKey
from kaigo.signals import RecordSignal


class Sender:
    pass


def test_sending_with_no_receiver_raises():
    signal = RecordSignal()
    with pytest.raises(ImproperlyConfigured, match="no receiver records this operation"):
        signal.send(sender=Sender, operation="x")


def test_a_receiver_of_another_sender_does_not_count():
    signal = RecordSignal()
    signal.connect(lambda sender, **kwargs: None, sender=object, weak=False)
    with pytest.raises(ImproperlyConfigured):
        signal.send(sender=Sender)


def test_the_receiver_runs_and_its_error_reaches_the_sender():
    signal = RecordSignal()
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)
        if kwargs.get("fail"):
            raise RuntimeError("the record could not be written")
        return "written"

    signal.connect(receiver, weak=False)
    assert signal.send(sender=Sender, operation="x") == [(receiver, "written")]
    with pytest.raises(RuntimeError, match="could not be written"):
        signal.send(sender=Sender, fail=True)
    assert calls == [{"operation": "x", "signal": signal}, {"fail": True, "signal": signal}]


def test_the_async_send_fails_closed_too():
    signal = RecordSignal()
    with pytest.raises(ImproperlyConfigured):
        asyncio.run(signal.asend(sender=Sender))


@pytest.mark.parametrize("method", ["send_robust", "asend_robust"])
def test_there_is_no_robust_send(method):
    signal = RecordSignal()
    signal.connect(lambda sender, **kwargs: None, weak=False)
    with pytest.raises(TypeError, match="must not fail silently"):
        result = getattr(signal, method)(sender=Sender)
        if asyncio.iscoroutine(result):
            asyncio.run(result)


@pytest.mark.parametrize(
    ("signal", "sender"),
    [
        pytest.param(crypto_signals.key_operation, PersonKey, id="key-operation"),
        pytest.param(crypto_signals.persons_read, VerifyEncryption, id="persons-read"),
    ],
)
def test_the_audit_app_records_the_core_signals(signal, sender):
    assert signal.has_listeners(sender)
