"""Ward scope of the person screens and of updates (eligibility/scope.py), and sensitive persons
(支援措置): who sees what, and what the access log flags."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from audit.models import AccessLogEntry
from eligibility import scope
from eligibility.models import Ward
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
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
    entry = AccessLogEntry.objects.get()
    assert (entry.function, entry.person_ids) == (function, [resident.pk])
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
