"""The project's URLs with the audit screens under /audit/ (as the lead engineer will add them
to kaigo/urls.py; if they are there already, they are not added twice)."""

from django.urls import include, path

from kaigo import urls as project_urls

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "audit" for p in urlpatterns):
    urlpatterns.append(path("audit/", include("audit.urls")))
