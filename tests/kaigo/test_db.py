"""kaigo/db.py: bulk helpers (COPY, UPDATE ... FROM) and the ``__any`` lookup, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaigo.batches.models import BatchRun, DemoResult
from kaigo.db import copy_rows, fetch_sets, update_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    run = BatchRun.objects.create(kind="demo.squares", params={}, origin=BatchRun.Origin.COMMAND)
    copy_rows(DemoResult, ["run_id", "record_no", "value"], [(run.pk, n, n * n) for n in range(1, 6)],
              types=["int8", "int8", "int8"])
    return run


@pytest.mark.parametrize(("keys", "expected"), [
    pytest.param([1, 3], [1, 3], id="some"),
    pytest.param([], [], id="empty"),
    pytest.param([9], [], id="none-match"),
    pytest.param(list(range(1, 6)), [1, 2, 3, 4, 5], id="all"),
])
def test_any_lookup_matches_like_in(rows, keys, expected):
    found = sorted(DemoResult.objects.filter(run=rows, record_no__any=keys).values_list("record_no", flat=True))
    assert found == expected
    assert sorted(DemoResult.objects.filter(run__id__any=[rows.pk], record_no__in=keys or [0])
                  .values_list("record_no", flat=True)) == expected


def test_any_lookup_sends_one_array_parameter_whatever_the_number_of_keys(rows):
    with CaptureQueriesContext(connection) as queries:
        list(DemoResult.objects.filter(record_no__any=list(range(10_000))))
    assert "= ANY(" in queries[0]["sql"] and queries[0]["sql"].count("%s") == 0


def test_update_rows_sets_only_the_named_columns_of_the_keyed_rows(rows):
    ids = dict(DemoResult.objects.filter(run=rows).values_list("record_no", "id"))
    updated = update_rows(DemoResult, "id", ["value"], [(ids[2], -2), (ids[4], -4)], types=["int8", "int8"])
    assert updated == 2
    assert dict(DemoResult.objects.filter(run=rows).values_list("record_no", "value")) == {
        1: 1, 2: -2, 3: 9, 4: -4, 5: 25}


@pytest.mark.django_db(transaction=True)
def test_constraints_immediate_checks_each_statement_and_needs_a_transaction():
    from django.db import IntegrityError, transaction

    from kaigo.db import constraints_immediate

    with pytest.raises(RuntimeError, match="transaction"):
        constraints_immediate()
    with transaction.atomic():
        constraints_immediate()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            # a payment naming no existing person fails at the statement, not at the commit
            cursor.execute("INSERT INTO premiums_payment (resident_id, fiscal_year, method, month, channel, amount, "
                           "paid_on, booked_on, payment_number, agent_code, serial, recorded_at, note) VALUES "
                           "(-1, 2026, 'billing', '2026-07-01', 'bank', 100, '2026-07-30', '2026-07-30', '', '', "
                           "'', now(), '')")


def _reads(run):
    return (
        ("SELECT record_no, value FROM batches_demoresult WHERE run_id = %s AND record_no <= %s "
         "ORDER BY record_no", [run.pk, 2]),
        ("SELECT record_no FROM batches_demoresult WHERE run_id = %s AND record_no > %s", [run.pk, 99]),
        ("SELECT count(*), %s FROM batches_demoresult WHERE run_id = %s", ["50%", run.pk]),
    )


def test_fetch_sets_returns_each_querys_rows_in_one_round_trip(rows):
    with CaptureQueriesContext(connection) as queries:
        found = fetch_sets(*_reads(rows))
    assert found == [[(1, 1), (2, 4)], [], [(5, "50%")]]
    assert len(queries.captured_queries) == 1


def test_fetch_sets_under_an_execute_wrapper_goes_one_query_at_a_time(rows):
    """The change trail's context wrapper prefixes each statement and skips to its last result:
    with any wrapper installed the reads go one by one, with the same answer."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        found = fetch_sets(*_reads(rows))
    assert found == [[(1, 1), (2, 4)], [], [(5, "50%")]]
    assert len(seen) == 3


def test_fetch_sets_of_nothing_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert fetch_sets() == []
    assert queries.captured_queries == []
