"""Ward scope of the person screens and of updates (eligibility/residents/scope.py), and sensitive
persons (支援措置): who sees what, and what the access log flags."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from audit.models import AccessLogEntry
from eligibility.codes import Ward
from eligibility.residents import scope
from kaigo.errors import NotPermitted
from kaigo.staff.roles import PERMISSIONS, Organisation, Role
from tests.eligibility.factories import make_resident

HEAD = Organisation.HEAD_OFFICE
NAKAHARA = Organisation.NAKAHARA
VIEWERS = [Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK, Role.INQUIRY]


def staff(organisation, *roles, active=True):
    """An account as the scope functions see it (no database)."""
    return SimpleNamespace(is_authenticated=True, is_active=active, organisation=organisation,
                           active_roles=frozenset(roles))


def resident_in(ward):
    return SimpleNamespace(ward=ward)


# --- the rule, as plain functions -------------------------------------------------------------

@pytest.mark.parametrize(
    ("organisation", "wards"),
    [(HEAD, set(Ward.values)), *[(Ward(w).organisation, {w}) for w in Ward.values], ("", set()), ("other", set())],
)
def test_home_wards_of_each_organisation(organisation, wards):
    assert scope.home_wards(staff(organisation)) == wards


@pytest.mark.parametrize("actor", [None, SimpleNamespace(is_authenticated=False), staff(HEAD, active=False)],
                         ids=["none", "anonymous", "inactive"])
def test_no_account_covers_no_ward(actor):
    assert scope.home_wards(actor) == frozenset()
    assert not scope.person_update_allowed(actor, resident_in("nakahara"))


@pytest.mark.parametrize(
    ("organisation", "ward", "allowed"),
    [
        (HEAD, "kawasaki", True),
        (HEAD, "asao", True),
        (NAKAHARA, "nakahara", True),
        (NAKAHARA, "asao", False),
        (NAKAHARA, "kawasaki", False),
        (Organisation.ASAO, "asao", True),
        (Organisation.ASAO, "nakahara", False),
        ("", "nakahara", False),
    ],
)
def test_updates_only_in_the_own_ward(organisation, ward, allowed):
    actor = staff(organisation, Role.WARD_CLERK)
    assert scope.person_update_allowed(actor, resident_in(ward)) is allowed
    if allowed:
        scope.require_person_update(actor, resident_in(ward))
    else:
        with pytest.raises(NotPermitted, match="他の区の住民の情報は更新できません"):
            scope.require_person_update(actor, resident_in(ward))


@pytest.mark.parametrize(
    ("role", "ward", "allowed", "message"),
    [
        (Role.WARD_CLERK, "nakahara", True, None),
        (Role.INQUIRY, "nakahara", False, "権限がありません"),  # the role first
        (Role.WARD_CLERK, "asao", False, "他の区"),
        (Role.INQUIRY, "asao", False, "権限がありません"),
    ],
)
def test_update_with_a_permission_checks_the_role_too(role, ward, allowed, message):
    actor = staff(NAKAHARA, role)
    assert scope.person_update_allowed(actor, resident_in(ward), permission="qualification.update") is allowed
    if message is None:
        scope.require_person_update(actor, resident_in(ward), permission="qualification.update")
    else:
        with pytest.raises(NotPermitted, match=message):
            scope.require_person_update(actor, resident_in(ward), permission="qualification.update")


@pytest.mark.parametrize(
    ("setting", "organisation", "ward", "visible"),
    [
        ("city", NAKAHARA, "asao", True),
        ("city", NAKAHARA, "nakahara", True),
        ("ward", NAKAHARA, "asao", False),
        ("ward", NAKAHARA, "nakahara", True),
        ("ward", HEAD, "asao", True),
        ("ward", "", "asao", False),
    ],
)
def test_view_scope_follows_the_setting(settings, setting, organisation, ward, visible):
    settings.KAIGO_WARD_VIEW_SCOPE = setting
    assert scope.person_view_allowed(staff(organisation), resident_in(ward)) is visible


def test_an_unknown_view_scope_stops_the_start_up():
    env = {**os.environ, "KAIGO_WARD_VIEW_SCOPE": "prefecture", "DJANGO_SETTINGS_MODULE": "kaigo.settings"}
    done = subprocess.run([sys.executable, "-c", "import kaigo.settings"], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "KAIGO_WARD_VIEW_SCOPE must be 'city' or 'ward'" in done.stderr


# --- the screens ---------------------------------------------------------------------------

def search(client, **data):
    return client.post("/persons/", data)


OVERVIEW_CASES = [
    # (view scope, organisation, resident's ward, status, logged function)
    ("city", NAKAHARA, "nakahara", 200, "person.view"),
    ("city", NAKAHARA, "asao", 200, "person.view.outside_ward"),
    ("city", HEAD, "asao", 200, "person.view"),
    ("ward", NAKAHARA, "nakahara", 200, "person.view"),
    ("ward", NAKAHARA, "asao", 403, "person.view.denied"),
    ("ward", HEAD, "asao", 200, "person.view"),
    ("ward", Organisation.ASAO, "asao", 200, "person.view"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", VIEWERS)
@pytest.mark.parametrize(("setting", "organisation", "ward", "status", "function"), OVERVIEW_CASES)
def test_overview_by_role_organisation_and_ward(client_as, settings, role, setting, organisation, ward, status,
                                                function):
    settings.KAIGO_WARD_VIEW_SCOPE = setting
    resident = make_resident(name_kanji="区域 確認", ward=ward)
    response = client_as(role, organisation=organisation).get(f"/persons/{resident.pk}/")
    body = response.content.decode()
    assert response.status_code == status
    entries = list(AccessLogEntry.objects.order_by("id").values_list("function", "person_ids"))
    # an overview shown: the premium section's own row follows the overview's, with the same flags
    summary = ([(function.replace("person.view", "premium.summary"), [resident.pk])]
               if status == 200 and role in PERMISSIONS["premium.view"] else [])
    assert entries == [(function, [resident.pk]), *summary]
    if status == 403:
        assert "所属する区の住民ではないため表示できません" in body
        assert "区域 確認" not in body and resident.address not in body
    else:
        assert "区域 確認" in body


SEARCH_CASES = [
    # (view scope, organisation, wards shown (of nakahara, asao), logged function)
    ("city", NAKAHARA, {"nakahara", "asao"}, "person.search.outside_ward"),
    ("city", HEAD, {"nakahara", "asao"}, "person.search"),
    ("ward", NAKAHARA, {"nakahara"}, "person.search"),
    ("ward", Organisation.ASAO, {"asao"}, "person.search"),
    ("ward", HEAD, {"nakahara", "asao"}, "person.search"),
    ("ward", Organisation.KAWASAKI, set(), "person.search"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", VIEWERS)
@pytest.mark.parametrize(("setting", "organisation", "shown", "function"), SEARCH_CASES)
def test_search_by_role_organisation_and_ward(client_as, settings, role, setting, organisation, shown, function):
    settings.KAIGO_WARD_VIEW_SCOPE = setting
    people = {ward: make_resident(name_kana="クイキ タロウ", ward=ward) for ward in ("nakahara", "asao")}
    body = search(client_as(role, organisation=organisation), kana_name="クイキ タロウ").content.decode()
    for ward, person in people.items():
        assert (f"/persons/{person.pk}/" in body) is (ward in shown)
    entry = AccessLogEntry.objects.get()
    assert entry.function == function
    assert entry.person_ids == [p.pk for w, p in people.items() if w in shown] and entry.hits == len(shown)


@pytest.mark.django_db
def test_search_of_own_ward_only_is_not_flagged(client_as):
    make_resident(name_kana="ジク タロウ", ward="nakahara")
    search(client_as(Role.WARD_CLERK, organisation=NAKAHARA), kana_name="ジク タロウ")
    assert AccessLogEntry.objects.get().function == "person.search"


# --- sensitive persons (支援措置) ----------------------------------------------------------------

REASON = "試験用の措置理由"
HIDDEN = "支援措置対象のため表示できません"


def make_protected_household(ward="nakahara"):
    """A protected person (sensitive, with a reason) and a household member who is not flagged
    but shares the address; plus an ordinary person of the same name elsewhere."""
    head = make_resident(name_kanji="保護 花子", name_kana="ホゴ ハナコ", ward=ward)
    head.sensitive, head.sensitive_reason = True, REASON
    head.save()
    child = make_resident(name_kanji="保護 次郎", name_kana="ホゴ ジロウ", ward=ward, address=head.address,
                          household_id=head.household_id, relation="child")
    return head, child


def secrets_of(*people) -> list[str]:
    return [REASON, *[p.address for p in people], *[p.phone for p in people]]


@pytest.mark.django_db
def test_the_permission_is_held_by_the_counter_and_certification_roles_only():
    from kaigo.staff.roles import roles_with

    assert roles_with("person.sensitive.view") == {Role.WARD_CLERK, Role.CERTIFICATION_CLERK}


@pytest.mark.parametrize(
    ("role", "organisation", "ward", "visible"),
    [
        (Role.WARD_CLERK, NAKAHARA, "nakahara", True),
        (Role.WARD_CLERK, HEAD, "nakahara", True),
        (Role.CERTIFICATION_CLERK, NAKAHARA, "nakahara", True),
        (Role.WARD_CLERK, Organisation.ASAO, "nakahara", False),  # the permission, another ward
        (Role.CERTIFICATION_CLERK, Organisation.ASAO, "nakahara", False),
        (Role.HEAD_OFFICE_CLERK, HEAD, "nakahara", False),
        (Role.INQUIRY, NAKAHARA, "nakahara", False),
        (Role.AUDITOR, HEAD, "nakahara", False),
    ],
)
def test_sensitive_visible_rule(role, organisation, ward, visible):
    assert scope.sensitive_visible(staff(organisation, role), resident_in(ward)) is visible


SENSITIVE_SCREEN_CASES = [
    # (role, organisation, visible, flag for outside the ward)
    (Role.WARD_CLERK, NAKAHARA, True, ""),
    (Role.WARD_CLERK, HEAD, True, ""),
    (Role.CERTIFICATION_CLERK, NAKAHARA, True, ""),
    (Role.WARD_CLERK, Organisation.ASAO, False, ".outside_ward"),
    (Role.HEAD_OFFICE_CLERK, HEAD, False, ""),
    (Role.INQUIRY, NAKAHARA, False, ""),
    (Role.INQUIRY, Organisation.KAWASAKI, False, ".outside_ward"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "organisation", "visible", "outside"), SENSITIVE_SCREEN_CASES)
def test_sensitive_search_shows_the_name_and_withholds_the_address(client_as, role, organisation, visible, outside):
    head, child = make_protected_household()
    client = client_as(role, organisation=organisation)
    for person, notice in ((head, "支援措置対象"), (child, "支援措置対象者の世帯")):
        body = search(client, kana_name=person.name_kana).content.decode()
        row = body[body.index(f'<a href="/persons/{person.pk}/">'):]
        row = row[: row.index("</tr>")]
        assert person.name_kanji in row and f"<strong>{notice}</strong>" in row
        assert (person.address in row) is visible
        assert (HIDDEN in row) is (not visible)
        assert all(secret not in body for secret in secrets_of(head, child) if not visible)
    functions = list(AccessLogEntry.objects.order_by("id").values_list("function", flat=True))
    assert functions == [f"person.search.sensitive{outside}"] * 2


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "organisation", "visible", "outside"), SENSITIVE_SCREEN_CASES)
def test_sensitive_overview_warns_those_who_may_see_and_hides_from_the_others(client_as, role, organisation,
                                                                              visible, outside):
    head, child = make_protected_household()
    client = client_as(role, organisation=organisation)
    for person in (head, child):
        body = client.get(f"/persons/{person.pk}/").content.decode()
        assert person.name_kanji in body
        assert ("sensitive-banner" in body) is visible
        if visible:
            assert person.address in body and person.phone in body
            assert (REASON in body) is (person == head)  # the reason is the flagged person's
        else:
            assert "住所・電話番号は表示できません" in body and body.count(HIDDEN) == 2
            assert all(secret not in body for secret in secrets_of(head, child))
    entries = list(AccessLogEntry.objects.order_by("id").values_list("function", "person_ids"))
    # each overview's row, then its premium section's (the stage says something of the income),
    # only for roles that may see premiums (not 認定担当)
    premium = role in PERMISSIONS["premium.view"]
    assert entries == [(f"person.view.sensitive{outside}", [head.pk, child.pk]),
                       *[(f"premium.summary.sensitive{outside}", [head.pk])] * premium,
                       (f"person.view.sensitive{outside}", [child.pk, head.pk]),
                       *[(f"premium.summary.sensitive{outside}", [child.pk])] * premium]


@pytest.mark.django_db
def test_a_search_without_protected_persons_is_not_flagged_sensitive(client_as):
    make_protected_household()
    make_resident(name_kana="フツウ タロウ")
    search(client_as(Role.WARD_CLERK, organisation=NAKAHARA), kana_name="フツウ タロウ")
    assert AccessLogEntry.objects.get().function == "person.search"


@pytest.mark.django_db
def test_refused_overview_of_a_protected_person_is_flagged(client_as, settings):
    settings.KAIGO_WARD_VIEW_SCOPE = "ward"
    head, _ = make_protected_household(ward="asao")
    response = client_as(Role.WARD_CLERK, organisation=NAKAHARA).get(f"/persons/{head.pk}/")
    assert response.status_code == 403
    assert AccessLogEntry.objects.get().function == "person.view.denied.sensitive"


WALKERS = [
    # every role at the head office (the walk of test_person_screens), and a clerk of another ward
    *[(role, HEAD) for role in Role],
    (Role.WARD_CLERK, Organisation.ASAO),
    (Role.CERTIFICATION_CLERK, Organisation.KAWASAKI),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "organisation"), WALKERS)
def test_no_screen_gives_a_sensitive_address_to_staff_who_may_not_see_it(client_as, role, organisation):
    from tests.screens import concrete_paths

    head, child = make_protected_household()
    client = client_as(role, organisation=organisation)
    may_see = scope.sensitive_visible(client.staff, head)
    secrets = secrets_of(head, child)
    bodies = {}
    for person in (head, child):
        for path in concrete_paths(person.pk):
            if not path.startswith(("/logout", "/login")):
                bodies[path] = client.get(path).content.decode(errors="replace")
        bodies[f"search {person.pk}"] = search(client, kana_name=person.name_kana).content.decode()
    if may_see:
        assert head.address in bodies[f"/persons/{head.pk}/"]  # the walk would see a leak
    else:
        for where, body in bodies.items():
            assert not [s for s in secrets if s in body], f"{where} shows a protected address, phone or reason to {role}"
