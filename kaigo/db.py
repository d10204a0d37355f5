"""Database helpers shared by all apps: bulk writes through COPY."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from psycopg import sql


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write ``rows`` into ``model``'s table with COPY (tens of times faster than bulk_create).

    ``columns`` are database column names. Runs in the caller's transaction. Returns the row count.
    """
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count
