from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse

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
