"""Supervisors' screens: who may see them, search, keyset pages, query count, alerts."""

from __future__ import annotations

import pytest

from audit import services
from audit.models import AccessLogEntry, AuditAlert
from kaigo.staff.roles import Role

pytestmark = pytest.mark.urls("tests.audit.urls")


def log(actor=None, **kwargs) -> AccessLogEntry:
    defaults = {"function": "person.view", "channel": "screen", "person_ids": [1000001]}
    return services.access_log_write(actor=actor, **{**defaults, **kwargs})


def make_alert(**kwargs) -> AuditAlert:
    defaults = {"kind": "chain_broken", "fingerprint": "access:altered:3:3", "detail": "アクセス記録: 行の変更。"}
    return AuditAlert.objects.create(**{**defaults, **kwargs})


MATRIX = [
    # role, search and alerts, acknowledge
    pytest.param(None, 302, 302, id="anonymous"),
    pytest.param(Role.WARD_CLERK, 403, 403, id="ward-clerk"),
    pytest.param(Role.INQUIRY, 403, 403, id="inquiry"),
    pytest.param(Role.OPERATOR, 403, 403, id="operator"),
    pytest.param(Role.HEAD_OFFICE_CLERK, 403, 403, id="head-office"),
    pytest.param(Role.AUDITOR, 200, 302, id="auditor"),
    pytest.param(Role.SECTION_CHIEF, 200, 302, id="section-chief"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "view", "acknowledge"), MATRIX)
def test_authorisation_matrix(client, client_as, role, view, acknowledge):
    log(person_ids=[1000001])
    alert = make_alert()
    if role is not None:
        client = client_as(role)
    for path in ["/audit/", "/audit/alerts/", "/audit/?person=1000001"]:
        response = client.get(path)
        assert response.status_code == view, path
        if role is None:
            assert response["Location"] == f"/login/?next={path.replace('?', '%3F').replace('=', '%3D')}"
    response = client.post(f"/audit/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == acknowledge
    alert.refresh_from_db()
    if acknowledge == 302 and role is not None:
        assert response["Location"] == "/audit/alerts/"
        assert alert.acknowledged_by == client.staff and alert.acknowledged_at is not None
    else:
        assert (alert.acknowledged_by, alert.acknowledged_at) == (None, None)  # a denial changes nothing
    searches = AccessLogEntry.objects.filter(function="audit.search").count()
    assert searches == (2 if view == 200 else 0)  # only a search actually shown is logged


@pytest.fixture
def seeded(make_staff, tamper):
    """Five entries by two clerks, moved onto known days (Asia/Tokyo)."""
    a, b = make_staff(username="clerk_a"), make_staff(username="clerk_b")
    log(a, person_ids=[101])
    log(b, person_ids=[102])
    log(a, function="person.search", person_ids=[101, 102, 103], hits=3, criteria_kind="kana_name")
    log(b, function="person.print", channel="print", person_ids=[103])
    log(a, person_ids=[104])
    first = number(1)
    tamper(
        f"UPDATE audit_accesslogentry SET created_at = '2026-04-01 10:00:00+09' WHERE id = {first}",
        f"UPDATE audit_accesslogentry SET created_at = '2026-04-02 23:59:59.999999+09' WHERE id = {first + 1}",
        f"UPDATE audit_accesslogentry SET created_at = '2026-04-03 00:00:00+09' WHERE id = {first + 2}",
        f"UPDATE audit_accesslogentry SET created_at = '2026-05-01 09:00:00+09' WHERE id IN ({first + 3}, {first + 4})",
    )
    return a, b


def number(n: int) -> int:
    """The id of the n-th access-log row of the test (ids follow the appends within one test)."""
    return AccessLogEntry.objects.order_by("id").values_list("id", flat=True)[n - 1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "nths"),
    [
        pytest.param("", [5, 4, 3, 2, 1], id="latest"),
        pytest.param("username=clerk_a", [5, 3, 1], id="staff"),
        pytest.param("person=101", [3, 1], id="person-in-a-list"),
        pytest.param("person=103", [4, 3], id="person"),
        pytest.param("person=999", [], id="person-never-accessed"),
        pytest.param("function=person.view", [5, 2, 1], id="function"),
        pytest.param("date_from=2026-04-02&date_to=2026-04-02", [2], id="one-day-to-its-last-microsecond"),
        pytest.param("date_from=2026-04-03", [5, 4, 3], id="from"),
        pytest.param("date_to=2026-04-02", [2, 1], id="to"),
        pytest.param("username=clerk_a&person=101&function=person.search", [3], id="all-criteria"),
        pytest.param("username=nobody", [], id="unknown-staff"),
    ],
)
def test_search_finds_exactly_the_matching_entries_newest_first(client_as, seeded, query, nths):
    response = client_as(Role.AUDITOR).get(f"/audit/?{query}")
    assert response.status_code == 200
    assert [e.id for e in response.context["page"].entries] == [number(n) for n in nths]
    if not nths:
        assert "条件に合うアクセス記録はありません。" in response.content.decode()


@pytest.mark.django_db
def test_the_supervisors_search_is_logged_with_criteria_kinds_not_values(client_as, seeded):
    client = client_as(Role.AUDITOR)
    client.get("/audit/?username=clerk_a&person=101&date_from=2026-04-01", REMOTE_ADDR="192.0.2.50")
    entry = AccessLogEntry.objects.get(function="audit.search")
    assert (entry.staff, entry.channel, entry.person_ids, entry.hits, entry.criteria_kind, entry.client_ip) == (
        client.staff, "screen", [101], 2, "username,person_id,period", "192.0.2.50",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "error"),
    [
        pytest.param("date_from=2026-05-01&date_to=2026-04-01", "終了日は開始日以降の日付にしてください。", id="period"),
        pytest.param("person=abc", "整数を入力してください。", id="person-not-a-number"),
        pytest.param("function=person%20view", "選択肢から選んでください。", id="function"),
        # out-of-calendar and out-of-range dates are the form's errors, not a 500 (issue 17 item 2)
        pytest.param("date_to=9999-12-31", "1873年1月1日から2100年12月31日までの範囲", id="year-9999"),
        pytest.param("date_from=9999-12-31", "1873年1月1日から2100年12月31日までの範囲", id="from-year-9999"),
        pytest.param("date_to=2026-02-30", "日付を正しく入力してください", id="february-30"),
        pytest.param("date_from=0000-01-01", "日付を正しく入力してください", id="year-0"),
        pytest.param("date_from=1800-01-01", "1873年1月1日から2100年12月31日までの範囲", id="before-1873"),
        pytest.param("date_to=２０２６-１３-０１", "日付を正しく入力してください", id="month-13-full-width"),
    ],
)
def test_bad_criteria_are_explained_in_japanese_and_search_nothing(client_as, seeded, query, error):
    response = client_as(Role.AUDITOR).get(f"/audit/?{query}")
    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["page"] is None
    assert not AccessLogEntry.objects.filter(function="audit.search").exists()


@pytest.mark.django_db
def test_keyset_pages_of_100_newest_first(client_as):
    for i in range(250):
        log(person_ids=[i + 1])
    client = client_as(Role.AUDITOR)
    seen, url, pages = [], "/audit/?function=person.view", 0
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [e.id for e in page.entries]
        pages += 1
        url = response.context["next_url"] and "/audit/" + response.context["next_url"]
        if pages > 1:
            assert "最新の記録に戻る" in response.content.decode()
    assert pages == 3
    assert seen == [number(n) for n in range(250, 0, -1)]
    assert response.context["before"] == number(51) and response.context["next_url"] is None
    assert "次の 100 件" not in response.content.decode()


@pytest.mark.django_db
def test_the_search_screen_never_counts_the_log_and_its_queries_do_not_grow(
    client_as, django_assert_num_queries, django_assert_max_num_queries
):
    client = client_as(Role.AUDITOR)
    for _ in range(3):
        log(person_ids=list(range(1, 30)))
    # session, staff, roles, second-factor device, the page of entries, the access-log row of the search
    with django_assert_max_num_queries(7) as few:
        client.get("/audit/?person=5")
    for _ in range(150):
        log(person_ids=list(range(1, 30)))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/audit/?person=5")
    assert len(response.context["page"].entries) == 100
    counts_of_the_log = [q["sql"] for q in few.captured_queries
                         if "COUNT(" in q["sql"].upper() and "audit_accesslogentry" in q["sql"]]
    assert counts_of_the_log == []


@pytest.mark.django_db
def test_the_list_shows_the_first_ten_persons_and_how_many_more(client_as):
    log(function="person.search", channel="api", person_ids=list(range(1000001, 1000013)), hits=12,
        criteria_kind="kana_name")
    body = client_as(Role.AUDITOR).get("/audit/").content.decode()
    assert "1000001、1000002" in body and "1000010 ほか 2 名" in body and "1000011" not in body
    assert "<td>宛名検索</td>" in body and "<td>カナ氏名</td>" in body and ">API<" in body
    assert "person.search" not in body.split("<tbody>")[1] and "kana_name" not in body.split("<tbody>")[1]


@pytest.mark.django_db
def test_alerts_list_unacknowledged_first_and_acknowledge_records_who(client_as):
    services.chain_verify(chain="access")
    done = make_alert(fingerprint="access:deleted:2:3", detail="確認済みの警告")
    open_alert = make_alert(fingerprint="auth:altered:4:4", detail="未確認の警告")
    client = client_as(Role.AUDITOR)
    client.post(f"/audit/alerts/{done.pk}/acknowledge/")
    response = client.get("/audit/alerts/")
    body = response.content.decode()
    assert [a.pk for a in response.context["alerts"]] == [open_alert.pk, done.pk]
    assert f'確認済み（<span translate="no">{client.staff.username}</span>、' in body
    assert f'aria-label="警告 #{open_alert.pk} を確認済みにする"' in body
    assert "改ざんなし" in body and "まだ検証されていません。" in body  # access verified, auth not yet
    assert "署名あり（seal-1）" in body  # the checkpoint is signed with the test keyring's seal key
    again = client.post(f"/audit/alerts/{done.pk}/acknowledge/", follow=True)
    assert "この警告は既に確認済みです。" in again.content.decode()
    assert client.post("/audit/alerts/999999/acknowledge/").status_code == 404
    assert client.get(f"/audit/alerts/{open_alert.pk}/acknowledge/").status_code == 405
    assert "（未確認 1 件）" in client.get("/audit/").content.decode()
