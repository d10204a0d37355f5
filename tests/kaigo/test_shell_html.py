"""kaigo.shell.html.escape_text: the same text as Django's escape, for what the Python-rendered
page parts join."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from kaigo.shell.html import escape_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("山田 花子", "山田 花子", id="plain"),
        pytest.param("<script>&\"'", "&lt;script&gt;&amp;&quot;&#x27;", id="markup"),
        pytest.param(mark_safe("<b>"), "&lt;b&gt;", id="safe-string-escaped-too"),
        pytest.param(gettext_lazy("<特別徴収>"), "&lt;特別徴収&gt;", id="lazy"),
        pytest.param(12345, "12345", id="number"),
        pytest.param("", "", id="empty"),
    ],
)
def test_escape_text_gives_djangos_text(value, expected):
    assert escape_text(value) == expected == str(escape(value))
    assert type(escape_text(value)) is str  # marked safe once, by the caller, with the whole part
