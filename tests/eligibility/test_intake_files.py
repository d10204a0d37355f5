"""Registry files that fail whole, and the state of a file (issue 17, items 7, 10 and 11): a file
that cannot be read or is cut short is refused whole, recorded with its reason (住基異動の取込結果)
and nothing of it applied; the nightly intake moves it to quarantine, names it in the log and
goes on with the other files; a received file's state follows its lines to 適用済 / 一部エラー."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from eligibility.intake import services as intake
from eligibility.intake.format import LAYOUT
from eligibility.intake.models import ChangeStatus, RegistryFileStatus
from eligibility.intake.tasks import registry_intake_nightly
from eligibility.models import RegistryChange, RegistryFile, Resident
from kaigo.batches.models import BatchRun
from kaigo.staff.roles import Role
from tests.eligibility.factories import make_elderly, make_resident, registry_file, registry_line
from tests.kaigo.test_batches_worker import finished, wait_until

TODAY = date.today()


def name_change(resident, name_kanji: str, name_kana: str) -> str:
    return registry_line(resident, kind="C2", effective_on=TODAY.isoformat(), name_kanji=name_kanji,
                         name_kana=name_kana)


def good_lines(residents) -> list[str]:
    return [name_change(r, f"改名 {n}郎", f"カイメイ {kana}ロウ") for n, kana, r in
            zip("一二三", ("イチ", "ジ", "サブ"), residents, strict=True)]


def cut_at_a_line_end(lines):  # the sender stopped after a whole line: the last lines and the trailer lost
    return ("\n".join([LAYOUT.header, *lines[:-1]]) + "\n").encode()


def cut_mid_record(lines):
    return ("\n".join([LAYOUT.header, *lines]))[:-7].encode()


def count_wrong(lines):
    return ("\n".join([LAYOUT.header, *lines, f"トレーラ,{len(lines) + 1}"]) + "\n").encode()


def trailer_missing(lines):
    return ("\n".join([LAYOUT.header, *lines]) + "\n").encode()


BAD_FILES = {
    "empty": (lambda lines: b"", "ファイルが空です"),
    "shift-jis": (lambda lines: registry_file(*lines).decode().encode("cp932"), "文字コードがUTF-8ではありません"),
    "cut-at-a-line-end": (cut_at_a_line_end, "トレーラ"),
    "cut-mid-record": (cut_mid_record, "トレーラ"),
    "trailer-count-wrong": (count_wrong, "トレーラの件数（4件）とデータ行の数（3行）が一致しません"),
    "trailer-missing": (trailer_missing, "最終行（4行目）がトレーラ"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_a_bad_file_is_refused_whole_recorded_with_its_reason_and_a_corrected_file_is_accepted(bad):
    make, reason = BAD_FILES[bad]
    residents = [make_elderly(name_kanji=f"元の 名{n}") for n in range(3)]
    lines = good_lines(residents)
    data = make(lines)

    with pytest.raises(intake.IntakeFileInvalid) as refused:
        intake.registry_file_receive(data, file_name=f"{bad}.csv", business_date=TODAY)

    (file,) = RegistryFile.objects.all()
    assert (file.status, file.file_name) == (RegistryFileStatus.REFUSED, f"{bad}.csv")
    assert reason in file.refusal and reason in refused.value.message
    # nothing applied: no line kept, every resident as before
    assert not RegistryChange.objects.exists()
    assert [Resident.objects.get(pk=r.pk).name_kanji for r in residents] == ["元の 名0", "元の 名1", "元の 名2"]
    # the same bytes again: refused again, not taken for a file received before
    with pytest.raises(intake.IntakeFileInvalid, match="受付不可として記録済み"):
        intake.registry_file_receive(data, file_name=f"{bad}.csv", business_date=TODAY)
    # the corrected file (the same lines, whole, with its trailer) is received and applied
    received = intake.registry_file_receive(registry_file(*lines), file_name="fixed.csv", business_date=TODAY)
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    assert [Resident.objects.get(pk=r.pk).name_kanji for r in residents] == ["改名 一郎", "改名 二郎", "改名 三郎"]
    received.file.refresh_from_db()
    assert received.file.status == RegistryFileStatus.DONE


@pytest.mark.django_db
def test_the_file_state_follows_its_lines():
    residents = [make_elderly() for _ in range(2)]
    clean = intake.registry_file_receive(registry_file(*good_lines(residents + [make_elderly()])),
                                         file_name="clean.csv", business_date=TODAY)
    with_errors = intake.registry_file_receive(
        registry_file(name_change(residents[0], "別名 太郎", "ベツメイ タロウ"), "not,a,line"),
        file_name="errors.csv", business_date=TODAY)
    assert clean.file.status == with_errors.file.status == RegistryFileStatus.RECEIVED

    for received in (clean, with_errors):
        intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)

    clean.file.refresh_from_db()
    with_errors.file.refresh_from_db()
    assert (clean.file.status, clean.file.get_status_display()) == (RegistryFileStatus.DONE, "適用済")
    assert (with_errors.file.status, with_errors.file.get_status_display()) == (
        RegistryFileStatus.DONE_WITH_ERRORS, "一部エラー")


@pytest.mark.django_db
def test_a_file_whose_lines_all_wait_for_a_run_stays_applying_until_they_are_done():
    resident = make_elderly()
    received = intake.registry_file_receive(registry_file(name_change(resident, "別名 花子", "ベツメイ ハナコ")),
                                            file_name="one.csv", business_date=TODAY)
    run = BatchRun.objects.create(kind="eligibility.registry_intake", params={"file_id": received.file.pk},
                                  origin=BatchRun.Origin.COMMAND)
    RegistryFile.objects.filter(pk=received.file.pk).update(batch_run=run, status=RegistryFileStatus.APPLYING)
    assert intake.file_status_settle(received.file.pk) == RegistryFileStatus.APPLYING
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=run.pk, actor_id=None)
    received.file.refresh_from_db()
    assert received.file.status == RegistryFileStatus.DONE
    assert RegistryChange.objects.get(file=received.file).status == ChangeStatus.APPLIED


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_nightly_intake_quarantines_bad_files_names_them_in_the_log_and_applies_the_others(
        start_worker, settings, tmp_path, caplog, client_as):
    residents = [make_resident(name_kanji=f"夜間 名{n}", birth_date=date(1950, 6, 15)) for n in range(3)]
    lines = good_lines(residents)
    settings.KAIGO_REGISTRY_INBOX = str(tmp_path)
    (tmp_path / "a-empty.csv").write_bytes(b"")
    (tmp_path / "b-sjis.csv").write_bytes(registry_file(*lines).decode().encode("cp932"))
    (tmp_path / "c-cut.csv").write_bytes(cut_mid_record(lines))
    (tmp_path / "d-good.csv").write_bytes(registry_file(*lines[:2], "not,a,line"))
    worker = start_worker(concurrency=1)

    with caplog.at_level(logging.INFO, logger="eligibility.intake.tasks"):
        started = registry_intake_nightly()

    assert started == 1
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == ["a-empty.csv", "b-sjis.csv", "c-cut.csv"]
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["d-good.csv"]
    assert not list(tmp_path.glob("*.csv"))
    log = "\n".join(r.getMessage() for r in caplog.records)
    for name, code in (("a-empty.csv", "empty_file"), ("b-sjis.csv", "encoding"), ("c-cut.csv", "trailer_missing")):
        assert f"registry file {name} refused ({code})" in log
    assert "夜間" not in log and "カイメイ" not in log and str(residents[0].pk) not in log
    refused = RegistryFile.objects.filter(status=RegistryFileStatus.REFUSED)
    assert sorted(refused.values_list("file_name", flat=True)) == ["a-empty.csv", "b-sjis.csv", "c-cut.csv"]
    assert not RegistryChange.objects.filter(file__in=refused).exists()

    good = RegistryFile.objects.get(file_name="d-good.csv")
    wait_until(lambda: finished(good.batch_run), timeout=120, what="the intake run", worker=worker)
    good.refresh_from_db()
    assert good.status == RegistryFileStatus.DONE_WITH_ERRORS  # its lines done, one refused by the parser
    assert [Resident.objects.get(pk=r.pk).name_kanji for r in residents] == ["改名 一郎", "改名 二郎", "夜間 名2"]

    # 住基異動の取込結果 shows each refused file with its reason
    page = client_as(Role.HEAD_OFFICE_CLERK).get("/eligibility/intake/").content.decode()
    assert page.count("受付不可") == 4 and "ファイルが空です" in page and "文字コードがUTF-8ではありません" in page
    detail = client_as(Role.HEAD_OFFICE_CLERK).get(
        f"/eligibility/intake/{refused.get(file_name='c-cut.csv').pk}/").content.decode()
    assert "受付不可の理由" in detail and "トレーラ" in detail and "一部エラー" not in detail
