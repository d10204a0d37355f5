"""The supervisors' screen "change trail of a person": who may open it, what it shows (encrypted
fields only as changed), its access-log row, keyset pages and a fixed number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.db import connection

if not (apps.is_installed("pghistory") and apps.is_installed("pgtrigger")):  # see test_trail_settings.py
    pytest.skip("the change trail's apps are not installed", allow_module_level=True)

from audit.models import AccessLogEntry
from audit.selectors import TRAIL_PAGE_SIZE
from audit.trail import trail_context
from eligibility.codes import Ward
from eligibility.models import Resident
from kaigo.staff.roles import Role
from tests.eligibility.factories import make_resident

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.audit.urls")]


def trail_url(resident_id: int) -> str:
    return f"/audit/persons/{resident_id}/trail/"


MATRIX = [
    pytest.param(None, 302, id="anonymous"),
    pytest.param(Role.WARD_CLERK, 403, id="ward-clerk"),
    pytest.param(Role.CERTIFICATION_CLERK, 403, id="certification-clerk"),
    pytest.param(Role.INQUIRY, 403, id="inquiry"),
    pytest.param(Role.OPERATOR, 403, id="operator"),
    pytest.param(Role.HEAD_OFFICE_CLERK, 403, id="head-office"),
    pytest.param(Role.AUDITOR, 200, id="auditor"),
    pytest.param(Role.SECTION_CHIEF, 200, id="section-chief"),
]


@pytest.mark.parametrize(("role", "status"), MATRIX)
def test_authorisation_matrix(client, client_as, role, status):
    resident = make_resident()
    if role is not None:
        client = client_as(role)
    response = client.get(trail_url(resident.pk))
    assert response.status_code == status
    if role is None:
        assert response["Location"] == f"/login/?next=/audit/persons/{resident.pk}/trail/"
    opened = client.get(f"/audit/persons/trail/?person={resident.pk}")
    assert opened.status_code == (302 if status != 403 else 403)
    entries = list(AccessLogEntry.objects.filter(function="audit.trail"))
    if status == 200:
        (entry,) = entries
        assert (entry.staff, entry.channel, entry.person_ids, entry.hits) == (client.staff, "screen", [resident.pk], 3)
        assert opened["Location"] == trail_url(resident.pk)
    else:
        assert entries == []  # a denied request reads nothing and logs nothing


@pytest.fixture
def history(make_staff):
    """A resident created, changed on a screen by a clerk, then by a batch; and a resident of
    another household, changed too (must not appear)."""
    clerk = make_staff(Role.WARD_CLERK, username="clerk_trail")
    resident = make_resident(name_kanji="履歴 太郎", address="川崎市中原区履歴町1-2-3", phone="044-999-0001",
                             birth_date=date(1950, 4, 1))
    with trail_context(actor=clerk, function="person.update"):
        resident.name_kanji = "履歴 次郎"
        resident.birth_date = date(1950, 4, 2)
        resident.ward = Ward.TAMA
        resident.save()
    with trail_context(batch_run_id=42, function="eligibility.intake"):
        Resident.objects.filter(pk=resident.pk).update(status="moved_out", moved_out_on=date(2026, 4, 1))
    other = make_resident()
    Resident.objects.filter(pk=other.pk).update(ward=Ward.ASAO)
    return resident, clerk


def test_the_trail_lists_what_changed_newest_first_with_encrypted_fields_as_changed_only(client_as, history):
    resident, clerk = history
    response = client_as(Role.AUDITOR).get(trail_url(resident.pk))
    assert "no-store" in response["Cache-Control"]
    entries = response.context["page"].entries
    # One transaction in a test: the same time for all, so the resident's events (newest first)
    # come before its household's.
    assert [(e.source, e.object_id, e.action) for e in entries] == [
        ("宛名", resident.pk, "更新"), ("宛名", resident.pk, "更新"), ("宛名", resident.pk, "作成"),
        ("世帯", resident.household_id, "更新"), ("世帯", resident.household_id, "作成"),
    ]
    batch, screen, created, head_set, household_created = entries
    assert [(c.label, c.before, c.after, c.encrypted) for c in batch.changes] == [
        ("住民区分", "住民", "転出", False), ("転出日", "（なし）", "2026-04-01", False),
    ]
    assert (batch.username, batch.function, batch.batch_run_id) == ("", "eligibility.intake", 42)
    assert [(c.label, c.before, c.after, c.encrypted) for c in screen.changes] == [
        ("氏名", "", "", True), ("生年月日", "1950-04-01", "1950-04-02", False), ("区", "中原区", "多摩区", False),
    ]
    assert (screen.username, screen.context["staff_id"], screen.function, screen.batch_run_id) == (
        "clerk_trail", clerk.pk, "person.update", None)
    assert [(c.label, c.encrypted) for c in created.changes if c.encrypted] == [
        ("個人番号", True), ("氏名", True), ("氏名（カナ）", True), ("住所", True), ("電話番号", True),
    ]
    assert [(c.label, c.before, c.after) for c in created.changes if not c.encrypted] == [
        ("世帯", "—", str(resident.household_id)), ("続柄", "—", "世帯主"), ("性別", "—", "男"),
        ("生年月日", "—", "1950-04-01"), ("区", "—", "中原区"), ("住民区分", "—", "住民"), ("支援措置対象", "—", "いいえ"),
    ]
    assert [(c.label, c.before, c.after) for c in head_set.changes] == [("世帯主", "（なし）", str(resident.pk))]
    assert [(c.label, c.before, c.after) for c in household_created.changes] == [("区", "—", "中原区")]

    body = response.content.decode()
    assert "<li>氏名: 変更あり</li>" in body and "<li>区: 中原区 → 多摩区</li>" in body
    assert "clerk_trail" in body and "#42" in body and "宛名の更新" in body
    assert "<td>eligibility.intake</td>" in body  # a code without a name (not a batch kind) is shown as it is
    assert "（記録なし）" in body  # who made the batch change and the creation: no staff member
    for plaintext in ["履歴 太郎", "履歴 次郎", "川崎市中原区履歴町1-2-3", "044-999-0001", resident.my_number]:
        assert plaintext not in body
    with connection.cursor() as cursor:
        cursor.execute("SELECT encode(name_kanji_ct, 'hex') FROM eligibility_residentevent WHERE pgh_obj_id = %s",
                       [resident.pk])
        ciphertexts = [hex_value for (hex_value,) in cursor.fetchall()]
    assert all(c[:40] not in body for c in ciphertexts)


def test_a_deletion_and_a_person_without_events(client_as):
    head = make_resident()
    member = make_resident(household_id=head.household_id, relation="child")
    member_id = member.pk
    member.delete()
    client = client_as(Role.AUDITOR)
    entries = client.get(trail_url(member_id)).context["page"].entries
    assert [(e.source, e.action, e.changes) for e in entries][:2] == [("宛名", "削除", []), ("宛名", "作成", entries[1].changes)]
    response = client.get(trail_url(999_999_999))  # never existed: shown empty, and the look is logged
    assert response.status_code == 200
    assert "変更履歴はありません。" in response.content.decode()
    assert AccessLogEntry.objects.filter(function="audit.trail", person_ids=[999_999_999], hits=0).exists()


def test_an_update_whose_previous_state_was_never_recorded(client_as):
    resident = make_resident()
    Resident.objects.filter(pk=resident.pk).update(ward=Ward.SAIWAI)
    with connection.cursor() as cursor:  # as for a row written before the trail was installed
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE eligibility_residentevent DISABLE TRIGGER eligibility_residentevent_append_only")
        cursor.execute("DELETE FROM eligibility_residentevent WHERE pgh_obj_id = %s AND pgh_label = 'insert'", [resident.pk])
        cursor.execute("ALTER TABLE eligibility_residentevent ENABLE TRIGGER eligibility_residentevent_append_only")
    response = client_as(Role.AUDITOR).get(trail_url(resident.pk))
    (update,) = [e for e in response.context["page"].entries if e.source == "宛名"]
    assert update.without_previous
    assert ("区", "（記録なし）", "幸区") in [(c.label, c.before, c.after) for c in update.changes]
    assert not [c for c in update.changes if c.encrypted]  # unknown, so not claimed
    assert "これより前の記録がないため、変更前の値は分かりません。" in response.content.decode()


def test_keyset_pages_newest_first_without_gaps_or_repeats(client_as):
    resident = make_resident()
    for i in range(120):
        Resident.objects.filter(pk=resident.pk).update(ward=[Ward.TAMA, Ward.ASAO][i % 2])
    client = client_as(Role.AUDITOR)
    seen, url, pages = [], trail_url(resident.pk), 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [e.cursor for e in response.context["page"].entries]
        pages += 1
        if pages > 1:
            assert "最新の記録に戻る" in response.content.decode()
        url = response.context["next_url"]
    assert pages == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT pgh_id FROM eligibility_residentevent WHERE pgh_obj_id = %s ORDER BY pgh_id DESC",
                       [resident.pk])
        resident_ids = [f"r{pgh_id}" for (pgh_id,) in cursor.fetchall()]
        cursor.execute("SELECT pgh_id FROM eligibility_householdevent WHERE pgh_obj_id = %s ORDER BY pgh_id DESC",
                       [resident.household_id])
        household_ids = [f"h{pgh_id}" for (pgh_id,) in cursor.fetchall()]
    assert seen == resident_ids + household_ids  # 121 + 2, in pages of 50, 50, 23
    assert f"次の {TRAIL_PAGE_SIZE} 件" not in response.content.decode()
    logged = AccessLogEntry.objects.filter(function="audit.trail").order_by("id")
    assert [e.hits for e in logged] == [50, 50, 23]


def _unused_source_key() -> str:
    """A well-formed cursor's letter that no app's trail source uses (apps add sources over time)."""
    import string

    from audit.trail_models import person_trail_sources

    return next(c for c in string.ascii_lowercase if c not in person_trail_sources())


@pytest.mark.parametrize("query", ["?before={unused}1", "?before=r0", "?before=", "?before=r12345678901234567890"])
def test_a_cursor_that_is_not_ours_is_not_found(client_as, query):
    query = query.format(unused=_unused_source_key())
    resident = make_resident()
    response = client_as(Role.AUDITOR).get(trail_url(resident.pk) + query)
    assert response.status_code == 404
    assert not AccessLogEntry.objects.filter(function="audit.trail").exists()


def test_internal_number_zero_is_not_found_and_the_open_box_checks_its_input(client_as):
    client = client_as(Role.AUDITOR)
    assert client.get(trail_url(0)).status_code == 404
    response = client.get("/audit/persons/trail/?person=abc", follow=True)
    assert response.redirect_chain == [("/audit/", 302)]
    assert "整数を入力してください。" in response.content.decode()


def test_the_screen_runs_a_fixed_number_of_queries_and_counts_nothing(
    client_as, django_assert_num_queries, django_assert_max_num_queries
):
    resident = make_resident()
    client = client_as(Role.AUDITOR)
    client.get(trail_url(resident.pk))
    # staff with their roles, second-factor device, the page of events, the access-log row (the
    # session is read from the cache)
    with django_assert_num_queries(4) as few:
        client.get(trail_url(resident.pk))
    for i in range(80):
        Resident.objects.filter(pk=resident.pk).update(ward=[Ward.TAMA, Ward.ASAO][i % 2])
    with django_assert_num_queries(4):
        response = client.get(trail_url(resident.pk))
    assert len(response.context["page"].entries) == TRAIL_PAGE_SIZE
    assert [q["sql"] for q in few.captured_queries if "COUNT(" in q["sql"].upper()] == []
