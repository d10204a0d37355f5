"""Database helpers shared by all apps: bulk writes through COPY."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from psycopg import sql


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
