"""Appending to the chains: exact rows, one statement, refusals, concurrency, append-only, lockdown."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from audit import services
from audit.chain import ACCESS, GENESIS, row_hash, rows_of
from audit.models import AccessLogEntry, AccessSeal, AuthEvent, ChainCheckpoint


def write(actor=None, **kwargs) -> int:
    defaults = {"function": "person.view", "channel": "screen", "person_ids": [1000001]}
    return services.access_log_write(actor=actor, **{**defaults, **kwargs})


@pytest.mark.django_db
def test_access_log_write_stores_one_row_with_exactly_what_was_given(make_staff):
    staff = make_staff(username="clerk01")
    entry_id = write(staff, function="person.search", channel="api", person_ids=[1000003, 1000001, 1000003, 1000002],
                  hits=3, criteria_kind="kana_name,birth_date", purpose=" 認定調査のため ")
    stored = AccessLogEntry.objects.get()
    assert (stored.pk, stored.staff_id, stored.username) == (entry_id, staff.pk, "clerk01")
    assert (stored.function, stored.channel, stored.person_ids, stored.hits, stored.criteria_kind, stored.purpose) == (
        "person.search", "api", [1000003, 1000001, 1000002], 3, "kana_name,birth_date", "認定調査のため",
    )
    assert (stored.client_ip, stored.terminal_id, stored.session_hash) == (None, "", "")
    assert stored.created_at.tzinfo is not None
    assert not AccessSeal.objects.exists()  # chained by the sealing job, not by the append


@pytest.mark.django_db
def test_sealing_links_each_committed_row_to_the_previous_one_in_id_order():
    first, second = write(), write(channel="print")
    assert services.access_log_seal() == 2
    third = write(channel="export")
    assert services.access_log_seal() == 1
    assert services.access_log_seal() == 0  # nothing twice
    seals = list(AccessSeal.objects.order_by("seq"))
    assert [(s.seq, s.entry_id) for s in seals] == [(1, first), (2, second), (3, third)]
    assert bytes(seals[0].prev_hash) == GENESIS
    assert bytes(seals[1].prev_hash) == bytes(seals[0].row_hash)
    assert bytes(seals[2].prev_hash) == bytes(seals[1].row_hash)
    assert first < second < third


@pytest.mark.django_db
def test_the_minute_pass_looks_back_its_window_and_the_verification_seals_everything():
    old, recent = write(), write()
    with connection.cursor() as cursor:  # as if the first row had been committed two hours ago
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred FK check
        cursor.execute("ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only")
        cursor.execute("UPDATE audit_accesslogentry SET created_at = created_at - interval '2 hours' WHERE id = %s",
                       [old])
        cursor.execute("ALTER TABLE audit_accesslogentry ENABLE TRIGGER audit_accesslogentry_append_only")
    assert services.access_log_seal() == 1  # the default window: the last five minutes
    assert list(AccessSeal.objects.values_list("entry_id", flat=True)) == [recent]
    result = services.chain_verify(chain="access")  # the full pass first
    assert (result.ok, result.rows, result.head_seq) == (True, 2, 2)
    assert list(AccessSeal.objects.order_by("seq").values_list("entry_id", flat=True)) == [recent, old]


@pytest.mark.django_db
def test_one_pass_seals_at_most_its_limit_and_the_verification_loops_until_all_are_sealed(monkeypatch):
    for _ in range(5):
        write()
    assert services.access_log_seal(limit=2) == 2
    assert AccessSeal.objects.count() == 2
    monkeypatch.setattr(services, "SEAL_LIMIT", 2)
    assert services.chain_verify(chain="access").rows == 5  # passes of at most two, until one seals fewer
    assert AccessSeal.objects.count() == 5


@pytest.mark.django_db
def test_an_append_is_one_statement(django_assert_num_queries):
    write()  # not the first row of the chain either
    with django_assert_num_queries(1) as captured:
        write(person_ids=list(range(1, 101)), hits=100)
    assert "audit_access_append" in captured.captured_queries[0]["sql"]
    with django_assert_num_queries(1):
        services.auth_event_write(kind="key_operation", detail={"operation": "kek_rotate"})


def stored_rows() -> list[tuple]:
    return list(AccessLogEntry.objects.order_by("id").values_list(
        "staff_id", "username", "function", "channel", "person_ids", "hits", "criteria_kind", "purpose"))


@pytest.mark.django_db
def test_a_batch_writes_the_rows_one_by_one_writes_would_with_one_statement(make_staff):
    staff = make_staff(username="clerk01")
    rows = [
        {"function": "person.view.sensitive.outside_ward", "person_ids": [1000002, 1000001]},
        {"function": "premium.summary", "person_ids": [1000002]},
        {"function": "person.search", "channel": "api", "person_ids": [1000003, 1000003], "hits": 2,
         "criteria_kind": "kana_name", "purpose": " 窓口 "},
    ]
    for row in rows:  # the rows written one by one, as a reference
        write(staff, **row)
    one_by_one = stored_rows()
    with CaptureQueriesContext(connection) as captured, services.access_log_batch() as batch:
        queued = [write(staff, **row) for row in rows]
        queries_meanwhile, rows_queued = len(captured), len(batch.rows)
    assert (queued, queries_meanwhile, rows_queued) == ([None, None, None], 0, 3)  # queued, not written yet
    assert len(captured) == 1 and captured[0]["sql"].count("audit_access_append") == 3  # then one statement
    assert stored_rows()[3:] == one_by_one  # the same rows, in the order written
    assert services.access_log_seal() == 6
    assert services.chain_verify(chain="access").ok


@pytest.mark.django_db
def test_a_batch_with_no_rows_writes_nothing_and_a_batch_inside_another_joins_it(django_assert_num_queries):
    with django_assert_num_queries(0), services.access_log_batch():
        pass
    with services.access_log_batch() as outer:
        write(function="person.view")
        with services.access_log_batch() as inner:
            write(function="premium.summary")
        assert inner is outer and not AccessLogEntry.objects.exists()  # the outermost writes every row
    assert [row[2] for row in stored_rows()] == ["person.view", "premium.summary"]


@pytest.mark.django_db
def test_a_refused_row_raises_at_once_inside_a_batch():
    with pytest.raises(ValueError, match="person_ids must be internal resident numbers"), \
            services.access_log_batch() as batch:
        write(function="person.view")
        write(person_ids=[0])
    assert batch.rows == []
    assert [row[2] for row in stored_rows()] == ["person.view"]  # what was queued before it is recorded


@pytest.mark.django_db
def test_a_refusal_logged_inside_a_batch_is_written_with_the_rows_before_it():
    class Refused(Exception):
        pass

    with pytest.raises(Refused), services.access_log_batch():
        write(function="person.view")
        write(function="premium.summary.denied")
        raise Refused
    assert [row[2] for row in stored_rows()] == ["person.view", "premium.summary.denied"]


@pytest.mark.django_db
def test_a_batch_whose_rows_cannot_be_written_fails_closed(monkeypatch, caplog):
    read = []

    def selector() -> str:
        with services.access_log_batch():
            write(person_ids=[1000001])
            read.append("the data")
        return "the data"

    monkeypatch.setattr(services, "access_append_sql", lambda rows: "SELECT id FROM audit_access_append_missing()")
    with pytest.raises(DatabaseError), transaction.atomic():
        selector()  # raises instead of returning what it read
    assert read == ["the data"] and not AccessLogEntry.objects.exists()

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic(), services.access_log_batch():  # the block's own exception
        write(person_ids=[1000001])
        raise Refused
    assert "1 access-log rows of a failed read could not be written (ProgrammingError)" in caplog.text
    assert "1000001" not in caplog.text


@pytest.mark.django_db
def test_a_batch_rolls_back_with_the_callers_transaction():
    write()
    with pytest.raises(RuntimeError), transaction.atomic():
        with services.access_log_batch():
            write(function="person.view")
            write(function="premium.summary")
        raise RuntimeError("the caller failed after the batch")
    write()
    assert services.access_log_seal() == 2
    assert list(AccessSeal.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert services.chain_verify(chain="access").ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"function": "person view"}, "function must be a code", id="function-with-space"),
        pytest.param({"function": "person"}, "function must be a code", id="function-without-dot"),
        pytest.param({"function": "山田太郎.view"}, "function must be a code", id="function-japanese"),
        pytest.param({"channel": "email"}, "channel must be one of screen, api, export, print, batch", id="channel"),
        pytest.param({"person_ids": [0]}, "person_ids must be internal resident numbers", id="person-zero"),
        pytest.param({"person_ids": ["1000001"]}, "person_ids must be internal resident numbers", id="person-text"),
        pytest.param({"person_ids": [True]}, "person_ids must be internal resident numbers", id="person-bool"),
        pytest.param({"person_ids": [2**63]}, "person_ids must be internal resident numbers", id="person-too-big"),
        pytest.param({"hits": -1}, "hits must be a non-negative integer", id="hits-negative"),
        pytest.param({"criteria_kind": "ヤマダ タロウ"}, "criteria_kind must name the kinds", id="criteria-plaintext"),
        pytest.param({"criteria_kind": "123456789018"}, "criteria_kind must name the kinds", id="criteria-number"),
        pytest.param({"criteria_kind": "kana_name=ヤマダ"}, "criteria_kind must name the kinds", id="criteria-value"),
        pytest.param({"purpose": "山田" * 101}, "purpose must be at most 200 characters", id="purpose-too-long"),
    ],
)
def test_refusals_name_the_rule_never_the_value_and_write_nothing(kwargs, message):
    with pytest.raises(ValueError) as refused:
        write(**kwargs)
    assert str(refused.value).startswith(message)
    for secret in ["山田", "ヤマダ", "123456789018", "1000001", "person view", "email"]:
        assert secret not in str(refused.value)
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"kind": "sudo"}, "kind must be one of", id="kind"),
        pytest.param({"detail": {"Name": "x"}}, "detail keys must be codes", id="detail-key"),
        pytest.param({"detail": {"role": ["a"]}}, "detail values must be codes", id="detail-nested"),
        pytest.param({"detail": {"note": "x" * 201}}, "detail strings must be at most 200", id="detail-long"),
    ],
)
def test_auth_event_refusals(kwargs, message):
    with pytest.raises(ValueError, match=message):
        services.auth_event_write(**{"kind": "login", **kwargs})
    assert not AuthEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(lambda: AccessLogEntry(function="person.view", channel="screen").save(), id="save"),
        pytest.param(lambda: AccessLogEntry.objects.create(function="person.view", channel="screen"), id="create"),
        pytest.param(lambda: AccessLogEntry.objects.bulk_create([AccessLogEntry()]), id="bulk-create"),
        pytest.param(lambda: AccessSeal.objects.create(seq=1, entry_id=1), id="seal-create"),
        pytest.param(lambda: AccessSeal(seq=1, entry_id=1).save(), id="seal-save"),
        pytest.param(lambda: AccessLogEntry.objects.all().update(purpose="x"), id="queryset-update"),
        pytest.param(lambda: AccessLogEntry.objects.all().delete(), id="queryset-delete"),
        pytest.param(lambda: AccessLogEntry.objects.get().delete(), id="instance-delete"),
        pytest.param(lambda: AuthEvent.objects.create(seq=1, kind="login"), id="auth-create"),
    ],
)
def test_the_orm_cannot_write_chain_rows(attempt):
    write()
    with pytest.raises(TypeError):
        attempt()
    assert AccessLogEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statement", "table", "operation"),
    [
        pytest.param("UPDATE audit_accesslogentry SET purpose = 'x'", "audit_accesslogentry", "UPDATE", id="access-update"),
        pytest.param("DELETE FROM audit_accesslogentry", "audit_accesslogentry", "DELETE", id="access-delete"),
        pytest.param("UPDATE audit_accessseal SET seq = 2", "audit_accessseal", "UPDATE", id="seal-update"),
        pytest.param("DELETE FROM audit_accessseal", "audit_accessseal", "DELETE", id="seal-delete"),
        pytest.param("UPDATE audit_authevent SET kind = 'logout'", "audit_authevent", "UPDATE", id="auth-update"),
        pytest.param("DELETE FROM audit_authevent", "audit_authevent", "DELETE", id="auth-delete"),
        pytest.param("DELETE FROM audit_chaincheckpoint", "audit_chaincheckpoint", "DELETE", id="checkpoint-delete"),
    ],
)
def test_the_database_refuses_update_and_delete_even_to_a_superuser(statement, table, operation):
    write()
    services.auth_event_write(kind="login")
    services.chain_verify(chain="access")
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert str(refused.value).splitlines()[0] == f"{table} is append-only: {operation} refused"
    assert refused.value.__cause__.sqlstate == "42501"
    assert (AccessLogEntry.objects.count(), AccessSeal.objects.count(), AuthEvent.objects.count(),
            ChainCheckpoint.objects.count()) == (1, 1, 1, 1)


AUDIT_TABLES = ["audit_accesslogentry", "audit_accessseal", "audit_authevent", "audit_chaincheckpoint"]
# append-only tables of the apps that are not the change trail's: a certification case's moves (issue 18)
APP_TABLES = ["certification_caseevent", "benefits_restrictionevent"]  # and a benefit restriction's (issue 19)


def append_only_tables() -> list[str]:
    from audit.trail_models import trail_event_models

    return [*AUDIT_TABLES, *APP_TABLES, *(m._meta.db_table for m in trail_event_models())]  # the change trail's event tables too


@pytest.mark.django_db
def test_update_and_delete_are_revoked_from_public_and_a_trigger_refuses_each_and_truncate():
    tables = append_only_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.privilege_type FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a"
            " WHERE c.relname = ANY(%s) AND a.grantee = 0", [tables]
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT tgname, (tgtype & 32) <> 0 AS on_truncate FROM pg_trigger"
            " WHERE tgname LIKE '%%_append_only' AND tgfoid = 'audit_refuse_change'::regproc "
        )
        # one per table (audit migrations 0002, 0004, 0006, 0008, 0010, 0012, renamed with the tables
        # by eligibility 0006 and premiums 0020), none on TRUNCATE
        assert sorted(cursor.fetchall()) == sorted((f"{table}_append_only", False) for table in tables)
        # 23, issue 16's four (receipts, late charges paid and exempted, transfers) and its two of item 8
        # (the facility master, moves entered by hand), issue 17's held payments; issue 18's case moves
        # and the trail of cases, papers, certifications, surveys, opinions, primary and board results;
        # issue 19 item 10's trail of basic checklists and 事業対象者; item 8: a restriction's moves and the
        # trail of restrictions and excused installments; item 7: the trail of facility cost limit applications;
        # item 4: the trail of the high-cost refund applications' register
        assert len(tables) == 45
        # and TRUNCATE: a trigger of its own on each (audit migration 0016), the same name everywhere
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'audit_no_truncate' AND t.tgfoid = 'audit_refuse_change'::regproc"
            " AND (t.tgtype & 32) <> 0 AND (t.tgtype & 1) = 0 AND t.tgenabled = 'O'"
        )
        assert sorted(name for (name,) in cursor.fetchall()) == sorted(tables)


@pytest.mark.django_db
@pytest.mark.parametrize("table", [*AUDIT_TABLES, "eligibility_residentevent", "audit_staffevent",
                                   "premiums_paymentevent"])
def test_the_database_refuses_truncate_even_to_a_superuser(table):
    """Issue 17: as the superuser (the test database's user is one, as docker-compose's login was),
    TRUNCATE of the chains, their seals, the checkpoints, the events went through; now it is refused."""
    write()
    services.auth_event_write(kind="login")
    services.chain_verify(chain="access")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (True,)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred FK check either
    for statement in [f"TRUNCATE {table}", f"TRUNCATE {table} CASCADE", f"TRUNCATE ONLY {table} RESTART IDENTITY"]:
        with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        assert str(refused.value).splitlines()[0] == f"{table} is append-only: TRUNCATE refused"
        assert refused.value.__cause__.sqlstate == "42501"
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:  # all at once, too
        cursor.execute("TRUNCATE audit_accesslogentry, audit_accessseal, audit_authevent, audit_chaincheckpoint")
    assert (AccessLogEntry.objects.count(), AccessSeal.objects.count(), AuthEvent.objects.count(),
            ChainCheckpoint.objects.count()) == (1, 1, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_sealing_outside_read_committed_is_refused_clearly():
    write()
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        services.access_log_seal()
    assert "audit_access_seal needs READ COMMITTED isolation, not repeatable read" in str(refused.value)
    assert not AccessSeal.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_and_sealers_keep_one_gapless_chain_with_every_row_once():
    """Eight connections append (some inside a longer transaction, committing out of id order)
    while two of them also seal, as the minute job would."""
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)

    def work(n: int) -> list[int]:
        try:
            start.wait()
            ids = []
            for i in range(per_thread):
                if i % 5 == 4:
                    services.auth_event_write(kind="login", detail={"worker": n})
                with transaction.atomic():  # also inside a caller's transaction, as selectors will be
                    ids.append(write(person_ids=[n * 1000 + i + 1]))
                if n <= 2 and i % 3 == 0:
                    services.access_log_seal()
            return ids
        finally:
            connections.close_all()

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(work, range(1, threads + 1)))
    total = threads * per_thread
    appended = sorted(pk for ids in results for pk in ids)
    assert len(set(appended)) == total
    access, auth = services.chain_verify(chain="access"), services.chain_verify(chain="auth")
    assert (access.ok, access.rows, access.head_seq) == (True, total, total)
    assert (auth.ok, auth.rows, auth.head_seq) == (True, threads * per_thread // 5, threads * per_thread // 5)
    links = list(AccessSeal.objects.order_by("seq").values_list("seq", "entry_id"))
    assert [seq for seq, _ in links] == list(range(1, total + 1))
    assert sorted(entry for _, entry in links) == appended


@pytest.mark.django_db
def test_a_rolled_back_read_leaves_no_row_and_no_gap():
    write()
    with pytest.raises(RuntimeError), transaction.atomic():
        write()
        raise RuntimeError("the read failed after logging")
    write()
    assert services.access_log_seal() == 2
    assert list(AccessSeal.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert services.chain_verify(chain="access").ok


@pytest.mark.django_db
def test_the_row_hash_is_sha256_of_prev_hash_and_the_canonical_form():
    write(hits=1)
    services.access_log_seal()
    link = AccessSeal.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(ACCESS.select_sql())
        (row,) = rows_of(cursor.fetchall())
    assert bytes(link.row_hash) == hashlib.sha256(GENESIS + ACCESS.canonical(row.values)).digest()
    assert bytes(link.row_hash) == row_hash(ACCESS, GENESIS, row.values)


# --- lockdown of the application's role ----------------------------------------------------------------


@pytest.fixture
def roles(db):
    """An application role and an owner role, made inside the test's transaction (rolled back)."""
    suffix = uuid.uuid4().hex[:8]
    app, owner = f"kaigo_test_app_{suffix}", f"kaigo_test_audit_owner_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {app} NOLOGIN")
        cursor.execute(f"CREATE ROLE {owner} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {app}")
    return app, owner


def as_role(role: str, sql: str, params=None):
    """Run ``sql`` as ``role`` in a savepoint (a failure rolls the SET ROLE back with it)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else None
        cursor.execute("RESET ROLE")
        return rows


@pytest.mark.django_db
def test_lockdown_leaves_the_app_role_select_and_append_only(roles, capsys):
    app, owner = roles
    first = write()
    with connection.cursor() as cursor:  # ALTER TABLE waits for no deferred FK check of this transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(CommandError) as before:
        call_command("audit_lockdown", role=app, check=True)
    assert before.value.returncode == 1
    assert f"NG: role {app} holds UPDATE on audit_accesslogentry" in capsys.readouterr().out

    services.access_log_seal()
    call_command("audit_lockdown", role=app, owner=owner)
    assert f"{app} は監査記録を参照と追記（追記用の関数経由）しかできなくなりました。" in capsys.readouterr().out
    call_command("audit_lockdown", role=app, check=True)
    assert capsys.readouterr().out == f"OK: {app} は監査記録を参照と追記しかできません。\n"

    for statement in [
        "UPDATE audit_accesslogentry SET purpose = 'x'",
        "DELETE FROM audit_accesslogentry",
        "TRUNCATE audit_accesslogentry",
        "TRUNCATE audit_authevent",
        "ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only",
        "INSERT INTO audit_accesslogentry (created_at, username, terminal_id, session_hash, function, channel,"
        " person_ids, criteria_kind, purpose) VALUES (now(), '', '', '', 'person.view', 'screen', '{}', '', '')",
        "INSERT INTO audit_accessseal (seq, entry_id, prev_hash, row_hash, sealed_at)"
        " SELECT 99, 1, row_hash, row_hash, now() FROM audit_accessseal",
        "UPDATE audit_accessseal SET row_hash = prev_hash",
        "TRUNCATE audit_accessseal",
        "DELETE FROM audit_chaincheckpoint",
    ]:
        with pytest.raises(DatabaseError) as refused:
            as_role(app, statement)
        assert refused.value.__cause__.sqlstate == "42501", statement  # permission denied / must be owner

    assert as_role(app, "SELECT count(*) FROM audit_accesslogentry") == [(1,)]
    (appended,) = as_role(
        app, "SELECT id FROM audit_access_append(NULL, '', NULL, '', '', 'person.view', 'screen', '{1}', NULL, '', '')"
    )
    assert appended[0] > first
    row = [None, "", None, "", "", "person.view", "screen", [1], None, "", ""]
    batched = as_role(app, services.access_append_sql(2), [*row, *row])  # a batch's statement: the same function
    assert len(batched) == 2 and batched[0][0] > appended[0]
    assert as_role(app, "SELECT audit_access_seal(NULL, 10)") == [(3,)]  # sealing only through its function
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app}")
        services.auth_event_write(kind="login")
        result = services.chain_verify(chain="access")  # seals, reads, and records its checkpoint
        cursor.execute("RESET ROLE")
    assert (result.ok, result.head_seq) == (True, 4)
    assert list(AccessSeal.objects.order_by("seq").values_list("entry_id", flat=True)) == [
        first, appended[0], *sorted(b[0] for b in batched)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "error"),
    [
        pytest.param({"role": "postgres"}, "ロール postgres はスーパーユーザーです。", id="superuser"),
        pytest.param({"role": "kaigo_no_such_role"}, "ロール kaigo_no_such_role がありません。", id="unknown-role"),
    ],
)
def test_lockdown_refuses_what_it_cannot_lock(options, error):
    with pytest.raises(CommandError, match=error):
        call_command("audit_lockdown", **options)


@pytest.mark.django_db
def test_lockdown_refuses_to_leave_the_app_role_owning_the_tables(roles):
    app, owner = roles
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE audit_accesslogentry OWNER TO {app}")
    with pytest.raises(CommandError, match=f"ロール {app} が監査のテーブルを所有しています"):
        call_command("audit_lockdown", role=app)
    with pytest.raises(CommandError, match="--owner には --role と別のロールを指定してください。"):
        call_command("audit_lockdown", role=app, owner=app)


@pytest.mark.django_db
def test_lockdown_dry_run_prints_the_statements_and_changes_nothing(roles, capsys):
    app, owner = roles
    call_command("audit_lockdown", role=app, owner=owner, dry_run=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f'ALTER TABLE "audit_accesslogentry" OWNER TO "{owner}";'
    assert (
        f'REVOKE ALL ON TABLE "audit_accesslogentry", "audit_accessseal", "audit_authevent", "audit_chaincheckpoint" '
        f'FROM "{app}";' in out
    )
    assert f'GRANT SELECT ON TABLE "audit_accesslogentry", "audit_accessseal", "audit_authevent" TO "{app}";' in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'audit_accesslogentry', 'UPDATE')", [app])
        assert cursor.fetchone() == (True,)


@pytest.fixture
def role_names():
    suffix = uuid.uuid4().hex[:8]
    return f"kaigo_test_app_{suffix}", f"kaigo_test_audit_owner_{suffix}"


@pytest.mark.django_db
def test_setup_makes_an_application_role_that_owns_nothing_and_only_appends_to_the_audit_tables(
        role_names, tmp_path, capsys):
    """What docker-compose's `lockdown` service runs after every migrate, as the owner (issue 17): the
    application's role from its own DATABASE_URL, the grants of the business tables, the lockdown."""
    from kaigo.db import number_allocate

    app, owner = role_names
    url_file = tmp_path / "database_url"
    url_file.write_text(f"postgresql://{app}:s3cret%2Fpw@postgres:5432/kaigo\n")
    first = write()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("audit_lockdown", setup=True, owner=owner, app_database_url_file=str(url_file), dry_run=True)
    printed = capsys.readouterr().out
    assert f'ALTER ROLE "{app}" PASSWORD \'********\';' in printed and "s3cret" not in printed
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [app, owner])
        assert cursor.fetchone() == (0,)  # a dry run makes nothing

    for _ in range(2):  # again after every migrate: the same result
        call_command("audit_lockdown", setup=True, owner=owner, app_database_url_file=str(url_file))
        out = capsys.readouterr().out
        assert f"ロール {app} と {owner} を用意し" in out and "s3cret" not in out
        assert out.splitlines()[-1] == f"{app} は監査記録を参照と追記（追記用の関数経由）しかできなくなりました。"
    call_command("audit_lockdown", role=app, check=True)
    assert capsys.readouterr().out == f"OK: {app} は監査記録を参照と追記しかできません。\n"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcanlogin, rolsuper, rolpassword LIKE 'SCRAM-SHA-256$%%' FROM pg_authid"
                       " WHERE rolname = %s", [app])
        assert cursor.fetchone() == (True, False, True)
        cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [owner])
        assert cursor.fetchone() == (False,)
        cursor.execute("SELECT (SELECT count(*) FROM pg_class WHERE relowner = %s::regrole)"
                       " + (SELECT count(*) FROM pg_proc WHERE proowner = %s::regrole)", [app, app])
        assert cursor.fetchone() == (0,)  # it owns nothing

    # the business tables as the application uses them
    (household_id,) = number_allocate("eligibility_household_number_seq")
    as_role(app, "INSERT INTO eligibility_household (id, ward) VALUES (%s, 'tama')", [household_id])
    as_role(app, "UPDATE eligibility_household SET ward = 'asao' WHERE id = %s", [household_id])
    assert as_role(app, "SELECT count(*) FROM eligibility_householdevent WHERE pgh_obj_id = %s", [household_id]) == [(2,)]
    as_role(app, "CREATE TEMP TABLE batch_scratch (id bigint) ON COMMIT DROP")
    # the audit tables: appending through the functions only
    (appended,) = as_role(
        app, "SELECT id FROM audit_access_append(NULL, '', NULL, '', '', 'person.view', 'screen', '{1}', NULL, '', '')")
    assert appended[0] > first
    for statement in [
        "TRUNCATE audit_accesslogentry", "TRUNCATE audit_authevent", "TRUNCATE audit_chaincheckpoint",
        "DELETE FROM audit_accessseal", "UPDATE audit_authevent SET kind = 'logout'",
        "ALTER TABLE audit_accessseal DISABLE TRIGGER audit_no_truncate",
        "SET session_replication_role = replica",
        f"GRANT {owner} TO {app}",
    ]:
        with pytest.raises(DatabaseError) as refused:
            as_role(app, statement)
        assert refused.value.__cause__.sqlstate == "42501", statement


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "error"), [
    ("redis://x@localhost/0", "DATABASE_URL に利用者がありません"),
    ("postgresql://localhost/kaigo", "DATABASE_URL に利用者がありません"),
])
def test_setup_refuses_a_database_url_without_a_user(tmp_path, content, error):
    url_file = tmp_path / "database_url"
    url_file.write_text(content)
    with pytest.raises(CommandError, match=error):
        call_command("audit_lockdown", setup=True, owner="kaigo_audit_owner", app_database_url_file=str(url_file))
    with pytest.raises(CommandError, match="--setup には --owner"):
        call_command("audit_lockdown", setup=True, role="kaigo_app")


@pytest.mark.django_db
def test_the_check_names_a_role_that_owns_something_or_may_become_the_owner(roles, capsys):
    app, owner = roles
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("audit_lockdown", role=app, owner=owner)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER ROLE {app} CREATEROLE")
        cursor.execute(f"GRANT {owner} TO {app}")
        cursor.execute(f"ALTER TABLE staff_staff OWNER TO {app}")
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("audit_lockdown", role=app, check=True)
    out = capsys.readouterr().out
    assert re.search(f"NG: role {app} owns [0-9]+ objects of the schema \\(tables, indexes, sequences, functions\\): it must own nothing", out)
    assert f"NG: role {app} has CREATEROLE (it could make itself a member of the tables' owner)" in out
    assert f"NG: role {app} is a member of {owner}, which owns audit tables" in out
