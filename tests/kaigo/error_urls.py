"""The project's URLs and, under /raise/, views that raise each kind of error (for the error pages'
test: tests/kaigo/test_error_pages.py)."""

from django.urls import path

from kaigo import urls as project_urls
from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.models import Staff

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def missing(request):
    return Staff.objects.get(pk=-1)


def not_permitted(request):
    raise NotPermitted("所属する区の住民ではないため表示できません。")


def invalid_state(request):
    raise InvalidState("この警告は既に確認済みです。")


def refused(request):
    raise ApplicationError("この年度の保険料率表がありません。")


def broken(request):
    raise RuntimeError("secret detail 山田太郎")


urlpatterns = list(project_urls.urlpatterns) + [
    path("raise/missing/", missing),
    path("raise/not-permitted/", not_permitted),
    path("raise/invalid-state/", invalid_state),
    path("raise/refused/", refused),
    path("raise/broken/", broken),
]
