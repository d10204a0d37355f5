"""Errors mapped once (issue 15): a view's missing record, NotPermitted and other application
errors become their pages in one place (kaigo.shell.middleware.ErrorPagesMiddleware), a service's
refusal becomes the form's error (kaigo.forms.form_run), and no view maps them by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django import forms
from django.test import Client

from kaigo.errors import ApplicationError, NotPermitted
from kaigo.forms import StaffForm, form_run
from kaigo.staff.roles import Role

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
@pytest.mark.urls("tests.kaigo.error_urls")
@pytest.mark.parametrize(("path", "status", "shown"), [
    pytest.param("/raise/missing/", 404, "見つかりません", id="missing-record-404"),
    pytest.param("/raise/not-permitted/", 403, "所属する区の住民ではないため表示できません。", id="not-permitted-403"),
    pytest.param("/raise/invalid-state/", 409, "この警告は既に確認済みです。", id="invalid-state-409"),
    pytest.param("/raise/refused/", 400, "この年度の保険料率表がありません。", id="application-error-400"),
])
def test_a_views_error_becomes_its_page_with_the_message_for_staff(client_as, path, status, shown):
    response = client_as(Role.WARD_CLERK).get(path)
    assert response.status_code == status
    body = response.content.decode()
    assert shown in body
    if status in (400, 403, 409):  # in the page frame, the message as an alert
        assert '<p class="errors" role="alert">' in body and "ログアウト" in body


@pytest.mark.django_db
@pytest.mark.urls("tests.kaigo.error_urls")
def test_any_other_error_stays_a_500_without_its_details(make_staff):
    client = Client(raise_request_exception=False)
    client.force_login(make_staff(Role.WARD_CLERK))
    response = client.get("/raise/broken/")
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode() and "山田" not in response.content.decode()


class _Form(StaffForm):
    amount = forms.IntegerField()


class _Refused(ApplicationError):
    def __init__(self, message, problems=None):
        super().__init__(message)
        self.problems = problems


def test_form_run_returns_what_the_service_returned():
    done = form_run(_Form({"amount": "7"}), lambda data: ("written", data["amount"]))
    assert done == ("written", 7)


def test_form_run_does_not_call_the_service_for_an_invalid_form():
    called = []
    form = _Form({"amount": "x"})
    assert form_run(form, called.append) is None
    assert called == [] and form.errors["amount"]


@pytest.mark.parametrize(("refusal", "errors"), [
    pytest.param(_Refused("金額が大きすぎます。"), ["金額が大きすぎます。"], id="message"),
    pytest.param(_Refused("届出を登録できません。", problems=["日付が未来です。", "施設がありません。"]),
                 ["日付が未来です。", "施設がありません。"], id="each-problem"),
])
def test_form_run_shows_a_services_refusal_on_the_form(refusal, errors):
    form = _Form({"amount": "7"})

    def refuse(data):
        raise refusal

    assert form_run(form, refuse) is None
    assert form.non_field_errors() == errors


def test_form_run_lets_not_permitted_go_on_to_its_page():
    def refuse(data):
        raise NotPermitted("他の区の住民の情報は更新できません。")

    with pytest.raises(NotPermitted):
        form_run(_Form({"amount": "7"}), refuse)


HANDLED_BY_THE_MIDDLEWARE = {"NotPermitted", "ObjectDoesNotExist", "DoesNotExist", "ResidentNotFound"}


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
    names = set()
    for t in types:
        if isinstance(t, ast.Name):
            names.add(t.id)
        elif isinstance(t, ast.Attribute):
            names.add(t.attr)
    return names


def test_no_view_maps_a_missing_record_or_not_permitted_by_hand():
    """The error pages are the middleware's: a view that catches these would map them a second way."""
    views = [p for p in BASE_DIR.glob("*/**/views.py") if ".venv" not in p.parts and "tests" not in p.parts]
    assert len(views) > 10
    found = []
    for path in views:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and _caught_names(node) & HANDLED_BY_THE_MIDDLEWARE:
                found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")
    assert found == []
