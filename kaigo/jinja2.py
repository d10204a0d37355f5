"""The template engine of every page: Jinja2, autoescape on (docs/adr/0008-jinja2-templates.md).

Templates live in ``<app>/jinja2/<app>/`` and, for the page frame (``base.html``), the error
pages and the macros several apps share (``_person.html``, ``_forms.html``), in ``jinja2/`` at
the project's root. Every value a template prints is escaped unless it is markup already (a form
field, ``csrf_input``, a macro's output); no page part is joined in Python.

Besides its context, a template may call:

- ``url(name, *args)`` (``reverse``); ``fixed_url(name)`` and ``record_url(name, pk)``, the URLs
  of the frame and of the person tabs reversed once per process (kaigo.shell.menu);
  ``static(path)``; ``htmx_script()``; ``csrf_input`` and ``csrf_token`` (Django's backend);
- the filters ``wareki`` (令和8（2026）年7月31日), ``wareki_month`` (令和8（2026）年7月) and
  ``nendo`` (2026 -> 令和8（2026）年度): the dates a clerk reads, era and Western year together,
  through the documents' one era conversion (kaigo.documents.wareki); ``yen`` (12,345), ``ymd``
  (2026-07-31), ``month`` (2026年7月) and ``localtime(format)`` (an aware time in the office's zone,
  Asia/Tokyo, strftime) for times of operations (a batch run, an access), plain Python for the busy
  tables; ``date`` (Django's date filter, in the office's zone as Django's engine does it),
  ``floatformat`` and ``localize`` (Django's) for the other screens;
- what an app's ``templating`` module declares in ``GLOBALS`` and ``FILTERS`` (eligibility: My
  Number shown or masked), found the way Django finds template tag libraries, so that the core
  names no app.

The context processors of TEMPLATES run as for Django's engine (request, user, messages, the
shell's menu); the view's context wins over them, as it does there.
"""

from __future__ import annotations

import sys
from datetime import date as date_type
from datetime import datetime
from importlib import import_module

import jinja2
from django.apps import apps
from django.middleware.csrf import get_token
from django.template import TemplateSyntaxError
from django.template.backends import jinja2 as django_jinja2
from django.template.defaultfilters import date as django_date
from django.template.defaultfilters import floatformat
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import SimpleLazyObject, lazy
from django.utils.html import format_html
from django.utils.module_loading import module_has_submodule
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django_htmx.jinja import htmx_script

from kaigo.documents.wareki import wareki_western, wareki_western_fiscal_year, wareki_western_month
from kaigo.shell.menu import fixed_url, record_url


def url(name: str, *args, **kwargs) -> str:
    """The path of a URL pattern (Django's ``{% url %}``)."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def yen(value) -> str:
    """12345 -> "12,345" (amounts are int yen; anything else is shown as is). Plain Python:
    humanize's intcomma localises each number, which was most of the premium tab's rendering."""
    return f"{value:,}" if isinstance(value, int) else ("" if value is None else str(value))


def ymd(value) -> str:
    """A date as 2026-07-31 ("" for none), without the date filter's format machinery."""
    return value.isoformat() if value is not None else ""


def month(value) -> str:
    """A month as 2026年7月 (the date filter's "Y年n月"; "" for none)."""
    return f"{value.year}年{value.month}月" if value is not None else ""


def _day(value):
    """A date, the office's calendar day of an aware datetime, or a date written 2026-04-01 (a
    selector's row may carry it as text); anything else is returned as it is."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    if isinstance(value, str):
        try:
            return date_type.fromisoformat(value)
        except ValueError:
            return value
    return value


def wareki(value) -> str:
    """A date (or the office's day of a datetime) as 令和8（2026）年4月1日 ("" for none). A date
    before the Gregorian calendar in Japan (1873), which no era table converts, is shown as
    2026-04-01 rather than wrongly."""
    if value is None:
        return ""
    day = _day(value)
    if not isinstance(day, date_type):
        return str(day)
    try:
        return wareki_western(day)
    except ValueError:
        return day.isoformat()


def wareki_month(value) -> str:
    """The month of a date as 令和8（2026）年4月 ("" for none)."""
    if value is None:
        return ""
    day = _day(value)
    if not isinstance(day, date_type):
        return str(day)
    try:
        return wareki_western_month(day)
    except ValueError:
        return f"{day.year}年{day.month}月"


def nendo(value) -> str:
    """A fiscal year (an int, April to March) as 令和8（2026）年度 ("" for none)."""
    return "" if value is None else wareki_western_fiscal_year(int(value))


def localtime(value, format: str = "%Y-%m-%d %H:%M") -> str:
    """An aware date and time in the office's time zone (TIME_ZONE), formatted by strftime."""
    return timezone.localtime(value).strftime(format) if value is not None else ""


def date(value, format: str) -> str:
    """Django's ``date`` filter (``"Y年n月j日 H:i"``), an aware time first converted to the
    office's time zone as Django's template engine does before calling it."""
    return django_date(template_localtime(value), format)


def environment(**options) -> jinja2.Environment:
    env = jinja2.Environment(**options)
    env.globals.update(url=url, fixed_url=fixed_url, record_url=record_url, static=static, htmx_script=htmx_script)
    env.filters.update(yen=yen, ymd=ymd, month=month, localtime=localtime, date=date, floatformat=floatformat,
                       localize=localize, wareki=wareki, wareki_month=wareki_month, nendo=nendo)
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "templating"):
            module = import_module(f"{app.name}.templating")
            env.globals.update(getattr(module, "GLOBALS", {}))
            env.filters.update(getattr(module, "FILTERS", {}))
    return env


def _csrf_input(token) -> SafeString:
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


_csrf_input_lazy = lazy(_csrf_input, SafeString, str)


class Template(django_jinja2.Template):
    @property
    def name(self) -> str:
        return self.template.name

    def render(self, context=None, request=None):
        values = {}
        if request is not None:
            values["request"] = request
            # The page's CSRF token, masked once however often the page prints it (Django's
            # backend masks a new one, some 0.1 ms, at each use: the frame alone has two).
            token = SimpleLazyObject(lambda: get_token(request))
            values["csrf_token"] = token
            values["csrf_input"] = _csrf_input_lazy(token)
            for processor in self.backend.template_context_processors:
                values.update(processor(request))
        if context:
            values.update(context)
        # The test client fills response.context and response.templates from this signal (as
        # Django's engine sends it under test), listening only while it makes a request: in a
        # server nothing listens, and this look-up is all it costs.
        signals = sys.modules.get("django.test.signals")
        if signals is not None and signals.template_rendered.receivers:
            signals.template_rendered.send(sender=self, template=self, context=values)
        try:
            return self.template.render(values)
        except jinja2.TemplateSyntaxError as exc:
            new = TemplateSyntaxError(exc.args)
            new.template_debug = django_jinja2.get_exception_info(exc)
            raise new from exc


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend (TEMPLATES) whose templates take the view's context over the
    context processors' and tell the test client what they rendered."""

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)
