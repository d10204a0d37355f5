from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import JsonResponse

from kaigo.errors import ApplicationError, NotPermitted

# Paths open without signing in: the login page, the health probe, static files.
PUBLIC_PREFIXES = ("/login/", "/healthz", "/static/")


class LoginRequiredMiddleware:
    """Every screen and API call requires a signed-in staff member, unless listed as public.

    Deny by default: a new view is protected without anyone remembering a decorator.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "not_authenticated", "message": "ログインしてください。"}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class ErrorPagesMiddleware:
    """A view's errors become their pages here, in one place, instead of a try block in each view:

    - a record that does not exist (``ObjectDoesNotExist``: ``ResidentNotFound``, a batch run, a
      reduction...) gives the 404 page;
    - ``NotPermitted`` (a person outside the ward the office limits views to, an update outside
      the own ward: the selector or service has logged the refusal) gives the 403 page with the
      error's message for staff;
    - any other ``ApplicationError`` a view lets through gives a page with its message and its
      status (400, or 409 for ``InvalidState``).

    A request with a method the view does not take (a GET of a POST-only action: Django's
    ``require_POST`` answers 405 with an empty body, a blank page) gets the Japanese 405 page.

    Where a form was sent, a service's refusal is shown on the form instead (kaigo.forms.form_run),
    and a view may still catch an error it has a better place for (a notice that cannot be printed
    sends the clerk back to the tab with the message). The REST API maps the same errors to JSON
    (kaigo.errors.api_exception_handler). The messages are the errors' own Japanese texts, which
    never carry personal data (kaigo/errors.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and not request.path.startswith("/api/"):
            from kaigo.shell.views import method_not_allowed

            return method_not_allowed(request, response)
        return response

    def process_exception(self, request, exception):
        from kaigo.shell.views import application_error, not_permitted, page_not_found

        if isinstance(exception, ObjectDoesNotExist):
            return page_not_found(request, exception)
        if isinstance(exception, NotPermitted):
            return not_permitted(request, exception)
        if isinstance(exception, ApplicationError):
            return application_error(request, exception)
        return None
