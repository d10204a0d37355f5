"""The Jinja2 environment every page is rendered with (kaigo/jinja2.py): every value escaped unless
it is markup already, as Django's engine escapes it; the filters; the apps' globals; the context
processors under the view's context; what the test client sees; every template compiling."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from kaigo.staff.roles import Role


def jinja(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def django(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("山田 花子", "山田 花子", id="plain"),
        pytest.param("<script>&\"'", "&lt;script&gt;&amp;&#34;&#39;", id="markup"),
        # markup already (a form field, csrf_input, a macro's output) is printed as it is, by
        # both engines: nothing joins HTML in Python any more, so no value needs escaping twice
        pytest.param(mark_safe("<b>"), "<b>", id="safe-string-printed-as-markup"),
        pytest.param(gettext_lazy("<特別徴収>"), "&lt;特別徴収&gt;", id="lazy"),
        pytest.param(12345, "12345", id="number"),
        pytest.param("", "", id="empty"),
    ],
)
def test_every_value_is_escaped_as_djangos_engine_escapes_it(value, expected):
    printed = jinja("{{ value }}", value=value)
    assert printed == expected
    # the same text as Django's engine (which spells the quotes &quot; and &#x27;)
    assert html.unescape(printed) == html.unescape(django("{{ value }}", value=value))


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        pytest.param("{{ v|yen }}", {"v": 1234567}, "1,234,567", id="yen"),
        pytest.param("{{ v|yen }}", {"v": None}, "", id="yen-none"),
        pytest.param("{{ v|yen }}", {"v": "—"}, "—", id="yen-text"),
        pytest.param("{{ v|ymd }}", {"v": date(2026, 7, 31)}, "2026-07-31", id="ymd"),
        pytest.param("{{ v|ymd }}", {"v": None}, "", id="ymd-none"),
        pytest.param("{{ v|month }}", {"v": date(2026, 4, 1)}, "2026年4月", id="month"),
        pytest.param("{{ v|localtime }}", {"v": datetime(2026, 7, 10, 15, 30, tzinfo=dt_timezone.utc)},
                     "2026-07-11 00:30", id="localtime-in-the-offices-zone"),
        pytest.param('{{ v|localtime("%Y-%m-%d %H:%M:%S") }}',
                     {"v": datetime(2026, 7, 10, 15, 30, 5, tzinfo=dt_timezone.utc)}, "2026-07-11 00:30:05",
                     id="localtime-format"),
        pytest.param("{{ v|localize }}", {"v": Decimal("0.50")}, "0.50", id="localize"),
        # 和暦 with the Western year beside it; era boundaries from the eras' first days (昭和64年1月7日
        # was the last day of 昭和, 平成31年4月30日 of 平成), the first year of an era is 元年
        pytest.param("{{ v|wareki }}", {"v": date(2026, 4, 1)}, "令和8（2026）年4月1日", id="wareki"),
        pytest.param("{{ v|wareki }}", {"v": date(2019, 4, 30)}, "平成31（2019）年4月30日", id="wareki-last-heisei"),
        pytest.param("{{ v|wareki }}", {"v": date(2019, 5, 1)}, "令和元（2019）年5月1日", id="wareki-first-reiwa"),
        pytest.param("{{ v|wareki }}", {"v": date(1989, 1, 7)}, "昭和64（1989）年1月7日", id="wareki-last-showa"),
        pytest.param("{{ v|wareki }}", {"v": date(1989, 1, 8)}, "平成元（1989）年1月8日", id="wareki-first-heisei"),
        pytest.param("{{ v|wareki }}", {"v": date(1926, 12, 25)}, "昭和元（1926）年12月25日", id="wareki-first-showa"),
        pytest.param("{{ v|wareki }}", {"v": date(1873, 1, 1)}, "明治6（1873）年1月1日", id="wareki-gregorian-day-1"),
        pytest.param("{{ v|wareki }}", {"v": date(1872, 12, 31)}, "1872-12-31", id="wareki-before-gregorian"),
        pytest.param("{{ v|wareki }}", {"v": None}, "", id="wareki-none"),
        pytest.param("{{ v|wareki }}", {"v": "1944-07-08"}, "昭和19（1944）年7月8日", id="wareki-iso-text"),
        pytest.param("{{ v|wareki }}", {"v": datetime(2026, 3, 31, 15, 0, tzinfo=dt_timezone.utc)},
                     "令和8（2026）年4月1日", id="wareki-of-a-time-is-the-offices-day"),
        pytest.param("{{ v|wareki_month }}", {"v": date(2019, 5, 1)}, "令和元（2019）年5月", id="wareki-month"),
        pytest.param("{{ v|nendo }}", {"v": 2019}, "平成31（2019）年度", id="nendo-by-its-first-day"),
        pytest.param("{{ v|nendo }}", {"v": 2026}, "令和8（2026）年度", id="nendo"),
    ],
)
def test_the_filters(source, context, expected):
    assert jinja(source, **context) == expected


@pytest.mark.parametrize(
    ("jinja_source", "django_source", "value"),
    [
        pytest.param('{{ v|date("Y-m-d H:i:s") }}', '{{ v|date:"Y-m-d H:i:s" }}',
                     datetime(2026, 7, 10, 15, 30, 5, tzinfo=dt_timezone.utc), id="date-aware"),
        pytest.param('{{ v|date("Y年n月j日") }}', '{{ v|date:"Y年n月j日" }}', date(2026, 4, 1), id="date-japanese"),
        pytest.param('{{ v|date("Y-m-d") }}', '{{ v|date:"Y-m-d" }}', None, id="date-none"),
        pytest.param('{{ v|floatformat("0g") }}', '{{ v|floatformat:"0g" }}', 1234567, id="floatformat"),
    ],
)
def test_djangos_filters_give_what_they_give_in_djangos_engine(jinja_source, django_source, value):
    assert jinja(jinja_source, v=value) == django(django_source, v=value)


def test_an_apps_templating_module_adds_its_globals():
    env = engines["jinja2"].env
    assert {"my_number_shown", "sensitive_hidden"} <= set(env.globals)
    assert {"url", "fixed_url", "record_url", "static", "htmx_script"} <= set(env.globals)


@pytest.mark.django_db
def test_the_views_context_wins_over_the_context_processors(rf):
    request = rf.get("/persons/")
    request.user = AnonymousUser()
    template = engines["jinja2"].from_string("{{ kaigo_home_url }} {{ request.path }} {{ csrf_input }}")
    assert template.render({}, request).startswith("/ /persons/ <input type=\"hidden\" name=\"csrfmiddlewaretoken\"")
    assert template.render({"kaigo_home_url": "view"}, request).startswith("view /persons/")


@pytest.mark.django_db
def test_the_test_client_sees_what_a_page_rendered(client_as):
    from eligibility.residents.selectors import SEARCH_LIMIT

    response = client_as(Role.WARD_CLERK).get("/persons/")
    assert response.context["search_limit"] == SEARCH_LIMIT and "kaigo_menu" in response.context
    assert [t.name for t in response.templates] == ["eligibility/resident_search.html"]


def test_every_template_compiles_and_none_is_left_for_djangos_engine(settings):
    env = engines["jinja2"].env
    names = env.list_templates(extensions=["html"])
    assert {"base.html", "404.html", "500.html", "premiums/tab.html", "eligibility/resident_search.html"} <= set(names)
    for name in names:
        source = env.loader.get_source(env, name)[0]
        assert "{% load" not in source and "forloop" not in source, name
        env.get_template(name)
    apps_templates = [p for p in settings.BASE_DIR.glob("*/**/templates/**/*.html") if ".venv" not in p.parts]
    assert apps_templates == []


@pytest.mark.django_db
def test_a_page_masks_its_csrf_token_once(client_as):
    """The frame (htmx header, logout form) and the page's own form print one token."""
    page = client_as(Role.WARD_CLERK).get("/persons/").content.decode()
    printed = re.findall(r'(?:name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")([^"]+)"', page)
    assert len(printed) == 3 and len(set(printed)) == 1
