"""A batch started without a parameter it requires says which one (issue 16, item 9): on the console
(Japanese, next to the field), from `batch_run` (the same words, and how to give it with -p), and
for kinds without a form (required_params), instead of a traceback or a chunk failing later."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaigo.batches import services
from kaigo.batches.models import BatchRun
from kaigo.batches.registry import MissingParams, all_kinds
from kaigo.staff.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_dispatch(monkeypatch):
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id: 0)


def start(kind: str, **params) -> BatchRun:
    return services.batch_start(kind=kind, params=params, actor=None, origin=BatchRun.Origin.COMMAND)


CASES = [
    # kind, params, the missing (name, label), the message
    pytest.param("premiums.main_levy", {}, [("fiscal_year", "年度")],
                 "パラメータが正しくありません。必須のパラメータ「年度」が指定されていません。", id="form-absent"),
    pytest.param("premiums.relevy", {"fiscal_year": "  "}, [("fiscal_year", "年度")],
                 "パラメータが正しくありません。必須のパラメータ「年度」が指定されていません。", id="form-blank"),
    pytest.param("eligibility.age65", {}, [("month", "対象月（YYYY-MM）")],
                 "パラメータが正しくありません。必須のパラメータ「対象月（YYYY-MM）」が指定されていません。", id="month"),
    pytest.param("premiums.main_levy", {"business_date": "7月1日"}, [("fiscal_year", "年度")],
                 "パラメータが正しくありません。必須のパラメータ「年度」が指定されていません。 / "
                 "処理基準日（空欄は本日）: 日付を正しく入力してください（例: 2025-04-01）。", id="missing-and-invalid"),
    pytest.param("eligibility.registry_intake", {}, [("file_id", "取り込む住基異動ファイルの番号")],
                 "パラメータが正しくありません。必須のパラメータ「取り込む住基異動ファイルの番号」が指定されていません。",
                 id="no-form-file"),
    pytest.param("crypto.rewrap", {"kek_version": ""}, [("kek_version", "新しい鍵暗号化鍵の版")],
                 "パラメータが正しくありません。必須のパラメータ「新しい鍵暗号化鍵の版」が指定されていません。",
                 id="no-form-key"),
]


@pytest.mark.parametrize(("kind", "params", "missing", "message"), CASES)
def test_a_missing_parameter_is_named_and_nothing_starts(kind, params, missing, message):
    with pytest.raises(MissingParams) as refused:
        start(kind, **params)
    assert (refused.value.code, refused.value.missing, refused.value.message) == ("invalid_params", missing, message)
    assert not BatchRun.objects.exists()


def test_every_kind_started_without_parameters_starts_or_names_what_it_needs():
    """No kind fails later (a KeyError in its plan, a chunk failing in the worker) for want of a
    parameter: each either runs without any or is refused, naming each required one."""
    for kind in all_kinds():
        required = [(name, label) for name, (label, needed) in kind.params_known().items() if needed]
        if required:
            with pytest.raises(MissingParams) as refused:
                start(kind.name)
            assert refused.value.missing == required, kind.name
        else:
            assert start(kind.name).kind == kind.name


def test_batch_run_prints_which_parameter_is_missing_and_how_to_give_it():
    with pytest.raises(CommandError) as refused:
        call_command("batch_run", "premiums.main_levy", "-p", "business_date=2026-07-01")
    assert str(refused.value) == ("パラメータが正しくありません。必須のパラメータ「年度」が指定されていません。\n"
                                  "指定の例: python manage.py batch_run premiums.main_levy -p fiscal_year=（年度）")
    with pytest.raises(CommandError) as refused:
        call_command("batch_run", "eligibility.registry_intake")
    assert str(refused.value).endswith("-p file_id=（取り込む住基異動ファイルの番号）")
    assert not BatchRun.objects.exists()


def test_batch_run_refuses_a_parameter_the_kind_does_not_have_and_lists_those_it_has():
    with pytest.raises(CommandError) as refused:
        call_command("batch_run", "premiums.main_levy", "-p", "fiscal_yaer=2026")
    lines = str(refused.value).splitlines()
    assert lines[:2] == ["このバッチ種別にないパラメータです: fiscal_yaer", "指定できるパラメータ:"]
    assert "    -p fiscal_year=…\t年度（必須）" in lines
    assert not BatchRun.objects.exists()


def test_the_list_of_kinds_shows_each_kinds_parameters(capsys):
    call_command("batch_run")
    out = capsys.readouterr().out.splitlines()
    levy = out.index("premiums.main_levy\t保険料の本算定（年次賦課）")
    assert out[levy + 1] == "    -p fiscal_year=…\t年度（必須）"
    assert "    -p file_id=…\t取り込む住基異動ファイルの番号（必須）" in out


def test_the_console_names_the_missing_field_in_japanese(client_as):
    client = client_as(Role.OPERATOR)
    response = client.post("/batches/start/", {"kind": "premiums.main_levy", "fiscal_year": "",
                                               "persons_per_chunk": "", "business_date": ""})
    assert response.status_code == 200
    assert "「年度」を入力してください。" in response.content.decode()
    assert not BatchRun.objects.exists()
