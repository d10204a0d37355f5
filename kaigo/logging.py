"""Logging that cannot carry personal data through an exception's message.

An exception's text may quote data (a PostgreSQL unique violation names the key's values; a
ValueError may repeat its input). Every log handler of the project formats exceptions through
RedactExceptionText: the traceback keeps files, lines, functions and exception types, and drops
the messages.
"""

from __future__ import annotations

import logging
import traceback


def redacted_traceback(exc_info) -> str:
    _, exc, _ = exc_info
    lines: list[str] = []
    seen: set[int] = set()
    chain = []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for depth, exc in enumerate(reversed(chain)):
        if depth:
            lines.append("During handling of the above exception, another exception occurred:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(exc.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        sqlstate = getattr(exc, "sqlstate", None)
        lines.append(f"{type(exc).__module__}.{type(exc).__qualname__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
                     + ": [message withheld]")
    return "\n".join(lines)


class RedactExceptionText(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info)
            record.exc_info = None
        return True
