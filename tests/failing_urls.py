"""A URLconf with one view that fails with personal-looking data in its exception message,
for the tests that prove such a message reaches neither the error page nor a log line."""

from django.urls import path

PERSONAL = "山田太郎 123456789018 川崎市中原区"


def boom(request):
    raise RuntimeError(PERSONAL)


urlpatterns = [path("boom/", boom)]
