"""Key rotation, verification and shredding as batches (in-process chunks; the batch framework's
own crash tests cover killed workers)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from audit.models import AccessLogEntry, AuthEvent
from eligibility.models import Resident
from kaigo.batches import services as batches
from kaigo.batches.models import BatchError, BatchRun
from kaigo.crypto.deks import dek_cache_clear
from kaigo.crypto.keyring import FileKeyStore, Keyring, get_keyring, reset_keyring
from kaigo.crypto.models import PersonKey
from kaigo.crypto.services import person_shred
from kaigo.staff.roles import Role
from tests.eligibility.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyring_file(test_keyring, tmp_path, settings):
    """A keyring of this test's own, so that rotating it leaves the session's keyring alone."""
    path = tmp_path / "keyring.json"
    path.write_text(test_keyring.read_text())
    settings.KAIGO_KEYRING_FILE = str(path)
    reset_keyring()
    yield path
    reset_keyring()


@pytest.fixture
def no_dispatch(monkeypatch):
    monkeypatch.setattr(batches, "batch_dispatch", lambda run_id: 0)


def run_chunks(run: BatchRun, *, stop_after: int | None = None) -> None:
    for n, chunk in enumerate(run.chunks.order_by("seq")):
        if stop_after is not None and n >= stop_after:
            return
        batches.chunk_process(chunk.pk)


def test_rotation_rewraps_every_key_and_a_crash_midway_resumes(keyring_file, no_dispatch, monkeypatch):
    monkeypatch.setattr("kaigo.crypto.batch_kinds.CHUNK_PERSONS", 2)
    residents = [make_resident(name_kanji=f"回転 {i}") for i in range(5)]
    call_command("keys_rotate", "kek-test-2", "--detach")
    assert get_keyring().kek_active == "kek-test-2"
    assert [e.detail["operation"] for e in AuthEvent.objects.filter(kind="key_operation").order_by("seq")] == [
        "kek_added", "rewrap_started"]
    assert FileKeyStore(keyring_file).load().kek_active == "kek-test-2"
    run = BatchRun.objects.get(kind="crypto.rewrap")
    assert run.total == 5 and run.chunk_count >= 2

    run_chunks(run, stop_after=1)  # the process dies after the first chunk
    versions = dict(PersonKey.objects.values_list("person_id", "kek_version"))
    assert "kek-test-1" in versions.values() and "kek-test-2" in versions.values()
    dek_cache_clear()
    assert [Resident.objects.get(pk=r.pk).name_kanji for r in residents] == [f"回転 {i}" for i in range(5)]

    batches.batch_resume(run_id=run.pk, actor=None)
    run_chunks(run)
    run.refresh_from_db()
    assert (run.status, run.processed, run.failed) == ("succeeded", 5, 0)
    assert set(PersonKey.objects.values_list("kek_version", flat=True)) == {"kek-test-2"}

    # With the old key removed from the keyring, everyone is still readable.
    ring = FileKeyStore(keyring_file).load()
    FileKeyStore(keyring_file).save(Keyring(ring.environment, "kek-test-2", {"kek-test-2": ring.kek("kek-test-2")},
                                            ring.bidx_active, ring.bidx_keys))
    reset_keyring()
    assert [Resident.objects.get(pk=r.pk).name_kanji for r in residents] == [f"回転 {i}" for i in range(5)]


def test_verify_names_each_person_whose_data_does_not_decrypt(no_dispatch):
    _good, bad, shredded = make_resident(), make_resident(), make_resident()
    person_shred(person_id=shredded.pk, actor=None, reason="テスト")
    with connection.cursor() as cursor:  # corrupt one byte inside bad's address ciphertext (flip its bits:
        # overwriting it with 0xff left it unchanged once in 256 runs)
        cursor.execute(
            "UPDATE eligibility_resident SET address_ct = set_byte(address_ct, 19, get_byte(address_ct, 19) # 255) "
            "WHERE id = %s",
            [bad.pk],
        )
    run = batches.batch_start(kind="crypto.verify", params={}, actor=None, origin=BatchRun.Origin.COMMAND)
    run_chunks(run)
    run.refresh_from_db()
    assert (run.total, run.succeeded, run.failed) == (3, 2, 1)
    error = BatchError.objects.get(run=run)
    assert error.record_key == str(bad.pk)
    assert error.message.startswith("eligibility.Resident.address: 暗号化された値を復号できません")
    (entry,) = AccessLogEntry.objects.filter(function="crypto.verify")
    # every person of the chunk (the shredded one's data could not be read, but was attempted)
    assert (entry.channel, sorted(entry.person_ids)) == ("batch", sorted([_good.pk, bad.pk, shredded.pk]))


def test_a_wrong_key_version_is_reported_not_guessed(no_dispatch):
    resident = make_resident()
    PersonKey.objects.filter(person_id=resident.pk).update(kek_version="kek-unknown")
    dek_cache_clear()
    run = batches.batch_start(kind="crypto.verify", params={}, actor=None, origin=BatchRun.Origin.COMMAND)
    run_chunks(run)
    error = BatchError.objects.get(run=run)
    assert (error.record_key, error.code) == (str(resident.pk), "undecryptable")
    assert "kek-unknown" in error.message and "鍵リングにありません" in error.message


def test_shred_needs_a_reason_and_cannot_happen_twice():
    from kaigo.crypto.errors import CryptoError

    resident = make_resident()
    with pytest.raises(CryptoError, match="理由"):
        person_shred(person_id=resident.pk, actor=None, reason=" ")
    person_shred(person_id=resident.pk, actor=None, reason="保存期間経過")
    with pytest.raises(CryptoError, match="既に消去"):
        person_shred(person_id=resident.pk, actor=None, reason="保存期間経過")
    key = PersonKey.objects.get(person_id=resident.pk)
    assert key.wrapped_dek is None and key.shredded_at is not None
    (event,) = AuthEvent.objects.filter(kind="key_operation")
    assert event.detail == {"operation": "shred", "person": resident.pk}


def test_keys_create_adds_a_seal_key_to_a_keyring_from_before_it(keyring_file, settings):
    import json

    settings.PRODUCTION = False
    older = json.loads(keyring_file.read_text())
    del older["seal"]
    keyring_file.write_text(json.dumps(older))
    reset_keyring()
    call_command("keys_create", verbosity=0)
    ring = get_keyring()
    assert ring.seal_signer()[0] == "seal-1" and ring.kek_active == older["kek"]["active"]
    assert AuthEvent.objects.filter(kind="key_operation", detail__operation="seal_key_created").count() == 1
    call_command("keys_create", verbosity=0)  # a keyring with a seal key is left alone
    assert get_keyring().seal_keys == ring.seal_keys


@pytest.fixture
def without_audit_receiver():
    """Disconnect one of the audit app's receivers of kaigo/crypto/signals.py for the test."""
    from audit import receivers
    from kaigo.crypto import signals

    def disconnect(name: str) -> None:
        assert getattr(signals, name).disconnect(dispatch_uid=f"audit.{name}")

    yield disconnect
    receivers.connect()


def test_a_shred_that_nothing_would_record_is_refused_and_undone(without_audit_receiver):
    from django.core.exceptions import ImproperlyConfigured

    resident = make_resident()
    without_audit_receiver("key_operation")
    with pytest.raises(ImproperlyConfigured, match="no receiver records this operation"):
        person_shred(person_id=resident.pk, actor=None, reason="保存期間経過")
    key = PersonKey.objects.get(person_id=resident.pk)
    assert (key.wrapped_dek is not None, key.shredded_at) == (True, None)
    assert not AuthEvent.objects.filter(kind="key_operation").exists()
    dek_cache_clear()
    assert Resident.objects.get(pk=resident.pk).name_kanji == resident.name_kanji


def test_a_check_whose_reads_nothing_would_log_fails_its_chunk(no_dispatch, without_audit_receiver):
    from django.core.exceptions import ImproperlyConfigured

    make_resident()
    without_audit_receiver("persons_read")
    run = batches.batch_start(kind="crypto.verify", params={}, actor=None, origin=BatchRun.Origin.COMMAND)
    chunk = run.chunks.get()
    with pytest.raises(ImproperlyConfigured, match="no receiver records this operation"):
        batches.chunk_process(chunk.pk)
    chunk.refresh_from_db()
    assert (chunk.status, chunk.succeeded) == ("pending", 0)
    assert not AccessLogEntry.objects.filter(function="crypto.verify").exists()


def test_a_check_run_by_an_operator_logs_the_operator(no_dispatch, make_staff):
    resident = make_resident()
    operator = make_staff(Role.OPERATOR, username="operator01")
    run = batches.batch_start(kind="crypto.verify", params={}, actor=operator, origin=BatchRun.Origin.SCREEN)
    run_chunks(run)
    (entry,) = AccessLogEntry.objects.filter(function="crypto.verify")
    assert (entry.staff_id, entry.username, entry.channel, entry.person_ids) == (
        operator.pk, "operator01", "batch", [resident.pk])
