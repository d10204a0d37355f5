"""The staff shell: sign-in, deny by default, home per role, menu, health, error pages."""

from __future__ import annotations

import re


import pytest
from django.test import Client
from django.urls import reverse

from kaigo.shell import health
from kaigo.shell.menu import MENU, record_url
from kaigo.staff.roles import PERMISSIONS, ROLE_DUTIES, Role
from tests.factories import TEST_PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/", 302, id="home"),
        pytest.param("/batches/", 302, id="batches"),
        pytest.param("/system/", 302, id="system"),
        pytest.param("/api/batches/", 401, id="api"),
        pytest.param("/api/schema/", 401, id="api-schema"),
        pytest.param("/login/", 200, id="login-page"),
    ],
)
def test_everything_but_login_and_health_needs_a_signed_in_staff_member(client, path, expected):
    response = client.get(path)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/login/?next={path}"
    if expected == 401:
        assert response.json() == {"code": "not_authenticated", "message": "ログインしてください。"}


@pytest.mark.django_db
def test_login_page_is_japanese_and_login_reaches_home(client, make_staff):
    staff = make_staff(Role.WARD_CLERK, display_name="窓口 花子")
    page = client.get("/login/").content.decode()
    assert '<html lang="ja">' in page and "ユーザー名" in page and "パスワード" in page
    response = client.post("/login/", {"username": staff.username, "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    body = response.content.decode()
    assert "窓口 花子 さん" in body
    assert ROLE_DUTIES[Role.WARD_CLERK] in body


@pytest.mark.django_db
def test_wrong_password_is_refused_in_japanese(client, make_staff):
    staff = make_staff(Role.WARD_CLERK)
    response = client.post("/login/", {"username": staff.username, "password": "wrong-password-123"})
    assert response.status_code == 200
    assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        pytest.param(Role.WARD_CLERK, ["ホーム"], ["バッチ処理", "システム状態"], id="ward-clerk"),
        pytest.param(Role.OPERATOR, ["ホーム", "バッチ処理", "システム状態"], [], id="operator"),
        pytest.param(Role.AUDITOR, ["ホーム", "バッチ処理"], ["システム状態"], id="auditor"),
        pytest.param(Role.INQUIRY, ["ホーム"], ["バッチ処理", "システム状態"], id="inquiry"),
    ],
)
def test_home_shows_each_role_its_duties_and_only_its_menu(client_as, role, visible, hidden):
    body = client_as(role).get("/").content.decode()
    nav = body.split('aria-label="メインメニュー"')[1].split("</nav>")[0]
    assert ROLE_DUTIES[role] in body
    for label in visible:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav


@pytest.mark.django_db
def test_staff_without_roles_is_told_whom_to_ask(client_as):
    body = client_as().get("/").content.decode()
    assert "役割が付与されていません" in body


def test_every_menu_entry_resolves_and_names_a_known_permission():
    for entry in MENU:
        assert reverse(entry.url_name)
        assert entry.permission is None or entry.permission in PERMISSIONS
    assert len({e.accesskey for e in MENU if e.accesskey}) == len([e for e in MENU if e.accesskey])


@pytest.mark.parametrize("url_name", ["eligibility:overview", "eligibility:qualification", "premiums:tab"])
@pytest.mark.parametrize("pk", [1, 100000013, 987654321987])
def test_record_urls_are_the_reversed_ones(url_name, pk):
    assert record_url(url_name, pk) == reverse(url_name, args=[pk])


def test_every_role_has_duties_text():
    assert set(ROLE_DUTIES) == set(Role)


@pytest.mark.django_db
def test_every_screen_carries_the_synthetic_data_banner_when_enabled(client_as, settings):
    settings.KAIGO_SYNTHETIC_DATA = True
    client = client_as(Role.OPERATOR)
    for path in ["/", "/batches/", "/system/"]:
        assert "合成データ（架空の人物）" in client.get(path).content.decode(), path
    assert "合成データ（架空の人物）" in Client().get("/login/").content.decode()
    settings.KAIGO_SYNTHETIC_DATA = False
    assert "合成データ" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client_as):
    client = client_as(Role.WARD_CLERK)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_frame_names_the_staff_member_marks_the_page_and_logs_out_with_its_own_token(make_staff):
    """The header and menu of base.html (jinja2/base.html), with CSRF
    checks on as in a browser: the logout form's token is the one the middleware accepts."""
    staff = make_staff(Role.WARD_CLERK, display_name="山田<花子>")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    html = client.get("/persons/").content.decode()
    assert "山田&lt;花子&gt;（" in html and "<花子>" not in html
    assert '<a href="/persons/" accesskey="p" aria-current="page">宛名検索</a>' in html
    assert '<a href="/" accesskey="h">ホーム</a>' in html
    token = re.search(r'action="/logout/" class="inline"><input type="hidden" name="csrfmiddlewaretoken" '
                      r'value="([^"]+)">', html).group(1)
    assert client.post("/logout/").status_code == 403  # without the token
    response = client.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


# --- health ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_each_part_without_login(client, monkeypatch):
    monkeypatch.setattr(health, "worker_names", lambda use_cache=True: ["worker@host"])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_without_a_worker_is_still_up_but_says_so(client, monkeypatch):
    monkeypatch.setattr(health, "worker_names", lambda use_cache=True: [])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "down"


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_unreachable(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(health, "worker_names", lambda use_cache=True: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "redis": "down", "worker": "down"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(health, "check_database", lambda: False)
    monkeypatch.setattr(health, "worker_names", lambda use_cache=True: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.celery_worker
def test_healthz_sees_a_real_worker(start_worker, client):
    worker = start_worker(concurrency=1)
    names = health.worker_names(use_cache=False)
    assert worker.hostname in names
    assert client.get("/healthz").json()["worker"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.OPERATOR, 200), (Role.SECTION_CHIEF, 200), (Role.WARD_CLERK, 403)])
def test_system_status_screen_is_for_operators_and_chiefs(client_as, role, status, monkeypatch):
    monkeypatch.setattr(health, "worker_names", lambda use_cache=True: [])
    response = client_as(role).get("/system/")
    assert response.status_code == status
    if status == 200:
        assert 'データベース（<span translate="no">PostgreSQL</span>）' in response.content.decode()


# --- error pages -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.urls("tests.failing_urls")
def test_server_error_page_shows_no_data_and_no_traceback(make_staff, settings):
    settings.DEBUG = False
    staff = make_staff(Role.WARD_CLERK)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    response = client.get("/boom/?name=山田太郎")
    body = response.content.decode()
    assert response.status_code == 500
    assert "システムエラーが発生しました" in body
    for fragment in ["山田", "123456789018", "Traceback", "RuntimeError", "boom"]:
        assert fragment not in body


@pytest.mark.django_db
def test_not_found_and_forbidden_pages_are_japanese(client_as, settings):
    settings.DEBUG = False
    client = client_as(Role.WARD_CLERK)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "ページが見つかりません" in missing.content.decode()
    forbidden = client.get("/batches/")
    assert forbidden.status_code == 403 and "権限がありません" in forbidden.content.decode()
