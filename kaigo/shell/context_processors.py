from django.conf import settings

from kaigo.shell.menu import fixed_url, menu_for


def shell(request):
    user = getattr(request, "user", None)
    return {
        "kaigo_synthetic_data": settings.KAIGO_SYNTHETIC_DATA,
        "kaigo_organisation_name": settings.KAIGO_ORGANISATION_NAME,
        "kaigo_home_url": fixed_url("home"),
        "kaigo_menu": menu_for(user) if user is not None and user.is_authenticated else [],
    }
