"""The Japanese names the screens show for the access log's codes (audit.codes): a function with
its flags, a batch kind's code by its label, the kinds of search criteria."""

from __future__ import annotations

import pytest

from audit.codes import FUNCTION_LABELS, criteria_label, function_choices, function_label


@pytest.mark.parametrize(("code", "shown"), [
    pytest.param("person.view", "宛名の閲覧", id="plain"),
    pytest.param("person.view.sensitive", "宛名の閲覧（支援措置対象者）", id="sensitive"),
    pytest.param("person.view.sensitive.outside_ward", "宛名の閲覧（支援措置対象者・他区）", id="two-flags"),
    pytest.param("person.view.outside_ward", "宛名の閲覧（他区）", id="outside-ward"),
    pytest.param("card.print.denied", "証の印刷（拒否）", id="denied"),
    pytest.param("premium.notice.print.denied", "保険料の通知書の印刷（拒否）", id="denied-of-a-long-code"),
    pytest.param("premium.late_charge.exemption", "延滞金の減免", id="snake-in-the-code"),
    pytest.param("premiums.main_levy", "本算定（賦課）", id="batch-kind"),
    pytest.param("nothing.known", "nothing.known", id="unknown-left-for-the-screen-test"),
])
def test_function_label(code, shown):
    if code == "premiums.main_levy":
        from kaigo.batches.registry import label_of

        shown = label_of(code)
        assert shown != code
    assert function_label(code) == shown


@pytest.mark.parametrize(("kinds", "shown"), [
    ("kana_surname,birth_date", "カナ姓・生年月日"),
    ("username,person_id,period", "職員・対象者・期間"),
    ("kana_name", "カナ氏名"),
    ("", ""),
])
def test_criteria_label(kinds, shown):
    assert criteria_label(kinds) == shown


def test_every_named_function_is_offered_in_the_search_after_all():
    choices = function_choices()
    assert choices[0] == ("", "すべて") and {c for c, _ in choices[1:]} == set(FUNCTION_LABELS)
