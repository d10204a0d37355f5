"""The change trail of eligibility's and premiums' tables moved from the audit app to those apps
(issue 15): on a database with events in it, the migrations keep every event row, its ids and
the tables' append-only protection, re-point the row triggers at the renamed tables, and leave
nothing untracked or tracked twice.

The test migrates the shared test database back to the state before the move and forward again,
inside its transaction (PostgreSQL rolls DDL back with it), and ends at the latest migration."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

if not (apps.is_installed("pghistory") and apps.is_installed("pgtrigger")):  # see test_trail_settings.py
    pytest.skip("the change trail's apps are not installed", allow_module_level=True)

import pgtrigger
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from pgtrigger.installation import prunable

from audit.trail import trail_context
from audit.trail_sql import audit_proxy_triggers
from eligibility.codes import Ward
from eligibility.models import Resident
from eligibility.trail import ResidentEvent
from kaigo.staff.roles import Role
from premiums.models import TaxFact
from premiums.trail import TaxFactEvent
from tests.eligibility.factories import make_resident
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db

BEFORE_THE_MOVE = [("audit", "0014_checkpoint_signature"), ("eligibility", "0005_search_indexes"),
                   ("premiums", "0019_pension_stop_notice")]
MOVED = {
    "eligibility": ["resident", "household", "residencespell", "facilitystay", "insurednumber", "qualificationperiod"],
    "premiums": ["premiumratetable", "premiumstage", "premiumcollectionplan", "taxfact", "pensionfact", "payment",
                 "settlement", "writeoff", "reduction", "deductionstop", "preliminarypayment"],
}
TABLES = {f"audit_{model}event": f"{app}_{model}event" for app, models in MOVED.items() for model in models}
TRACKED = [f"{app}_{model}" for app, models in MOVED.items() for model in models]


def fetch(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def event_rows(table: str) -> list[tuple]:
    """Every row of an event table, whole (as JSON), by id."""
    return fetch(f"SELECT e.pgh_id, to_jsonb(e)::text FROM {table} e ORDER BY e.pgh_id")


def assert_same_rows(after: list[tuple], before: list[tuple], table: str) -> None:
    """The same event rows, ids and values; a column a later migration added (eligibility 0007:
    the spell's moved_to) is beside them in the rows after, with its default."""
    assert [pgh_id for pgh_id, _ in after] == [pgh_id for pgh_id, _ in before], table
    for (_, now), (_, then) in zip(after, before, strict=True):
        now, then = json.loads(now), json.loads(then)
        assert {key: now.get(key) for key in then} == then, table
        assert {key: now[key] for key in set(now) - set(then)} in ({}, {"moved_to": ""}), table


def row_triggers(table: str) -> set[str]:
    """The names of pgtrigger's triggers on a table."""
    return {name for (name,) in fetch(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'pgtrigger_%%'", [table]
    )}


def migrate(executor: MigrationExecutor, targets) -> None:
    with connection.cursor() as cursor:  # DDL on a table waits for no deferred check of this transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.timeout(900)  # the project's state rendered for every migration, back and forth: CPU-bound
def test_the_trail_moves_to_its_apps_with_its_events_and_its_protection(make_staff):
    clerk = make_staff(Role.WARD_CLERK, username="clerk_move")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    old_triggers = audit_proxy_triggers([f"tracked{model}" for models in MOVED.values() for model in models])
    # The resident (and the residence spell it is created with) is written at the latest schema:
    # today's models name columns that later migrations added (eligibility 0007: the spell's
    # moved_to), which the tables as they were before the move do not have. Its events move back
    # and forth with the tables like the others; the update and the tax fact below are written
    # before the move, through audit's proxies' triggers.
    resident = make_resident()
    try:
        migrate(executor, BEFORE_THE_MOVE)
        assert all(fetch("SELECT to_regclass(%s)", [new]) == [(None,)] for new in TABLES.values())
        for table in TRACKED:  # audit's proxies' triggers are back, and only they
            assert row_triggers(table) == {t.sql.pgid for t in old_triggers if t.sql.table == table}, table

        with trail_context(actor=clerk, function="person.update"):
            Resident.objects.filter(pk=resident.pk).update(ward=Ward.TAMA)
            fact = make_tax_fact(resident, 2026)
        before = {old: event_rows(old) for old in TABLES}
        context = {"staff_id": clerk.pk, "username": "clerk_move", "function": "person.update"}
        ((update_id, written),) = fetch(
            "SELECT pgh_id, pgh_context FROM audit_residentevent WHERE pgh_obj_id = %s AND pgh_label = 'update'",
            [resident.pk],
        )
        assert json.loads(written) == context  # jsonb arrives as text (Django registers that loader)
        assert fetch("SELECT pgh_label FROM audit_taxfactevent WHERE pgh_obj_id = %s", [fact.pk]) == [("insert",)]
    finally:
        migrate(executor, latest)  # the shared test database stays at the latest migration

    # every event row is there, with its id and content, in the app's table; the old name is gone
    for old, new in TABLES.items():
        assert_same_rows(event_rows(new), before[old], new)
        assert fetch("SELECT to_regclass(%s)", [old]) == [(None,)]
    (event,) = ResidentEvent.objects.filter(pgh_id=update_id)
    assert (event.pgh_label, event.ward, event.pgh_context) == ("update", Ward.TAMA, context)

    # new writes: events in the new tables, numbered after the old ones
    with trail_context(actor=clerk, function="person.move"):
        Resident.objects.filter(pk=resident.pk).update(ward=Ward.ASAO)
        TaxFact.objects.filter(pk=fact.pk).update(total_income=100)
    moved = ResidentEvent.objects.filter(pgh_obj_id=resident.pk).order_by("pgh_id").last()
    assert (moved.pgh_label, moved.ward, moved.pgh_context["function"]) == ("update", Ward.ASAO, "person.move")
    assert moved.pgh_id > max(pgh_id for pgh_id, _ in before["audit_residentevent"])
    assert TaxFactEvent.objects.filter(pgh_obj_id=fact.pk, pgh_label="update", total_income=100).exists()

    # append-only as before: for the owner of the tables too, and PUBLIC holds nothing on them
    for table in TABLES.values():
        assert fetch("SELECT pg_get_userbyid(relowner) = current_user FROM pg_class WHERE oid = %s::regclass",
                     [table]) == [(True,)]
        for statement in [f"UPDATE {table} SET pgh_label = 'x'", f"DELETE FROM {table}"]:
            with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
            assert refused.value.__cause__.sqlstate == "42501", statement
            assert f"{table} is append-only" in str(refused.value)
    assert fetch(
        "SELECT c.relname FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a"
        " WHERE c.relname = ANY(%s) AND a.grantee = 0 AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')",
        [list(TABLES.values())],
    ) == []

    # the triggers: the apps' own, once each; audit's proxies' gone with their functions; the guard kept
    for model, trigger in pgtrigger.registered():
        assert trigger.get_installation_status(model) == ("INSTALLED", True), (model, trigger.name)
    assert list(prunable()) == []
    for table in TRACKED:
        assert len(row_triggers(table)) == 3, table
        assert fetch("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'audit_trail_guard'",
                     [table]) == [(1,)], table
    old_pgids = [t.sql.pgid for t in old_triggers]
    assert len(old_pgids) == 3 * len(TRACKED)
    assert fetch("SELECT proname FROM pg_proc WHERE proname = ANY(%s)", [old_pgids]) == []

    call_command("makemigrations", check=True, dry_run=True, verbosity=0)  # nothing left to migrate

