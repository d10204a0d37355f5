"""Person screens: search and overview, their access-log rows, and My Number masking."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AccessLogEntry
from kaigo.crypto.deks import dek_cache_clear
from kaigo.staff.roles import PERMISSIONS, Role
from tests.eligibility.factories import make_resident
from tests.screens import concrete_paths

pytestmark = pytest.mark.django_db

NUMBER_USERS = [Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK]


def search(client, **data):
    return client.post("/persons/", data)


def test_search_by_kana_in_any_spelling_logs_hits_not_terms(client_as):
    target = make_resident(name_kanji="検索 一郎", name_kana="ケンサク イチロウ")
    make_resident(name_kanji="検索 二郎", name_kana="ケンサク ジロウ")
    client = client_as(Role.WARD_CLERK)
    response = search(client, kana_name="ｹﾝｻｸ ｲﾁﾛｳ")
    body = response.content.decode()
    assert response.status_code == 200
    assert "検索 一郎" in body and "検索 二郎" not in body
    entry = AccessLogEntry.objects.get()
    assert (entry.function, entry.person_ids, entry.hits, entry.criteria_kind) == ("person.search", [target.pk], 1, "kana_name")
    assert entry.staff_id == client.staff.pk
    assert "ケンサク" not in str(entry.__dict__) and "ｹﾝｻｸ" not in str(entry.__dict__)


def test_search_by_kana_surname_and_birth_date(client_as):
    target = make_resident(name_kana="セイネン ハナコ", birth_date=date(1948, 2, 29))
    make_resident(name_kana="セイネン ハナコ", birth_date=date(1948, 3, 1))
    body = search(client_as(Role.INQUIRY), kana_surname="せいねん", birth_date="1948-02-29").content.decode()
    assert str(target.pk) in body and body.count("/persons/") >= 1
    assert AccessLogEntry.objects.get().person_ids == [target.pk]


def test_search_terms_never_travel_in_the_url(client_as):
    client = client_as(Role.WARD_CLERK)
    page = client.get("/persons/").content.decode()
    assert '<form method="post"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({}, "検索条件を入力してください", id="empty"),
        pytest.param({"kana_surname": "ヤマダ"}, "生年月日も入力してください", id="surname-without-birth-date"),
        pytest.param({"my_number": "123456789019"}, "検査用数字が正しくありません", id="bad-check-digit"),
        pytest.param({"insured_number": "1000000017"}, "被保険者番号の検査用数字が正しくありません",
                     id="insured-number-bad-check-digit"),
        pytest.param({"insured_number": "12345"}, "被保険者番号は10桁の数字で入力してください", id="insured-number-short"),
    ],
)
def test_bad_searches_say_why_in_japanese_and_log_nothing(client_as, data, message):
    response = search(client_as(Role.WARD_CLERK), **data)
    assert message in response.content.decode()
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("role", [*NUMBER_USERS, Role.INQUIRY])
def test_search_by_insured_number_in_any_width(client_as, role):
    from eligibility.qualification.services import Context, requalify

    target = make_resident(name_kanji="番号 検索", name_kana="バンゴウ ケンサク", birth_date=date(1950, 1, 10))
    make_resident(birth_date=date(1950, 1, 10))
    requalify([target.pk], until=date(2026, 1, 1), context=Context(source="notification"))
    number = target.insured_number.number
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = search(client_as(role), insured_number=wide)
    page = response.content.decode()
    assert "番号 検索" in page and "検索結果（1件" in page
    entry = AccessLogEntry.objects.get()
    assert (entry.person_ids, entry.hits, entry.criteria_kind) == ([target.pk], 1, "insured_number")
    assert number not in entry.function


@pytest.mark.parametrize("role", NUMBER_USERS)
def test_number_users_search_by_my_number_and_see_it(client_as, role):
    target = make_resident()
    client = client_as(role)
    body = search(client, my_number=target.my_number).content.decode()
    assert f"/persons/{target.pk}/" in body
    overview = client.get(f"/persons/{target.pk}/").content.decode()
    number = target.my_number
    assert f"{number[:4]} {number[4:8]} {number[8:]}" in overview
    premium = [("premium.summary", "")] if role in PERMISSIONS["premium.view"] else []  # the section's own row
    assert [(e.function, e.criteria_kind) for e in AccessLogEntry.objects.order_by("id")] == [
        ("person.search", "my_number"), ("person.view", ""), *premium]


def test_others_cannot_search_by_my_number_and_see_it_masked(client_as):
    target = make_resident()
    client = client_as(Role.INQUIRY)
    assert 'name="my_number"' not in client.get("/persons/").content.decode()
    overview = client.get(f"/persons/{target.pk}/").content.decode()
    assert "＊＊＊＊ ＊＊＊＊ ＊＊＊＊" in overview
    assert target.my_number not in overview and target.my_number[:4] + " " not in overview


def test_result_rows_show_labels_dates_and_escaped_names(client_as):
    target = make_resident(name_kanji="<b>表示</b> 一郎", name_kana="ヒョウジ イチロウ", birth_date=date(1944, 7, 8),
                           ward="asao")
    body = search(client_as(Role.WARD_CLERK), kana_name="ヒョウジ イチロウ").content.decode()
    row = body[body.index(f'<a href="/persons/{target.pk}/">'):]
    row = row[: row.index("</tr>")]
    for shown in ("&lt;b&gt;表示&lt;/b&gt; 一郎", "ヒョウジ イチロウ", "男", "昭和19（1944）年7月8日", "麻生区", "住民"):
        assert shown in row
    assert "<b>" not in body


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        pytest.param({"kana_name": "ケンサク <タロウ>"}, 'name="kana_name" value="ケンサク &lt;タロウ&gt;"', id="kana"),
        pytest.param({"kana_surname": "ケンサク", "birth_date": "1950-04-01"},
                     'type="date" name="birth_date" value="1950-04-01"', id="date"),
        pytest.param({"birth_date": "1950-13-01"}, 'aria-describedby="id_birth_date_error" id="id_birth_date"> '
                     '<span class="errors" id="id_birth_date_error">', id="field-error"),
        pytest.param({"birth_date": "1950-13-01"}, '<div class="error-summary" role="alert" tabindex="-1"', id="summary"),
        pytest.param({"birth_date": "1950-13-01"}, '<a href="#id_birth_date">生年月日: ', id="summary-link"),
    ],
)
def test_the_form_keeps_what_was_typed_and_its_errors(client_as, data, shown):
    assert shown in search(client_as(Role.WARD_CLERK), **data).content.decode()


def test_search_by_number_shows_the_kana_name(client_as):
    target = make_resident(name_kana="バンゴウ ハナコ")
    body = search(client_as(Role.WARD_CLERK), my_number=target.my_number).content.decode()
    assert "バンゴウ ハナコ" in body


def test_search_query_count_is_pinned(client_as, django_assert_max_num_queries):
    make_resident(name_kana="カズ タロウ")
    client = client_as(Role.WARD_CLERK)
    client.get("/")
    dek_cache_clear()  # a worker that has not seen these persons yet: their keys come with them
    # account with its roles, candidates (with the shown columns and their keys), access log
    with CaptureQueriesContext(connection) as queries:
        assert "カズ タロウ" in search(client, kana_name="カズ タロウ").content.decode()
    assert len(queries) == 3, [q["sql"][:80] for q in queries]
    assert not any(q["sql"].lstrip().startswith('SELECT "crypto_personkey"') for q in queries)


def test_overview_logs_the_person_and_the_household_members_shown(client_as):
    head = make_resident(name_kanji="世帯 主")
    member = make_resident(name_kanji="世帯 員", household_id=head.household_id, relation="spouse")
    body = client_as(Role.WARD_CLERK).get(f"/persons/{member.pk}/").content.decode()
    assert "世帯 主" in body and "世帯 員" in body
    entry = AccessLogEntry.objects.get(function__startswith="person.")
    assert (entry.function, entry.person_ids) == ("person.view", [member.pk, head.pk])


def test_overview_query_count_is_pinned(client_as, django_assert_max_num_queries):
    resident = make_resident()
    client = client_as(Role.WARD_CLERK)
    client.get("/")  # session and roles warm
    with django_assert_max_num_queries(12):
        assert client.get(f"/persons/{resident.pk}/").status_code == 200


@pytest.mark.parametrize(("role", "status"), [(None, 302), (Role.OPERATOR, 403), (Role.AUDITOR, 403), (Role.INQUIRY, 200)])
def test_who_may_open_person_screens(client, client_as, role, status):
    resident = make_resident()
    if role is not None:
        client = client_as(role)
    assert client.get(f"/persons/{resident.pk}/").status_code == status
    assert AccessLogEntry.objects.filter(function="person.view").count() == (1 if status == 200 else 0)
    assert AccessLogEntry.objects.count() == (2 if status == 200 else 0)  # and the premium section's row


def test_unknown_person_is_404_and_not_logged(client_as):
    assert client_as(Role.WARD_CLERK).get("/persons/999999999/").status_code == 404
    assert not AccessLogEntry.objects.exists()


# --- every URL of the project, as every role --------------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_no_screen_or_api_shows_an_unmasked_my_number_or_unlogged_person_data(client_as, role):
    from tests.certification.factories import make_certification

    resident = make_resident(name_kanji="走査 対象")
    client = client_as(role)
    # a record of the person behind every id parameter the crawl finds by its name (a certification
    # and its case: case_id)
    make_certification(resident, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31), actor=client.staff)
    may_see_number = role in NUMBER_USERS
    paths = concrete_paths(resident.pk)
    assert any(re.fullmatch(r"/certification/cases/\d+/", p) for p in paths)  # ids found by the parameter's name
    for path in paths:
        if path.startswith(("/logout", "/login")):
            continue
        before = AccessLogEntry.objects.count()
        body = client.get(path).content.decode(errors="replace")
        if not may_see_number:
            assert resident.my_number not in body, f"{path} shows My Number to {role}"
        if "走査 対象" in body or resident.address in body:
            assert AccessLogEntry.objects.count() > before, f"{path} showed person data without an access-log row"


def test_a_common_name_shows_the_first_page_and_says_so(client_as):
    from eligibility.residents.selectors import SEARCH_LIMIT

    common = [make_resident(name_kana="ドウメイ タロウ") for _ in range(SEARCH_LIMIT + 5)]
    body = search(client_as(Role.WARD_CLERK), kana_name="ドウメイ タロウ").content.decode()
    assert f"上位{SEARCH_LIMIT}件のみ表示" in body
    entry = AccessLogEntry.objects.get()
    assert entry.person_ids == [r.pk for r in common[:SEARCH_LIMIT]] and entry.hits == SEARCH_LIMIT + 5


@pytest.mark.parametrize(("role", "notify_link"), [(Role.WARD_CLERK, True), (Role.INQUIRY, False)])
def test_the_person_heading_of_the_tabs_escapes_names_and_marks_the_tab(client_as, role, notify_link):
    """The heading every person tab shares (the person_heading macro of jinja2/_person.html):
    escaped names, the insured number or 未付番, the current tab marked, the
    notification tab only for those who may record one."""
    target = make_resident(name_kanji="<i>見出</i> 花子", name_kana="ミダシ ハナコ", birth_date=date(1950, 2, 3), ward="asao")
    body = client_as(role).get(f"/persons/{target.pk}/premiums/").content.decode()
    assert "<h1>&lt;i&gt;見出&lt;/i&gt; 花子（ミダシ ハナコ）</h1>" in body and "<i>" not in body
    assert f'<a href="/persons/{target.pk}/" accesskey="0">概要</a>' in body
    assert f'<a href="/persons/{target.pk}/premiums/" accesskey="4" aria-current="page">保険料</a>' in body
    assert f'<a href="/persons/{target.pk}/qualification/" accesskey="1">資格・履歴</a>' in body
    assert ('accesskey="2"' in body) is notify_link
    assert "1950-02-03" in body and "麻生区" in body


@pytest.mark.parametrize(("criteria", "value", "born", "expected"), [
    pytest.param(dict(kana_name="やまだ　たろう"), "ヤマダ タロウ", None, True, id="hiragana-full-width-space"),
    pytest.param(dict(kana_name="ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダ タロウ", None, True, id="half-width"),
    pytest.param(dict(kana_name="ヤマダタロウ"), "ヤマダ　タロウ", None, True, id="stored-with-full-width-space"),
    pytest.param(dict(kana_name="ヤマダ タロウ"), "ヤマダ ジロウ", None, False, id="other-name"),
    pytest.param(dict(kana_name="ヤマダ タロウ"), None, None, False, id="no-value"),
    pytest.param(dict(kana_surname="やまだ", birth_date=date(1950, 1, 2)), "ヤマダ タロウ", date(1950, 1, 2), True,
                 id="surname-and-birth-date"),
    pytest.param(dict(kana_surname="ヤマダ", birth_date=date(1950, 1, 2)), "ヤマダ タロウ", date(1950, 1, 3), False,
                 id="surname-other-birth-date"),
    pytest.param(dict(kana_surname="ヤマダ", birth_date=date(1950, 1, 2)), "", date(1950, 1, 2), False,
                 id="surname-empty-value"),
    pytest.param(dict(insured_number="0000000001"), "ヤマダ タロウ", None, True, id="insured-number"),
])
def test_candidates_are_confirmed_on_the_normalised_value(criteria, value, born, expected):
    from eligibility.residents.selectors import SearchCriteria, _matcher

    assert _matcher(SearchCriteria(**criteria))(value, born) is expected
