from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from kaigo.staff.roles import has_permission, roles_with


def permission_required(permission: str):
    """View decorator: 403 unless the staff member holds ``permission``."""
    roles_with(permission)  # fail at import time on an unknown permission name

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_permission(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_permission(permission: str) -> type[BasePermission]:
    """DRF permission class for a named permission."""
    roles_with(permission)

    class HasNamedPermission(BasePermission):
        def has_permission(self, request, view):
            return has_permission(request.user, permission)

    HasNamedPermission.__name__ = f"Has_{permission.replace('.', '_')}"
    return HasNamedPermission
