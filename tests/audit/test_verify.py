"""Verification against real tampering: rows changed, deleted, swapped, re-hashed, cut off, as a
superuser who disabled the triggers would. The command, the nightly task, alerts, logs."""

from __future__ import annotations

import logging
import threading

import pytest
from celery.schedules import crontab
from django.db import connections, transaction
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import services
from audit.models import AccessSeal, AuditAlert, AuthEvent, ChainCheckpoint
from kaigo.celery import app as celery_app

SYNTHETIC_NAME = "山田太郎"  # synthetic: must never reach a log line or an alert


@pytest.fixture
def chain(db, make_staff):
    """Six access-log rows, sealed, and three auth events; returns the access rows' ids by the
    seq of their links."""
    staff = make_staff(username="clerk01")
    for n in range(1, 7):
        services.access_log_write(actor=staff, function="person.view", channel="screen", person_ids=[1000000 + n])
    assert services.access_log_seal() == 6
    for kind in ["login", "logout", "login"]:
        services.auth_event_write(kind=kind, actor=staff)
    return dict(AccessSeal.objects.values_list("seq", "entry_id"))


def verify(capsys, *args) -> tuple[int, str]:
    try:
        call_command("audit_verify", *args)
    except CommandError as exc:
        return exc.returncode, capsys.readouterr().out + str(exc)
    return 0, capsys.readouterr().out


def row(seq: int) -> str:
    """The access-log row of the link with this seq."""
    return f"(SELECT entry_id FROM audit_accessseal WHERE seq = {seq})"


REHASH = (
    "UPDATE audit_accessseal s SET row_hash = sha256(s.prev_hash || audit_access_canonical(e, s.seq))"
    " FROM audit_accesslogentry e WHERE e.id = s.entry_id AND s.seq = {seq}"
)
RELINK = (
    "UPDATE audit_accessseal t SET prev_hash = p.row_hash FROM audit_accessseal p"
    " WHERE p.seq = t.seq - 1 AND t.seq = {seq}"
)

TAMPERING = [
    pytest.param(
        [f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {row(3)}"],
        "altered", 3, 3, "seq 3（id {id3}）の内容が変更されています", id="purpose-altered",
    ),
    pytest.param(
        [f"UPDATE audit_accesslogentry SET person_ids = '{{}}' WHERE id = {row(2)}"],
        "altered", 2, 2, "seq 2（id {id2}）の内容が変更されています", id="person-removed-from-row",
    ),
    pytest.param(
        [f"UPDATE audit_accesslogentry SET created_at = created_at - interval '3 hours' WHERE id = {row(5)}"],
        "altered", 5, 5, "seq 5（id {id5}）の内容が変更されています", id="time-moved",
    ),
    pytest.param(
        [f"DELETE FROM audit_accesslogentry WHERE id = {row(3)}"],
        "deleted", 3, 3, "seq 3（id {id3}）の行がありません（削除）。連鎖には記録されています。", id="row-deleted",
    ),
    pytest.param(
        [f"DELETE FROM audit_accesslogentry WHERE id = {row(3)}", "DELETE FROM audit_accessseal WHERE seq = 3"],
        "deleted", 3, 4, "seq 3 がありません（削除）。欠落の次の行は seq 4（id {id4}）です。", id="row-and-link-deleted",
    ),
    pytest.param(
        [f"DELETE FROM audit_accesslogentry WHERE id IN ({row(1)}, {row(2)})",
         "DELETE FROM audit_accessseal WHERE seq IN (1, 2)"],
        "deleted", 1, 3, "seq 1〜2 がありません（削除）。欠落の次の行は seq 3（id {id3}）です。", id="first-rows-deleted",
    ),
    pytest.param(
        [
            "UPDATE audit_accessseal SET seq = seq + 1000 WHERE seq IN (3, 4)",
            "UPDATE audit_accessseal SET seq = CASE seq WHEN 1003 THEN 4 ELSE 3 END WHERE seq > 1000",
        ],
        "altered", 3, 4, "seq 3（id {id4}）の内容が変更されています", id="links-swapped",
    ),
    pytest.param(
        [f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {row(3)}", REHASH.format(seq=3)],
        "link", 4, 4, "seq 4（id {id4}）の直前ハッシュが seq 3（id {id3}）の行ハッシュと一致しません", id="altered-and-rehashed",
    ),
]

DELETE_AND_RECHAIN = [
    f"DELETE FROM audit_accesslogentry WHERE id = {row(3)}",
    "DELETE FROM audit_accessseal WHERE seq = 3",
    "UPDATE audit_accessseal SET seq = seq - 1 WHERE seq > 3",
    *[step.format(seq=s) for s in (3, 4, 5) for step in (RELINK, REHASH)],
]


@pytest.mark.parametrize(("statements", "kind", "seq", "row_seq", "message"), TAMPERING)
def test_verify_names_the_first_broken_row(chain, tamper, capsys, statements, kind, seq, row_seq, message):
    tamper(*statements)
    result = services.chain_verify(chain="access")
    first = result.breaks[0]
    assert (first.kind, first.seq, first.row_id) == (kind, seq, chain[row_seq])
    code, out = verify(capsys)
    assert code == 1
    assert message.format(**{f"id{s}": pk for s, pk in chain.items()}) in out
    assert "認証・権限の記録（auth）: 改ざんは見つかりませんでした。" in out
    assert SYNTHETIC_NAME not in out


def test_an_intact_chain_passes_and_its_head_is_printed(chain, capsys):
    code, out = verify(capsys)
    head = AccessSeal.objects.get(seq=6)
    assert code == 0
    assert out.splitlines() == [
        f"アクセス記録（access）: 6 行を検証しました。最終 seq 6、最終行のハッシュ {bytes(head.row_hash).hex()}",
        "アクセス記録（access）: 改ざんは見つかりませんでした。",
        f"認証・権限の記録（auth）: 3 行を検証しました。最終 seq 3、最終行のハッシュ "
        f"{bytes(AuthEvent.objects.get(seq=3).row_hash).hex()}",
        "認証・権限の記録（auth）: 改ざんは見つかりませんでした。",
    ]
    assert list(ChainCheckpoint.objects.order_by("id").values_list("chain", "seq", "rows", "ok")) == [
        ("access", 6, 6, True), ("auth", 3, 3, True),
    ]


def test_small_batches_give_the_same_result(chain, tamper):
    tamper("DELETE FROM audit_accessseal WHERE seq = 5")
    result = services.chain_verify(chain="access", batch_size=2, record_checkpoint=False)
    assert ([(b.kind, b.seq, b.row_id) for b in result.breaks], result.rows) == ([("deleted", 5, chain[6])], 5)
    assert not ChainCheckpoint.objects.exists()


def test_rows_cut_off_the_end_after_a_verification_are_found(chain, tamper, capsys):
    assert verify(capsys)[0] == 0  # records the head: seq 6
    tamper(f"DELETE FROM audit_accesslogentry WHERE id IN ({row(5)}, {row(6)})",
           "DELETE FROM audit_accessseal WHERE seq IN (5, 6)")
    code, out = verify(capsys, "--chain", "access")
    assert code == 1
    assert "最初の不整合: seq 5 末尾の行の削除: seq 5〜6 がありません" in out
    assert verify(capsys, "--chain", "access")[0] == 1  # and it stays found, night after night


def test_a_whole_rewritten_tail_is_found_through_the_checkpoint(chain, tamper, capsys):
    assert verify(capsys)[0] == 0
    tamper(
        f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {row(3)}",
        *[step.format(seq=s) for s in (3, 4, 5, 6) for step in (RELINK, REHASH)],
    )
    result = services.chain_verify(chain="access", record_checkpoint=False)
    assert [(b.kind, b.seq, b.row_id) for b in result.breaks] == [("rewritten", 6, chain[6])]
    code, out = verify(capsys, "--chain", "access", "--no-checkpoint")
    assert code == 1 and f"seq 6（id {chain[6]}）のハッシュが以前の検証時と異なります" in out


def test_a_deletion_with_the_rest_renumbered_and_rehashed_is_found_only_through_the_checkpoint(chain, tamper, capsys):
    """The honest limit of a hash chain: whoever can write the table and knows the scheme can
    rebuild it. Earlier checkpoints (and the head hashes logged to the log server) catch it."""
    tamper(*DELETE_AND_RECHAIN)
    assert services.chain_verify(chain="access", record_checkpoint=False).ok  # the chain alone cannot tell


def test_a_deletion_with_the_rest_rehashed_after_a_verification_is_found(chain, tamper, capsys):
    assert verify(capsys)[0] == 0
    tamper(*DELETE_AND_RECHAIN)
    result = services.chain_verify(chain="access")
    assert [(b.kind, b.seq, b.row_id) for b in result.breaks] == [("truncated", 6, None)]
    code, out = verify(capsys, "--chain", "access")
    assert code == 1 and "seq 6 がありません（以前の検証時には seq 6 まであった末尾の行の削除）。" in out


def test_the_auth_chain_is_verified_on_its_own(chain, tamper, capsys):
    tamper("DELETE FROM audit_authevent WHERE seq = 2")
    code, out = verify(capsys)
    assert code == 1
    assert "アクセス記録（access）: 改ざんは見つかりませんでした。" in out
    auth_id_3 = AuthEvent.objects.get(seq=3).pk
    assert f"認証・権限の記録（auth）: 最初の不整合: seq 2 行の削除: seq 2 がありません（削除）。欠落の次の行は seq 3（id {auth_id_3}）です。" in out


def test_the_nightly_task_logs_an_error_and_alerts_supervisors_once(chain, tamper, caplog):
    from audit.tasks import audit_verify_nightly

    tamper(f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {row(3)}")
    with caplog.at_level(logging.INFO, logger="audit"):
        assert audit_verify_nightly() == {"access": 1, "auth": 0}
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"audit chain access broken: altered at seq 3 (row id {chain[3]})"]
    alert = AuditAlert.objects.get()
    assert (alert.kind, alert.fingerprint, alert.acknowledged_at) == ("chain_broken", f"access:altered:3:{chain[3]}", None)
    assert alert.detail == (
        f"アクセス記録: 行の変更。seq 3（id {chain[3]}）の内容が変更されています"
        "（保存されたハッシュと再計算したハッシュが一致しません）。"
    )
    assert audit_verify_nightly() == {"access": 1, "auth": 0}
    assert AuditAlert.objects.count() == 1  # the same break is alerted once
    tamper("DELETE FROM audit_authevent WHERE seq = 3")  # a new one is alerted
    audit_verify_nightly()
    assert AuditAlert.objects.count() == 2
    assert all(SYNTHETIC_NAME not in r.getMessage() for r in caplog.records)
    assert list(ChainCheckpoint.objects.filter(chain="access").values_list("ok", flat=True)) == [False, False, False]


def test_a_row_deleted_before_it_was_sealed_leaves_no_trace_the_honest_window(chain, tamper):
    """Until the minute job seals it, a row is as unprotected as any table row (against someone
    who can bypass the append-only trigger): the sealing interval is that window (ADR 0003)."""
    late = services.access_log_write(actor=None, function="person.view", channel="screen", person_ids=[1])
    tamper(f"DELETE FROM audit_accesslogentry WHERE id = {late}")
    result = services.chain_verify(chain="access")
    assert (result.ok, result.rows) == (True, 6)


@pytest.mark.django_db(transaction=True)
def test_a_row_committed_after_later_rows_were_sealed_joins_the_chain_where_it_is_found():
    """Links follow the order rows are found committed, not their ids: a read logged early in a
    long transaction commits after rows logged later were sealed, and the walk accepts that."""
    appended, release, done = threading.Event(), threading.Event(), []

    def long_transaction():
        try:
            with transaction.atomic():
                done.append(services.access_log_write(actor=None, function="batch.read", channel="batch",
                                                      person_ids=[1]))
                appended.set()
                release.wait(30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=long_transaction)
    worker.start()
    assert appended.wait(30)
    later = services.access_log_write(actor=None, function="person.view", channel="screen", person_ids=[2])
    assert services.access_log_seal() == 1  # the earlier row is not committed yet
    release.set()
    worker.join(30)
    assert services.access_log_seal() == 1
    (early,) = done
    assert early < later
    assert list(AccessSeal.objects.order_by("seq").values_list("entry_id", flat=True)) == [later, early]
    result = services.chain_verify(chain="access")
    assert (result.ok, result.rows, result.head_seq) == (True, 2, 2)


def test_the_sealing_job_runs_every_minute():
    celery_app.loader.import_default_modules()
    entry = celery_app.conf.beat_schedule["audit-seal-access-log"]
    assert entry["task"] == "audit.tasks.audit_seal_access_log"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == crontab(minute="*")


def test_the_nightly_check_is_scheduled_at_0230_tokyo_time():
    celery_app.loader.import_default_modules()
    entry = celery_app.conf.beat_schedule["audit-verify-nightly"]
    assert entry["task"] == "audit.tasks.audit_verify_nightly"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == crontab(hour=2, minute=30)
    assert celery_app.conf.timezone == "Asia/Tokyo"


def test_the_walk_streams_through_a_server_side_cursor(chain, monkeypatch):
    from django.db import connection

    from audit import chain as chain_module

    seen_cursors = []

    def spying_rows_of(tuples):
        for i, row in enumerate(chain_module.rows_of(tuples)):
            if i == 0:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT is_holdable, statement FROM pg_cursors")
                    seen_cursors.extend(cursor.fetchall())
            yield row

    monkeypatch.setattr(services, "rows_of", spying_rows_of)
    assert services.chain_verify(chain="access", batch_size=2, record_checkpoint=False).rows == 6
    ((holdable, statement),) = seen_cursors
    assert holdable is False and "LEFT JOIN audit_accesslogentry e ON e.id = s.entry_id ORDER BY s.seq" in statement


def _signed(checkpoint) -> bool:
    from audit.chain import checkpoint_message
    from kaigo.crypto.keyring import get_keyring

    before = (ChainCheckpoint.objects.filter(chain=checkpoint.chain, id__lt=checkpoint.id, signature__isnull=False)
              .order_by("-id").first())
    message = checkpoint_message(chain=checkpoint.chain, seq=checkpoint.seq, row_hash=bytes(checkpoint.row_hash),
                                 rows=checkpoint.rows, ok=checkpoint.ok, created_at=checkpoint.created_at,
                                 prev_signature=bytes(before.signature) if before else None)
    get_keyring().seal_public(checkpoint.key_version).verify(bytes(checkpoint.signature), message)
    return True


def test_each_checkpoint_is_signed_over_the_one_before(chain, capsys):
    assert verify(capsys)[0] == 0
    assert verify(capsys, "--chain", "access")[0] == 0
    first, second = ChainCheckpoint.objects.filter(chain="access").order_by("id")
    assert first.key_version == second.key_version == "seal-1"
    assert _signed(first) and _signed(second)
    assert services.chain_verify(chain="access", record_checkpoint=False).ok


def test_a_rewritten_tail_with_its_checkpoint_rewritten_too_is_found_by_the_signature(chain, tamper, capsys):
    """The intruder of the test above, who also puts the new head hash into the checkpoint: the
    checkpoint's signature (key outside the database) no longer verifies."""
    assert verify(capsys, "--chain", "access")[0] == 0
    tamper(
        f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {row(3)}",
        *[step.format(seq=s) for s in (3, 4, 5, 6) for step in (RELINK, REHASH)],
        "UPDATE audit_chaincheckpoint c SET row_hash = s.row_hash FROM audit_accessseal s "
        "WHERE s.seq = 6 AND c.chain = 'access'",
    )
    result = services.chain_verify(chain="access", record_checkpoint=False)
    assert [(b.kind, b.seq) for b in result.breaks] == [("checkpoint", 6)]
    code, out = verify(capsys, "--chain", "access", "--no-checkpoint")
    assert code == 1 and "の署名が一致しません" in out and SYNTHETIC_NAME not in out


def test_a_removed_checkpoint_is_found_by_the_next_one(chain, tamper, capsys):
    for _ in range(3):
        assert verify(capsys, "--chain", "access")[0] == 0
    middle = ChainCheckpoint.objects.filter(chain="access").order_by("id")[1]
    tamper(f"DELETE FROM audit_chaincheckpoint WHERE id = {middle.id}")
    result = services.chain_verify(chain="access", record_checkpoint=False)
    last = ChainCheckpoint.objects.filter(chain="access").order_by("-id").first()
    assert [(b.kind, b.seq) for b in result.breaks] == [("checkpoint", last.seq)]
    assert f"検証記録 {last.id}（seq 6）の署名が一致しません" in result.breaks[0].message


def test_without_a_seal_key_checkpoints_are_unsigned_and_still_guard_the_tail(chain, tamper, capsys, monkeypatch):
    import dataclasses

    from kaigo.crypto import keyring

    monkeypatch.setattr(keyring, "_cached", dataclasses.replace(keyring.get_keyring(), seal_active="", seal_keys={}))
    assert verify(capsys, "--chain", "access")[0] == 0
    checkpoint = ChainCheckpoint.objects.get(chain="access")
    assert checkpoint.signature is None and checkpoint.key_version == ""
    tamper(f"DELETE FROM audit_accesslogentry WHERE id = {row(6)}", "DELETE FROM audit_accessseal WHERE seq = 6")
    result = services.chain_verify(chain="access", record_checkpoint=False)
    assert [(b.kind, b.seq) for b in result.breaks] == [("truncated", 6)]



def test_a_checkpoint_stripped_of_its_signature_is_not_trusted(chain, tamper, capsys):
    """An intruder who rebuilds the tail and writes the new head into the last checkpoint with its
    signature removed: after a signed checkpoint, an unsigned one is a finding, not a head."""
    assert verify(capsys, "--chain", "access")[0] == 0
    assert verify(capsys, "--chain", "access")[0] == 0
    last = ChainCheckpoint.objects.filter(chain="access").order_by("-id").first()
    tamper(
        f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {row(3)}",
        *[step.format(seq=s) for s in (3, 4, 5, 6) for step in (RELINK, REHASH)],
        "UPDATE audit_chaincheckpoint c SET row_hash = s.row_hash, signature = NULL, key_version = '' "
        f"FROM audit_accessseal s WHERE s.seq = 6 AND c.id = {last.id}",
    )
    result = services.chain_verify(chain="access", record_checkpoint=False)
    assert [(b.kind, b.seq) for b in result.breaks] == [("rewritten", 6), ("checkpoint", 6)]
    assert f"検証記録 {last.id}（seq 6）に署名がありません" in result.breaks[1].message


def test_with_a_seal_key_unsigned_checkpoints_from_before_it_are_passed_over(chain, tamper, capsys, monkeypatch):
    import dataclasses

    from kaigo.crypto import keyring

    signing = keyring.get_keyring()
    monkeypatch.setattr(keyring, "_cached", dataclasses.replace(signing, seal_active="", seal_keys={}))
    assert verify(capsys, "--chain", "access")[0] == 0  # unsigned: the keyring had no seal key yet
    monkeypatch.setattr(keyring, "_cached", signing)
    tamper("UPDATE audit_chaincheckpoint SET row_hash = sha256('another head') WHERE chain = 'access'")
    result = services.chain_verify(chain="access", record_checkpoint=False)
    assert result.ok  # the old unsigned checkpoint is neither a head nor a finding


def test_the_deploy_check_warns_of_a_keyring_without_a_seal_key(monkeypatch):
    import dataclasses

    from audit.checks import check_seal_key
    from kaigo.crypto import keyring

    assert check_seal_key(None) == []
    monkeypatch.setattr(keyring, "_cached", dataclasses.replace(keyring.get_keyring(), seal_active="", seal_keys={}))
    assert [w.id for w in check_seal_key(None)] == ["audit.W003"]


@pytest.mark.django_db(transaction=True)
def test_verifications_at_the_same_time_sign_their_checkpoints_one_after_the_other():
    """The nightly job and an operator's audit_verify at once: each checkpoint is signed over the
    one recorded before it, so neither is later taken for one that follows a removed checkpoint."""
    from audit.chain import VerifyResult

    barrier, errors = threading.Barrier(4), []

    def record(n: int) -> None:
        try:
            for _ in range(5):
                barrier.wait(timeout=10)
                services.checkpoint_record("auth", VerifyResult(chain="auth", rows=n))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=record, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert ChainCheckpoint.objects.filter(chain="auth").count() == 20
    _, forged = services.checkpoints_verified("auth")
    assert forged == []
