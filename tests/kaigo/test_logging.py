"""No log line carries an exception's message (it may quote personal data)."""

from __future__ import annotations

import io
import logging

import psycopg
import pytest
from django.test import Client

from kaigo.logging import RedactExceptionText
from kaigo.staff.roles import Role

from tests.failing_urls import PERSONAL


def console_handler() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactExceptionText) for f in h.filters)]
    return handler


def format_through(handler: logging.Handler, record: logging.LogRecord) -> str:
    assert handler.filter(record)
    return handler.format(record)


def make_record(exc: BaseException) -> logging.LogRecord:
    try:
        try:
            raise ValueError(PERSONAL)
        except ValueError as inner:
            raise exc from inner
    except BaseException as outer:  # noqa: BLE001
        return logging.LogRecord("kaigo.test", logging.ERROR, __file__, 1, "failed for %s", ("staff0001",), exc_info=(type(outer), outer, outer.__traceback__))


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(RuntimeError(PERSONAL), id="plain"),
        pytest.param(psycopg.errors.UniqueViolation(f"Key (name)=({PERSONAL}) already exists"), id="unique-violation"),
    ],
)
def test_console_handler_withholds_exception_messages(exc):
    text = format_through(console_handler(), make_record(exc))
    assert "山田" not in text and "123456789018" not in text
    assert "failed for staff0001" in text
    assert "builtins.ValueError: [message withheld]" in text  # the chain's types are kept
    assert f"{type(exc).__qualname__}" in text and "Traceback (most recent call last):" in text
    assert 'in make_record' in text


def test_unique_violation_keeps_its_sqlstate():
    text = format_through(console_handler(), make_record(psycopg.errors.UniqueViolation("x")))
    assert "(SQLSTATE 23505): [message withheld]" in text


@pytest.mark.django_db
@pytest.mark.urls("tests.failing_urls")
def test_a_server_error_is_logged_without_its_message(make_staff, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(make_staff(Role.WARD_CLERK))
    handler = console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        assert client.get("/boom/").status_code == 500
    finally:
        handler.setStream(previous)
    err = stream.getvalue()
    assert "Internal Server Error: /boom/" in err
    assert "builtins.RuntimeError: [message withheld]" in err
    assert "山田" not in err and "123456789018" not in err
