from __future__ import annotations

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kaigo.shell import health
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import ROLE_DUTIES


def home(request):
    roles = sorted(request.user.active_roles, key=lambda r: list(type(r)).index(r))
    return render(request, "shell/home.html", {"roles": [(r, ROLE_DUTIES[r]) for r in roles]})


@never_cache
@require_GET
def healthz(request):
    """For load balancers and operators: 200 when the web tier can work (database and Redis up),
    503 otherwise. The worker's state is reported but does not fail the probe."""
    report = health.health_report()
    ok = report["database"] == "ok" and report["redis"] == "ok"
    return JsonResponse({"status": "ok" if ok else "down", **report}, status=200 if ok else 503)


@permission_required("system.health")
def system_status(request):
    report = health.health_report(use_cache=False)
    workers = health.worker_names(use_cache=False) if report["redis"] == "ok" else []
    return render(request, "shell/system_status.html", {"report": report, "workers": workers})


# Error pages: plain Japanese, no request data, no traceback (DEBUG is off outside development).
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def method_not_allowed(request, response):
    """The 405 page (kaigo.shell.middleware.ErrorPagesMiddleware), keeping the Allow header."""
    page = render(request, "405.html", status=405)
    page["Allow"] = response.get("Allow", "")
    return page


def not_permitted(request, exception):
    """A NotPermitted error of a view (kaigo.shell.middleware.ErrorPagesMiddleware): the page frame
    with the error's message for staff (outside the ward the office limits views to, ...)."""
    return render(request, "shell/denied.html", {"message": exception.message}, status=403)


def application_error(request, exception):
    """Any other ApplicationError a view let through: its message, with its status."""
    return render(request, "shell/refused.html", {"message": exception.message}, status=exception.http_status)


def server_error(request):
    # No context at all: the failing request's data must not reach the page.
    return HttpResponseServerError(loader.get_template("500.html").render())
