from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from eligibility import urls as eligibility_urls
from premiums import urls as premiums_urls
from kaigo.shell import views as shell_views

urlpatterns = [
    path("", include("kaigo.shell.urls")),
    path("batches/", include("kaigo.batches.urls")),
    path("persons/", include("eligibility.urls")),
    path("persons/", include("premiums.urls")),
    path("premiums/", include((premiums_urls.office_urlpatterns, "premiums_office"))),
    path("eligibility/", include((eligibility_urls.office_urlpatterns, "eligibility_office"))),
    path("certification/", include("certification.urls")),
    path("benefits/", include("benefits.urls")),
    path("audit/", include("audit.urls")),
    path("staff/", include("kaigo.staff.urls")),
    path("api/batches/", include("kaigo.batches.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

if settings.KAIGO_BENCH:  # reference views of the screen benchmarks (bench/views.py)
    urlpatterns += [path("bench/", include("bench.urls"))]

handler400 = shell_views.bad_request
handler403 = shell_views.permission_denied
handler404 = shell_views.page_not_found
handler500 = shell_views.server_error
