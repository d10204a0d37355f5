"""The canonical form: exact bytes, Python and PostgreSQL agree, and the walk classifies breaks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test import RequestFactory

from audit import services
from audit.chain import (
    ACCESS,
    AUTH,
    GENESIS,
    BreakKind,
    Row,
    enc_field,
    enc_int,
    enc_int_array,
    enc_text,
    enc_ts,
    row_hash,
    rows_of,
    verify_rows,
)

JST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        pytest.param(enc_field(None), b"\xff\xff\xff\xff", id="null"),
        pytest.param(enc_field(b""), b"\x00\x00\x00\x00", id="empty-bytes"),
        pytest.param(enc_text(""), b"\x00\x00\x00\x00", id="empty-text"),
        pytest.param(enc_text(None), b"\xff\xff\xff\xff", id="null-text"),
        pytest.param(enc_text("あ"), b"\x00\x00\x00\x03\xe3\x81\x82", id="utf8"),
        pytest.param(enc_int(1), b"\x00\x00\x00\x08" + b"\x00" * 7 + b"\x01", id="int-1"),
        pytest.param(enc_int(-1), b"\x00\x00\x00\x08" + b"\xff" * 8, id="int-minus-1"),
        pytest.param(enc_int(None), b"\xff\xff\xff\xff", id="null-int"),
        pytest.param(
            enc_ts(datetime(2026, 11, 26, 13, 5, 6, 123, tzinfo=JST)),
            b"\x00\x00\x00\x1b2026-11-26T04:05:06.000123Z",
            id="timestamp-in-utc",
        ),
        pytest.param(enc_int_array([]), b"\x00\x00\x00\x00", id="empty-array"),
        pytest.param(
            enc_int_array([1, 2]), b"\x00\x00\x00\x10" + b"\x00" * 7 + b"\x01" + b"\x00" * 7 + b"\x02", id="array"
        ),
    ],
)
def test_field_encoding_is_exact(encoded, expected):
    assert encoded == expected


SAMPLE_ACCESS_ROW = (
    41, 7, datetime(2026, 11, 26, 4, 5, 6, 123456, tzinfo=timezone.utc), 12, "staff0001", "203.0.113.7/32",
    "TERM-0001", "ab" * 32, "person.search", "screen", [1000001, 1000002], 2, "kana_name,birth_date", "",
)


PINNED_SAMPLE_DIGEST = "a71c4921ffb26f391d3054355fbffac1380e893675a119fde0b3b06c073cb435"


@pytest.mark.django_db
def test_canonical_form_of_a_known_row_is_pinned():
    """A change of the canonical form would make every existing row fail verification: it
    needs a new tag and a migration, never an accidental edit. PostgreSQL's function gives the
    same bytes for the same row."""
    canonical = ACCESS.canonical(SAMPLE_ACCESS_ROW)
    assert canonical[:25] == b"\x00\x00\x00\x15kaigo.audit.access.v1"
    assert len(canonical) == 291
    assert hashlib.sha256(canonical).hexdigest() == PINNED_SAMPLE_DIGEST
    assert row_hash(ACCESS, GENESIS, SAMPLE_ACCESS_ROW) == hashlib.sha256(GENESIS + canonical).digest()
    record = dict(zip(ACCESS.names, SAMPLE_ACCESS_ROW, strict=True))
    record["created_at"] = record["created_at"].isoformat()
    with connection.cursor() as cursor:  # the row has no seq of its own: its link's is passed
        cursor.execute(
            "SELECT audit_access_canonical(jsonb_populate_record(NULL::audit_accesslogentry, %s::jsonb), %s)",
            [json.dumps(record), record["seq"]],
        )
        assert bytes(cursor.fetchone()[0]) == canonical


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["", "staff0001", "窓口 花子", "emoji 🙂", "quote ' and backslash \\", None],
    ids=["empty", "ascii", "japanese", "emoji", "quotes", "null"],
)
def test_sql_and_python_encode_text_alike(value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_text(%s::text)", [value])
        assert bytes(cursor.fetchone()[0]) == enc_text(value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "value", "python"),
    [
        pytest.param("audit_int(%s::bigint)", 0, enc_int(0), id="int-0"),
        pytest.param("audit_int(%s::bigint)", 2**63 - 1, enc_int(2**63 - 1), id="int-max"),
        pytest.param("audit_int(%s::bigint)", -(2**63) + 1, enc_int(-(2**63) + 1), id="int-min"),
        pytest.param("audit_int(%s::bigint)", None, enc_int(None), id="int-null"),
        pytest.param("audit_int_array(%s::bigint[])", [], enc_int_array([]), id="array-empty"),
        pytest.param("audit_int_array(%s::bigint[])", [3, 1, 2**40], enc_int_array([3, 1, 2**40]), id="array-order-kept"),
        pytest.param(
            "audit_ts(%s::timestamptz)",
            datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=JST),
            enc_ts(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=JST)),
            id="timestamp",
        ),
    ],
)
def test_sql_and_python_encode_other_fields_alike(sql, value, python):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", [value])
        assert bytes(cursor.fetchone()[0]) == python


def _request(remote: str):
    return RequestFactory().get("/", REMOTE_ADDR=remote)


ACCESS_CASES = [
    pytest.param(dict(function="person.view", channel="screen", person_ids=[1]), "127.0.0.1", id="minimal"),
    pytest.param(
        dict(function="person.search", channel="api", person_ids=[5, 3, 2**62], hits=3,
             criteria_kind="kana_name,birth_date", purpose="介護認定の審査のため"),
        "2001:db8::1", id="search-ipv6-japanese-purpose",
    ),
    pytest.param(dict(function="batch.read", channel="batch", person_ids=[], hits=0), None, id="batch-no-request"),
    pytest.param(dict(function="person.print", channel="print", person_ids=[9], purpose="emoji 🙂 ' \\"), "10.1.2.3",
                 id="odd-characters"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kwargs", "remote"), ACCESS_CASES)
def test_python_recomputes_the_hash_postgresql_wrote_for_access_rows(make_staff, kwargs, remote):
    staff = make_staff(display_name="職員 一")
    entry_id = services.access_log_write(actor=staff, request=_request(remote) if remote else None, **kwargs)
    services.access_log_seal()
    with connection.cursor() as cursor:
        cursor.execute(ACCESS.select_sql(where="s.entry_id = %s"), [entry_id])
        (row,) = rows_of(cursor.fetchall())
        cursor.execute("SELECT audit_access_canonical(t, s.seq), s.row_hash FROM audit_accesslogentry t "
                       "JOIN audit_accessseal s ON s.entry_id = t.id WHERE t.id = %s", [entry_id])
        sql_canonical, sealed_hash = cursor.fetchone()
    assert ACCESS.canonical(row.values) == bytes(sql_canonical)
    assert row_hash(ACCESS, row.prev_hash, row.values) == row.row_hash == bytes(sealed_hash)


AUTH_CASES = [
    pytest.param(dict(kind="login"), id="login"),
    pytest.param(dict(kind="role_granted", detail={"role": "auditor", "grant_id": 12, "subject_staff_id": 3}),
                 id="detail"),
    pytest.param(dict(kind="key_operation", detail={"operation": "kek_rotate", "note": "鍵の更新", "done": True,
                                                     "empty": None}), id="detail-japanese-bool-null"),
    pytest.param(dict(kind="login_failed", username="", username_hash="ab" * 32), id="hashed-username"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs", AUTH_CASES)
def test_python_recomputes_the_hash_postgresql_wrote_for_auth_rows(make_staff, kwargs):
    staff = make_staff()
    event = services.auth_event_write(actor=staff, request=_request("192.0.2.10"), **kwargs)
    with connection.cursor() as cursor:
        cursor.execute(AUTH.select_sql(where="id = %s"), [event.pk])
        (row,) = rows_of(cursor.fetchall())
        cursor.execute("SELECT audit_auth_canonical(t) FROM audit_authevent t WHERE id = %s", [event.pk])
        sql_canonical = bytes(cursor.fetchone()[0])
    assert AUTH.canonical(row.values) == sql_canonical
    assert row_hash(AUTH, row.prev_hash, row.values) == row.row_hash == bytes(event.row_hash)


# --- the walk, on rows built in Python -----------------------------------------------------------

# The walk is the same for both chains; only a chain whose rows get their link when appended
# (ids follow seq: the authentication events) can tell a moved row from an altered one.
ORDERED = replace(ACCESS, ids_follow_seq=True)


def synthetic_chain(n: int = 5) -> list[Row]:
    rows, prev = [], GENESIS
    start = datetime(2026, 11, 26, tzinfo=timezone.utc)
    for seq in range(1, n + 1):
        values = (100 + seq, seq, start + timedelta(seconds=seq), 1, "staff0001", "127.0.0.1", "", "",
                  "person.view", "screen", [seq], None, "", "")
        digest = row_hash(ORDERED, prev, values)
        rows.append(Row(id=100 + seq, seq=seq, values=values, prev_hash=prev, row_hash=digest))
        prev = digest
    return rows


def rehash_from(rows: list[Row], index: int) -> list[Row]:
    """Recompute the hashes from ``rows[index]`` on, as an intruder who knows the scheme would."""
    out = rows[:index]
    prev = out[-1].row_hash if out else GENESIS
    for row in rows[index:]:
        digest = row_hash(ORDERED, prev, row.values)
        out.append(replace(row, prev_hash=prev, row_hash=digest))
        prev = digest
    return out


def with_values(row: Row, **changes) -> Row:
    values = list(row.values)
    for name, value in changes.items():
        values[ACCESS.names.index(name)] = value
    return replace(row, values=tuple(values), id=values[0], seq=values[1])


def swap_seq(rows: list[Row], i: int, j: int) -> list[Row]:
    a, b = rows[i], rows[j]
    rows = list(rows)
    rows[i], rows[j] = with_values(b, seq=a.seq), with_values(a, seq=b.seq)
    return rows


WALK_CASES = [
    pytest.param(lambda r: r, [], id="intact"),
    pytest.param(lambda r: r[:2] + r[3:], [(BreakKind.DELETED, 3, 104)], id="middle-row-deleted"),
    pytest.param(lambda r: r[1:], [(BreakKind.DELETED, 1, 102)], id="first-row-deleted"),
    pytest.param(lambda r: r[:1] + r[3:], [(BreakKind.DELETED, 2, 104)], id="two-rows-deleted"),
    pytest.param(lambda r: r[:2] + [with_values(r[2], purpose="x")] + r[3:], [(BreakKind.ALTERED, 3, 103)],
                 id="row-altered"),
    pytest.param(lambda r: rehash_from(r[:2] + [with_values(r[2], person_ids=[])] + r[3:], 2)[:3] + r[3:],
                 [(BreakKind.LINK, 4, 104)], id="altered-and-rehashed"),
    pytest.param(lambda r: swap_seq(r, 2, 3), [(BreakKind.REORDERED, 3, 104), (BreakKind.REORDERED, 4, 103)],
                 id="two-rows-swapped"),
    pytest.param(lambda r: rehash_from(r[:2] + r[3:], 2), [(BreakKind.DELETED, 3, 104)],
                 id="deleted-and-rest-rehashed"),
    pytest.param(lambda r: [replace(r[0], prev_hash=b"\x01" * 32)] + r[1:], [(BreakKind.ALTERED, 1, 101)],
                 id="genesis-changed"),
]


@pytest.mark.parametrize(("tamper", "expected"), WALK_CASES)
def test_walk_names_each_break(tamper, expected):
    result = verify_rows(ORDERED, tamper(synthetic_chain()))
    assert [(b.kind, b.seq, b.row_id) for b in result.breaks] == expected
    assert result.ok is (expected == [])


def _gone(row: Row) -> Row:
    """The link of a row whose access-log row was deleted: the LEFT JOIN gives no columns."""
    return replace(row, values=(row.id, row.seq, *([None] * (len(row.values) - 2))))


SEALED_WALK_CASES = [
    pytest.param(lambda r: r, [], id="intact"),
    pytest.param(lambda r: swap_seq(r, 2, 3), [(BreakKind.ALTERED, 3, 104), (BreakKind.ALTERED, 4, 103)],
                 id="two-rows-swapped"),
    pytest.param(lambda r: r[:2] + [_gone(r[2])] + r[3:], [(BreakKind.DELETED, 3, 103)], id="row-deleted-link-kept"),
    pytest.param(lambda r: r[:2] + r[3:], [(BreakKind.DELETED, 3, 104)], id="row-and-link-deleted"),
]


@pytest.mark.parametrize(("tamper", "expected"), SEALED_WALK_CASES)
def test_walk_of_the_sealed_access_chain(tamper, expected):
    """Links are sealed in commit order, so ids need not grow with seq (a row committed late);
    a link whose row is gone is a deletion, named by the row's id."""
    rows = synthetic_chain()
    late = rehash_from([rows[0], with_values(rows[2], seq=2), with_values(rows[1], seq=3), *rows[3:]], 1)
    assert verify_rows(ACCESS, late).ok and not verify_rows(ORDERED, late).ok
    result = verify_rows(ACCESS, tamper(rows))
    assert [(b.kind, b.seq, b.row_id) for b in result.breaks] == expected
    assert result.ok is (expected == [])


def test_walk_reports_the_head_and_counts_rows():
    rows = synthetic_chain(5)
    result = verify_rows(ORDERED, rows)
    assert (result.rows, result.head_seq, result.head_hash) == (5, 5, rows[-1].row_hash)
    assert (verify_rows(ACCESS, []).head_seq, verify_rows(ACCESS, []).head_hash) == (0, GENESIS)


def test_walk_uses_earlier_checkpoints_against_truncation_and_rewrites():
    rows = synthetic_chain(5)
    seen = {3: {rows[2].row_hash}, 5: {rows[4].row_hash}}
    truncated = verify_rows(ACCESS, rows[:3], checkpoints=seen)
    assert [(b.kind, b.seq, b.row_id) for b in truncated.breaks] == [(BreakKind.TRUNCATED, 4, None)]
    rewritten = rehash_from(rows[:1] + [with_values(r, purpose="x") for r in rows[1:]], 1)
    result = verify_rows(ACCESS, rewritten, checkpoints=seen)
    assert [(b.kind, b.seq, b.row_id) for b in result.breaks] == [(BreakKind.REWRITTEN, 3, 103),
                                                                   (BreakKind.REWRITTEN, 5, 105)]


def test_walk_caps_the_list_but_counts_every_break():
    rows = [with_values(r, purpose="x") for r in synthetic_chain(5)]
    result = verify_rows(ACCESS, rows, max_breaks=2)
    assert (len(result.breaks), result.breaks_total) == (2, 5)


def test_break_messages_name_seq_and_id_and_never_the_contents():
    rows = synthetic_chain(5)
    rows[2] = with_values(rows[2], purpose="山田太郎 123456789018")
    (found,) = verify_rows(ACCESS, rows).breaks
    assert found.message == "seq 3（id 103）の内容が変更されています（保存されたハッシュと再計算したハッシュが一致しません）。"
    assert found.fingerprint == "access:altered:3:103"
