"""The change trail: who made a change, attached to the event rows the database writes.

The event rows themselves are written by triggers (declared by each app in its ``trail.py`` with
audit/trail_models.py); this module gives them their context, the JSON object stored in each event row's ``pgh_context``:

    {"staff_id": 12, "username": "clerk01", "url": "/persons/100000001/"}            a screen
    {"staff_id": 7, "username": "op01", "function": "crypto.rotate", "batch_run_id": 42}  a batch

- ``TrailMiddleware`` sets ``staff_id``, ``username`` and ``url`` (the path, never the query
  string) for POST, PUT, PATCH and DELETE requests. GET, HEAD and OPTIONS pass straight through:
  no context, not even a look at ``request.user``, so no query is added to the read screens;
  so do the POSTs of views marked ``@trail_not_needed`` (a search sent by POST so that names
  stay out of URLs: it writes nothing the trail tracks).
- ``trail_context(actor=..., batch_run_id=..., function=...)`` is what services, batch kinds
  and commands wrap around their writes. Nested in a request's context (or another
  ``trail_context``), it adds its keys for its block and restores the outer ones afterwards.
- ``trail_context_bind()``: django-pghistory passes the context to PostgreSQL by prefixing each
  statement Django executes with ``SELECT set_config(...)`` (transaction-local). psycopg's
  ``cursor.copy(...)`` does not go through Django's execute, so code that writes with COPY calls
  ``trail_context_bind()`` inside its transaction first (``if trail_context_active():`` where it
  may run without one); otherwise its events are still written, without context.

Only internal numbers and codes go into the context, never personal data: it is copied into
every event row and sent with every statement of the block.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pghistory
from django.db import connection
from django.db.transaction import TransactionManagementError
from django.urls import Resolver404, resolve
from pghistory import config as pghistory_config
from pghistory import runtime as pghistory_runtime
from pghistory.middleware import HistoryMiddleware

# Not copied into the staff event table (see audit/trail_models.py for why).
STAFF_NOT_COPIED = ["password", "last_login"]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BATCH_RUN_ID = 2**63 - 1


def _actor_metadata(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    return {"staff_id": actor.pk, "username": actor.get_username()}


def _active():
    return getattr(pghistory_runtime._tracker, "value", None)


@contextmanager
def trail_context(*, actor=None, batch_run_id: int | None = None, function: str) -> Iterator[None]:
    """Record who and what made the changes of this block in their trail events.

    ``function`` is a code such as ``"person.create"`` or ``"crypto.rotate"``; ``actor`` the staff
    member (or None for a job without an operator); ``batch_run_id`` the BatchRun's id. Keys left
    out (None) keep an outer context's value.
    """
    from audit.services import FUNCTION_PATTERN  # not at import: audit.models imports this module

    if not isinstance(function, str) or len(function) > 64 or not FUNCTION_PATTERN.fullmatch(function):
        raise ValueError("function must be a code such as 'person.create'")
    if batch_run_id is not None and (
        isinstance(batch_run_id, bool) or not isinstance(batch_run_id, int) or not 1 <= batch_run_id <= MAX_BATCH_RUN_ID
    ):
        raise ValueError("batch_run_id must be a BatchRun id (a positive integer)")
    metadata = {**_actor_metadata(actor), "function": function}
    if batch_run_id is not None:
        metadata["batch_run_id"] = batch_run_id
    outer = _active()
    saved = dict(outer.metadata) if outer is not None else None
    try:
        with pghistory.context(**metadata):
            yield
    finally:
        if outer is not None:  # pghistory merges nested metadata for good; give the outer block its own back
            outer.metadata.clear()
            outer.metadata.update(saved)


def trail_context_active() -> bool:
    """True inside a request's or a ``trail_context`` block (for code that may run with or without one)."""
    return _active() is not None


def trail_context_current():
    """The active trail context (None outside one), for ``trail_context_bind`` in another thread."""
    return _active()


def trail_context_bind(context=None) -> None:
    """Attach the active trail context to the current transaction now, for writes that do not go
    through Django's ``cursor.execute`` (psycopg's ``cursor.copy``). Call it inside the
    transaction, inside ``trail_context``, before the COPY. ``context``: one taken with
    ``trail_context_current`` in the thread that opened it (a writer thread has none of its own)."""
    active = context if context is not None else _active()
    if active is None:
        raise RuntimeError("no trail context is active: wrap the writes in audit.trail.trail_context(...)")
    if not connection.in_atomic_block:
        raise TransactionManagementError("trail_context_bind() binds to a transaction: call it inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true)",
            [str(active.id), json.dumps(active.metadata, cls=pghistory_config.json_encoder())],
        )


def trail_not_needed(view):
    """Mark a view that answers POST without writing anything the trail tracks (the access log
    is not tracked): ``TrailMiddleware`` gives its requests no context, which spares the
    ``set_config`` prefix on each of its statements. Should such a view ever write a tracked
    table, the triggers still record the change, only without who made it: mark only views
    whose POST is a read."""
    view.trail_not_needed = True
    return view


def _not_needed(request) -> bool:
    try:
        return getattr(resolve(request.path_info).func, "trail_not_needed", False)
    except Resolver404:
        return False


class TrailMiddleware(HistoryMiddleware):
    """pghistory's HistoryMiddleware, for writes only, with the staff member's id and user name.

    Place it after AuthenticationMiddleware. Unlike its parent it leaves GET, HEAD and OPTIONS
    alone (pghistory 3.9 wraps GET too unless PGHISTORY_MIDDLEWARE_METHODS says otherwise) and
    does not swap the request's class (that hook serves DRF token authentication, which this
    project does not use: DRF's session authentication finds the same user as here).
    """

    def get_context(self, request) -> dict:
        return {**_actor_metadata(getattr(request, "user", None)), "url": request.path}

    def __call__(self, request):
        if request.method not in WRITE_METHODS or _not_needed(request):
            return self.get_response(request)
        with pghistory.context(**self.get_context(request)):
            return self.get_response(request)
