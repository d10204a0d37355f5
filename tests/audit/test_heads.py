"""The audit log survives its administrator (issue 17): every sealing pass writes the chains'
signed heads to an append-only file outside the database, and the verification checks the
database against them. Each attack is done as the superuser (the test database's user is one, as
docker-compose's application login was): TRUNCATE is refused; with the triggers switched off
(``session_replication_role = replica``) a truncation, a deletion of sealed rows after the last
checkpoint, an alteration with the chain recomputed and a re-sealing with the database's own
sealing function are each named, with their rows or range. The heads file itself cannot lose,
change or re-order a record unseen, and a missing or unreadable file is reported."""

from __future__ import annotations

import json
import logging
import shutil
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from audit import services
from audit.chain import ACCESS, head_message
from audit.heads import current_heads, heads_read, heads_record, parse_record
from audit.models import AccessSeal, AuditAlert, AuthEvent, ChainCheckpoint
from kaigo.crypto.keyring import get_keyring

SYNTHETIC_NAME = "山田太郎"  # synthetic: must never reach the heads file, a log line or an alert


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as if its transaction committed: the heads are written after the commit, and
    the test's transaction never commits."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def write(n: int, actor=None) -> int:
    return services.access_log_write(actor=actor, function="person.view", channel="screen", person_ids=[1000000 + n])


@pytest.fixture
def history(db, make_staff, committed, audit_heads_file):
    """Ten access-log rows sealed two at a time (a head outside the database after each pass), four
    authentication events; a verification (the checkpoints) after the sixth row; rows 7-10 come
    after it. Returns {seq: access-log row id}."""
    staff = make_staff(username="clerk01")
    for n in range(1, 11):
        write(n, staff)
        if n % 2 == 0:
            with committed():
                assert services.access_log_seal() == 2
        if n in (3, 8):
            services.auth_event_write(kind="login", actor=staff)
            services.auth_event_write(kind="logout", actor=staff)
        if n == 6:
            with committed():
                assert all(r.ok for r in services.verify_all())
    return dict(AccessSeal.objects.values_list("seq", "entry_id"))


def intruder(*statements: str) -> None:
    """What someone with the superuser's password does: triggers off for the session, then SQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (True,)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET session_replication_role = replica")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("SET session_replication_role = origin")


def verify(capsys, *args) -> tuple[int, str]:
    try:
        call_command("audit_verify", *args)
    except CommandError as exc:
        return exc.returncode, capsys.readouterr().out + str(exc)
    return 0, capsys.readouterr().out


def findings(results) -> dict[str, list[tuple[str, int, int | None]]]:
    return {r.chain: [(b.kind, b.seq, b.row_id) for b in r.breaks] for r in results}


def lines(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def record_lines(path, seq: int, chain: str = "access") -> list[int]:
    """The lines (1-based) of the heads file whose record has the chain's head at seq."""
    return [i for i, raw in enumerate(lines(path), start=1)
            if any(h.chain == chain and h.seq == seq for h in parse_record(raw.rstrip(b"\n")).heads)]


# --- the heads file ---------------------------------------------------------------------------------


def test_each_sealing_pass_writes_the_heads_after_its_commit_signed_over_the_record_before(
        history, audit_heads_file):
    records = [parse_record(raw.rstrip(b"\n"), i) for i, raw in enumerate(lines(audit_heads_file), start=1)]
    assert [r.record for r in records] == list(range(1, len(records) + 1))
    access = [next(h for h in r.heads if h.chain == "access") for r in records]
    assert [h.seq for h in access] == [2, 4, 6, 8, 10]  # one record a pass that moved a head
    assert [h.row_id for h in access] == [history[s] for s in (2, 4, 6, 8, 10)]
    assert access[-1].row_hash == bytes(AccessSeal.objects.get(seq=10).row_hash)
    auth = [next(h for h in r.heads if h.chain == "auth") for r in records]
    assert [h.seq for h in auth] == [0, 2, 2, 2, 4]  # two events after rows 3 and 8, recorded by the next pass
    assert auth[-1].row_hash == bytes(AuthEvent.objects.get(seq=4).row_hash)
    ring = get_keyring()
    previous = b""
    for r in records:
        assert r.prev_signature == previous and r.key_version == "seal-1"
        ring.seal_public(r.key_version).verify(r.signature, head_message(
            record=r.record, written_at=r.written_at, heads=r.heads, prev_signature=previous))
        previous = r.signature
    text = audit_heads_file.read_text(encoding="ascii")
    assert set(json.loads(text.splitlines()[0])) == {"record", "written_at", "heads", "prev", "key", "sig"}
    assert "person" not in text and "clerk01" not in text  # seqs, row ids, hashes, times: nothing personal


def test_nothing_is_written_when_no_head_moved_nor_when_the_sealing_rolls_back(history, audit_heads_file, committed):
    before = audit_heads_file.read_bytes()
    with committed():
        assert services.access_log_seal() == 0
    assert heads_record() is None
    with pytest.raises(RuntimeError), committed(), transaction.atomic():
        write(11)
        assert services.access_log_seal() == 1
        raise RuntimeError("the pass rolls back")
    assert audit_heads_file.read_bytes() == before
    assert services.verify_all()[-1].ok


def test_an_intact_history_verifies_against_its_heads_and_the_file_is_reported(history, capsys, committed):
    with committed():
        code, out = verify(capsys)
    assert code == 0
    assert "アクセス記録（access）: 改ざんは見つかりませんでした。" in out
    assert "外部記録（heads）: 5 件の記録を確認しました（" in out and "外部記録（heads）: 改ざんは見つかりませんでした。" in out
    checkpoint = ChainCheckpoint.objects.filter(chain="access").order_by("-id").first()
    assert checkpoint.heads_record == 5  # the file's last record, signed with the checkpoint


# --- attacks as the superuser ------------------------------------------------------------------------


def test_truncate_is_refused_to_the_superuser_and_with_triggers_off_it_is_named(history, capsys, committed):
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE audit_accesslogentry, audit_accessseal, audit_authevent, audit_chaincheckpoint")
    assert "is append-only: TRUNCATE refused" in str(refused.value)
    assert AccessSeal.objects.count() == 10

    intruder("TRUNCATE audit_accesslogentry, audit_accessseal, audit_authevent, audit_chaincheckpoint")
    assert not ChainCheckpoint.objects.exists()
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert findings(results) == {"access": [("emptied", 1, None)], "auth": [("emptied", 1, None)], "heads": []}
    assert results[0].breaks[0].message.startswith("seq 1〜10 の全行がありません（外部記録 5 行目（")
    with committed():
        code, out = verify(capsys)
    assert code == 1
    assert "アクセス記録（access）: 最初の不整合: seq 1 全行の消去: seq 1〜10 の全行がありません" in out
    assert "認証・権限の記録（auth）: 最初の不整合: seq 1 全行の消去: seq 1〜4 の全行がありません" in out
    assert "テーブルの切り詰め（TRUNCATE）" in out and "外部記録（heads）: 改ざんは見つかりませんでした。" in out
    assert "アクセス記録（access）: 改ざんは見つかりませんでした。" not in out


def test_sealed_rows_deleted_after_the_last_checkpoint_are_named_with_their_range(history, capsys, committed):
    """Rows 9 and 10 and their links, deleted after the checkpoint of row 6: the chain alone is
    intact and the checkpoint agrees; the heads written outside the database say it was longer."""
    intruder(f"DELETE FROM audit_accesslogentry WHERE id IN ({history[9]}, {history[10]})",
             "DELETE FROM audit_accessseal WHERE seq >= 9",
             "DELETE FROM audit_authevent WHERE seq = 4")
    assert services.chain_verify(chain="access", record_checkpoint=False, heads=None).ok  # without the heads
    with committed():
        results = services.verify_all()
    assert findings(results) == {"access": [("truncated", 9, None)], "auth": [("truncated", 4, None)], "heads": []}
    line = record_lines(services.heads_path(), 10)[0]
    assert results[0].breaks[0].message.startswith(
        f"seq 9〜10 がありません（外部記録 {line} 行目（")
    assert results[0].breaks[0].message.endswith("では seq 10 まであった末尾の行の削除）。")
    with committed():
        code, out = verify(capsys)  # and night after night
    assert code == 1 and "最初の不整合: seq 9 末尾の行の削除: seq 9〜10 がありません" in out


def test_an_alteration_with_the_chain_recomputed_is_named_with_its_range(history, capsys, committed):
    """Row 8 changed, and every link from it recomputed by hand so that the chain verifies: the head
    written after the pass that sealed rows 7-8 says seq 8 had another hash."""
    relink = ("UPDATE audit_accessseal s SET prev_hash = p.row_hash FROM audit_accessseal p"
              " WHERE p.seq = s.seq - 1 AND s.seq = {seq}")
    rehash = ("UPDATE audit_accessseal s SET row_hash = sha256(s.prev_hash || audit_access_canonical(e, s.seq))"
              " FROM audit_accesslogentry e WHERE e.id = s.entry_id AND s.seq = {seq}")
    intruder(f"UPDATE audit_accesslogentry SET purpose = '{SYNTHETIC_NAME}' WHERE id = {history[8]}",
             *[step.format(seq=seq) for seq in (8, 9, 10) for step in (relink, rehash)])
    assert services.chain_verify(chain="access", record_checkpoint=False, heads=None).ok  # the chain alone: intact
    with committed():
        results = services.verify_all()
    assert findings(results)["access"] == [("rehashed", 8, history[8])]
    message = results[0].breaks[0].message
    assert f"seq 8（id {history[8]}）のハッシュが外部記録 4 行目（" in message
    assert "seq 7〜8 のいずれかの行が変更され、連鎖のハッシュが計算し直されています。" in message
    with committed():
        code, out = verify(capsys)
    assert code == 1 and "最初の不整合: seq 8（id" in out and "行の変更と連鎖の再計算" in out
    assert SYNTHETIC_NAME not in out


def test_a_deletion_resealed_with_the_databases_own_function_is_named(history, capsys, committed):
    """Row 8 deleted with the links from seq 8 on, and the rest sealed again by audit_access_seal
    itself: a perfect chain, nine links. The heads say seq 8 was another row, and seq 10 existed."""
    intruder(f"DELETE FROM audit_accesslogentry WHERE id = {history[8]}",
             "DELETE FROM audit_accessseal WHERE seq >= 8",
             "SELECT audit_access_seal(NULL, 1000)")
    assert list(AccessSeal.objects.filter(seq__gte=8).order_by("seq").values_list("seq", "entry_id")) == [
        (8, history[9]), (9, history[10])]
    assert services.chain_verify(chain="access", record_checkpoint=False, heads=None).ok  # the chain alone: intact
    with committed():
        results = services.verify_all()
    assert findings(results)["access"] == [("resealed", 8, history[9]), ("truncated", 10, None)]
    message = results[0].breaks[0].message
    assert f"では seq 8 は id {history[8]} の行でしたが、現在は id {history[9]} の行です。" in message
    assert "seq 7〜8 の間で行が削除・挿入または並べ替えられ、連鎖が封印し直されています（再封印）。" in message
    assert message.endswith(f"id {history[8]} の行はもうありません（削除）。")
    with committed():
        code, out = verify(capsys, "--chain", "access")
    assert code == 1 and "最初の不整合: seq 8（id" in out and "行の削除・挿入と再封印" in out


def test_a_reseal_that_grows_the_chain_back_past_its_heads_is_still_named(history, committed):
    """The intruder also appends rows until the chain is as long as before: still re-sealed at 8."""
    intruder(f"DELETE FROM audit_accesslogentry WHERE id = {history[8]}",
             "DELETE FROM audit_accessseal WHERE seq >= 8")
    late = write(11)
    intruder("SELECT audit_access_seal(NULL, 1000)")
    with committed():
        results = services.verify_all()
    assert findings(results)["access"] == [("resealed", 8, history[9])]
    assert results[0].breaks[0].message.endswith(f"id {history[8]} の行はもうありません（削除）。")
    assert AccessSeal.objects.get(seq=10).entry_id == late


def test_auth_events_deleted_and_appended_again_are_named(history, committed):
    intruder("DELETE FROM audit_authevent WHERE seq >= 3",
             "SELECT audit_auth_append('login', NULL, '', '', NULL, '', '', '{}')",
             "SELECT audit_auth_append('logout', NULL, '', '', NULL, '', '', '{}')")
    new_id = AuthEvent.objects.get(seq=4).pk
    with committed():
        results = services.verify_all()
    (found,) = results[1].breaks
    assert (found.chain, found.kind, found.seq, found.row_id) == ("auth", "resealed", 4, new_id)
    assert "seq 3〜4 の間で" in found.message and "の行はもうありません（削除）。" in found.message


def test_the_nightly_task_alerts_each_finding_once_with_its_code(history, committed, caplog):
    from audit.tasks import audit_verify_nightly

    intruder("TRUNCATE audit_accesslogentry, audit_accessseal, audit_authevent, audit_chaincheckpoint")
    with caplog.at_level(logging.INFO, logger="audit"), committed():
        assert audit_verify_nightly() == {"access": 1, "auth": 1, "heads": 0}
    assert sorted(AuditAlert.objects.values_list("fingerprint", flat=True)) == [
        "access:emptied:1:-", "auth:emptied:1:-"]
    assert AuditAlert.objects.get(fingerprint="access:emptied:1:-").detail.startswith(
        "アクセス記録: 全行の消去。seq 1〜10 の全行がありません")
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["audit chain access broken: emptied at seq 1 (row id None)",
                      "audit chain auth broken: emptied at seq 1 (row id None)"]
    with committed():
        audit_verify_nightly()
    assert AuditAlert.objects.count() == 2


# --- the heads file cannot lose, change or re-order a record unseen ----------------------------------------


def rewrite(path, keep) -> None:
    path.write_bytes(b"".join(keep(lines(path))))


def test_a_record_removed_from_the_middle_of_the_file_is_named(history, audit_heads_file, committed):
    rewrite(audit_heads_file, lambda ls: ls[:1] + ls[2:])
    with committed():
        results = services.verify_all()
    assert findings(results)["heads"] == [("heads_gap", 2, None)]
    assert results[-1].breaks[0].message == "外部記録の記録 2 がありません（2 行目の前の行の削除）。"


def test_a_changed_record_is_named_by_its_signature(history, audit_heads_file, committed):
    def lower_the_head(ls):
        data = json.loads(ls[4])
        data["heads"][0]["seq"] = 9
        return [*ls[:4], json.dumps(data).encode() + b"\n"]

    rewrite(audit_heads_file, lower_the_head)
    with committed():
        results = services.verify_all()
    assert findings(results)["heads"] == [("heads_forged", 5, None)]
    assert results[-1].breaks[0].message == "外部記録の 5 行目（記録 5）の署名が一致しません（記録の書き換え）。"
    assert findings(results)["access"] == []  # the forged head is not used


def test_records_swapped_are_named(history, audit_heads_file, committed):
    rewrite(audit_heads_file, lambda ls: [ls[0], ls[2], ls[1], *ls[3:]])
    with committed():
        found = findings(services.verify_all())["heads"]
    assert found == [("heads_gap", 2, None), ("heads_gap", 3, None), ("heads_gap", 4, None)]


def test_records_cut_off_the_end_after_a_verification_are_named(history, audit_heads_file, committed):
    with committed():
        assert all(r.ok for r in services.verify_all())  # anchors record 5
    rewrite(audit_heads_file, lambda ls: ls[:3])
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert findings(results)["heads"] == [("heads_cut", 5, None)]
    assert results[-1].breaks[0].message.startswith("外部記録の記録 5 がありません（検証記録 ")


def test_a_missing_heads_file_is_named_even_when_the_next_pass_starts_a_new_one(history, audit_heads_file,
                                                                                  committed, capsys):
    with committed():
        assert all(r.ok for r in services.verify_all())
    audit_heads_file.unlink()
    with committed():
        code, out = verify(capsys)  # its own sealing pass starts a new file: the loss is named all the same
    assert code == 1
    assert f"外部記録（heads）: 最初の不整合: 外部記録の紛失: 外部記録のファイル（{audit_heads_file}）がありません" in out
    assert len(lines(audit_heads_file)) == 1
    audit_heads_file.unlink()
    write(11)
    with committed():  # the minute pass starts a new file before the next verification: the cut is named
        services.access_log_seal()
    assert len(lines(audit_heads_file)) == 1
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert [b.kind for b in results[-1].breaks] == ["heads_cut"]


def test_an_unreadable_heads_file_or_line_is_named(history, audit_heads_file, committed):
    with audit_heads_file.open("ab") as handle:
        handle.write("壊れた行\n".encode())
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert findings(results)["heads"] == [("heads_unreadable", 6, None)]
    assert results[-1].breaks[0].message == "外部記録の 6 行目が読めません（記録の形式ではありません）。"

    audit_heads_file.unlink()
    audit_heads_file.mkdir()  # not a file one can read
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert [b.kind for b in results[-1].breaks] == ["heads_unreadable"]
    assert "を読めません（IsADirectoryError）。" in results[-1].breaks[0].message
    shutil.rmtree(audit_heads_file)


def test_a_record_cut_short_by_a_crash_is_closed_and_named_and_the_next_one_follows(history, audit_heads_file,
                                                                                   committed):
    with audit_heads_file.open("ab") as handle:
        handle.write(b'{"heads":[{"chain":"acc')
    write(11)
    with committed():
        services.access_log_seal()
    records = lines(audit_heads_file)
    assert records[5] == b'{"heads":[{"chain":"acc\n' and parse_record(records[6].rstrip(b"\n")).record == 6
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert findings(results)["heads"] == [("heads_unreadable", 6, None)]
    assert findings(results)["access"] == []


def test_a_copy_of_the_heads_file_can_be_checked_instead(history, audit_heads_file, tmp_path, capsys, committed):
    copy = tmp_path / "copy-from-the-log-server.jsonl"
    shutil.copy(audit_heads_file, copy)
    intruder(f"DELETE FROM audit_accesslogentry WHERE id = {history[10]}", "DELETE FROM audit_accessseal WHERE seq = 10")
    audit_heads_file.unlink()  # and the local file with it
    code, out = verify(capsys, "--no-checkpoint", "--heads-file", str(copy))
    assert code == 1 and "最初の不整合: seq 10 末尾の行の削除: seq 10 がありません（外部記録 5 行目" in out


def test_checkpoints_sign_their_heads_anchor(history, committed):
    from audit.chain import checkpoint_message

    checkpoint = ChainCheckpoint.objects.filter(chain="access", heads_record__isnull=False).get()
    before = ChainCheckpoint.objects.filter(chain="access", id__lt=checkpoint.id, signature__isnull=False).first()
    get_keyring().seal_public(checkpoint.key_version).verify(bytes(checkpoint.signature), checkpoint_message(
        chain="access", seq=checkpoint.seq, row_hash=bytes(checkpoint.row_hash), rows=checkpoint.rows, ok=checkpoint.ok,
        created_at=checkpoint.created_at, prev_signature=bytes(before.signature) if before else None,
        heads_line=checkpoint.heads_record, heads_signature=bytes(checkpoint.heads_signature)))
    intruder(f"UPDATE audit_chaincheckpoint SET heads_record = 1 WHERE id = {checkpoint.id}")
    with committed():
        results = services.verify_all(record_checkpoint=False)
    assert ("checkpoint", 6, None) in findings(results)["access"]


@pytest.mark.django_db(transaction=True)
def test_sealing_passes_at_the_same_time_write_one_record_each_head_once(audit_heads_file):
    """Two workers' minute passes and a verification at once: the file lock keeps one chain of
    records, and a head is recorded once."""
    for n in range(1, 21):
        write(n)
    barrier, errors = threading.Barrier(4), []

    def seal(_: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.access_log_seal(limit=5)
            services.access_log_seal(limit=5)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=seal, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    scan = heads_read(audit_heads_file)
    assert scan.problems == [] and scan.last.heads == current_heads()
    access_seqs = [h.seq for r in (parse_record(raw.rstrip(b"\n")) for raw in lines(audit_heads_file))
                   for h in r.heads if h.chain == ACCESS.name]
    assert access_seqs == sorted(set(access_seqs)) and access_seqs[-1] == 20
    assert all(r.ok for r in services.verify_all())


def test_without_a_seal_key_or_a_path_no_heads_are_written_and_the_deploy_check_says_so(
        db, audit_heads_file, monkeypatch, settings):
    import dataclasses

    from audit.checks import check_heads_path
    from kaigo.crypto import keyring

    write(1)
    assert check_heads_path(None) == []
    monkeypatch.setattr(keyring, "_cached", dataclasses.replace(keyring.get_keyring(), seal_active="", seal_keys={}))
    services.access_log_seal()
    assert heads_record() is None and not audit_heads_file.exists()
    settings.KAIGO_AUDIT_HEADS_PATH = ""
    assert heads_record() is None
    assert [w.id for w in check_heads_path(None)] == ["audit.W004"]
    assert services.verify_all()[-1].chain == "auth"  # nothing about a file that is not configured
