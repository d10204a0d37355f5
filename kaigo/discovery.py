"""The role modules of the installed apps: where the batch framework, the outbox and Celery find
what each app declares.

An app declares its batch kinds in ``batch_kinds.py``, its consumers of domain events in
``consumers.py`` and its Celery tasks in ``tasks.py``, at the top of the app or in each of its
sub-domain packages (``premiums/levy/batch_kinds.py``; docs/README.md, "Inner shape of a domain
app"). These functions list and import them, so that adding a sub-domain needs no list to update.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

# folders of an app that are not sub-domain packages
NOT_SUBDOMAINS = frozenset({"migrations", "management", "templatetags", "templates", "jinja2", "static", "api"})


def app_packages() -> list[str]:
    """Every installed app's package and its sub-domain packages (one level down), in app order."""
    found = []
    for config in apps.get_app_configs():
        found.append(config.name)
        path = getattr(config.module, "__path__", None)
        if path is None:
            continue
        found += [f"{config.name}.{info.name}" for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name)
                  if info.ispkg and info.name not in NOT_SUBDOMAINS]
    return found


def role_modules(role: str) -> list[str]:
    """The modules named ``role`` (``batch_kinds``, ``consumers``, ``tasks``) of every app and
    sub-domain package."""
    return [f"{package}.{role}" for package in app_packages() if find_spec(f"{package}.{role}") is not None]


def autodiscover(role: str) -> None:
    """Import every module named ``role`` (their import registers what they declare)."""
    for name in role_modules(role):
        import_module(name)
