"""Database helpers shared by all apps: numbers from a sequence, bulk writes through COPY, reads of
raw SQL as named rows (several in one round trip)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Field, Lookup, Model
from psycopg import sql
from psycopg.rows import namedtuple_row


def number_allocate(sequence: str, count: int = 1) -> list[int]:
    """``count`` numbers from the PostgreSQL sequence ``sequence`` (one query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    target: type[Model] | str, columns: Sequence[str], rows: Iterable[Sequence], *, types: Sequence[str] | None = None
) -> int:
    """Write ``rows`` into a table with COPY (tens of times faster than bulk_create).

    ``target`` is a model or a table name (a temporary table, say); ``columns`` are database
    column names. With ``types`` (PostgreSQL type names, one per column) the rows go in binary
    format, the fastest. Runs in the caller's transaction. Returns the row count.
    """
    table = target if isinstance(target, str) else target._meta.db_table
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(" (FORMAT BINARY)" if types else ""),
    )
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            if types:
                copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


_temp_serial = iter(range(1, 1 << 62))


def update_rows(
    target: type[Model] | str, key: str, columns: Sequence[str], rows: Iterable[Sequence], *, types: Sequence[str]
) -> int:
    """Set ``columns`` of the rows identified by ``key`` (first value of each row, then the columns'
    values in order): one binary COPY into a temporary table and one ``UPDATE ... FROM``, tens of
    times faster than ``bulk_update`` (which builds a CASE per row and column). ``types`` are the
    PostgreSQL types of key and columns. Runs in the caller's transaction. Returns the rows updated."""
    table = target if isinstance(target, str) else target._meta.db_table
    temp = f"update_rows_{next(_temp_serial)}"
    names = [key, *columns]
    with connection.cursor() as cursor:
        # rendered to text: Django's execute wrappers (the change trail's context) expect str
        def run(statement: sql.Composable) -> None:
            cursor.execute(statement.as_string(connection.connection))

        run(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            sql.Identifier(temp),
            sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t))
                               for n, t in zip(names, types, strict=True)),
        ))
        copy_rows(temp, names, rows, types=types)
        run(sql.SQL("UPDATE {t} SET {sets} FROM {s} WHERE {t}.{k} = {s}.{k}").format(
            t=sql.Identifier(table), s=sql.Identifier(temp), k=sql.Identifier(key),
            sets=sql.SQL(", ").join(sql.SQL("{c} = {s}.{c}").format(c=sql.Identifier(c), s=sql.Identifier(temp))
                                    for c in columns),
        ))
        updated = cursor.rowcount
        run(sql.SQL("DROP TABLE {}").format(sql.Identifier(temp)))
    return updated


def fetch_rows(query: str, params: Sequence) -> list:
    """The rows of one read query as named tuples (``row.amount``, not ``row[7]``), one type per
    column list (psycopg's ``namedtuple_row``): select each column under the name the code reads
    it by (``l.id AS levy_id``), every name once."""
    with connection.cursor() as cursor:
        cursor.cursor.row_factory = namedtuple_row
        cursor.execute(query, params)
        return cursor.fetchall()


def fetch_sets(*queries: tuple[str, Sequence]) -> list[list]:
    """The rows of each of several read queries as named tuples (as ``fetch_rows``), sent to
    PostgreSQL as one message: one round trip instead of one per query (a screen's handful of
    small queries spent more time travelling than running). Each query is ``(sql, params)`` with
    ``%s`` placeholders, as for ``cursor.execute``.

    Relies on client-side parameter binding (psycopg's ClientCursor, Django's default; not with
    the ``server_side_binding`` option). Outside a transaction the statements run in one implicit
    transaction: they see the same snapshot. While an execute wrapper is installed (the change
    trail's context on a write request, audit.trail: it prefixes each statement and moves to the
    last result) the queries go one at a time."""
    if not queries:
        return []
    if connection.execute_wrappers:
        return [fetch_rows(query, params) for query, params in queries]
    with connection.cursor() as cursor:
        cursor.cursor.row_factory = namedtuple_row
        cursor.execute(";\n".join(q for q, _ in queries), [p for _, params in queries for p in params])
        results = [cursor.fetchall()]
        while cursor.nextset():
            results.append(cursor.fetchall())
    if len(results) != len(queries):
        raise RuntimeError(f"fetch_sets: {len(queries)} queries gave {len(results)} results")
    return results


@Field.register_lookup
class AnyLookup(Lookup):
    """``field__any=[...]``: ``field = ANY(%s)`` with the list as one array parameter. For the
    thousands of keys of a batch chunk: ``__in`` renders one placeholder per key, and building and
    converting that query cost more than running it."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def constraints_immediate() -> None:
    """Check foreign keys at the end of each statement for the rest of the current transaction.

    Django declares foreign keys DEFERRABLE INITIALLY DEFERRED. On a table the change trail tracks,
    a statement writing many rows then queues one deferred check per row, and the trail's row
    trigger, itself an INSERT, walks that queue each time: the cost grows with the square of the
    rows (20,000 payments 3.0 s, 40,000 11.5 s; checked at each statement's end, 40,000 in 0.96 s).
    Call it first in a transaction whose bulk writes reference rows that already exist."""
    _constraints("IMMEDIATE")


def constraints_deferred() -> None:
    """Back to Django's declaration (foreign keys checked at commit) for the rest of the current
    transaction: for writes whose rows reference each other both ways, in a transaction that an
    earlier ``constraints_immediate`` may have switched (an outer one, a test's)."""
    _constraints("DEFERRED")


def _constraints(mode: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(f"constraints_{mode.lower()}() needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {mode}")
