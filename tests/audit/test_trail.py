"""The change trail: every write path of personal data leaves an event row, with who made it,
with encrypted fields as ciphertext only, never the password hash; the event tables are
append-only and the trail cannot be switched off per session."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps

if not (apps.is_installed("pghistory") and apps.is_installed("pgtrigger")):  # see test_trail_settings.py
    pytest.skip("the change trail's apps are not installed", allow_module_level=True)

import pghistory.runtime
import pgtrigger
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from audit.trail import TrailMiddleware, trail_context, trail_context_active, trail_context_bind
from audit.trail_models import RoleGrantEvent, StaffEvent, trail_event_models
from eligibility.codes import Ward
from eligibility.models import Household, Resident
from eligibility.trail import HouseholdEvent, ResidentEvent
from kaigo.crypto import envelope
from kaigo.crypto.deks import dek_for
from kaigo.crypto.errors import CorruptCiphertext, ShreddedPerson
from kaigo.crypto.fields import EncryptedTextField
from kaigo.crypto.services import person_key_create, person_shred
from kaigo.db import number_allocate
from kaigo.staff.models import RoleGrant, Staff
from kaigo.staff.roles import Role
from synthetic.city import generate
from tests.audit.test_append import as_role, roles  # noqa: F401  (a fixture)
from tests.eligibility.factories import make_resident
from tests.staff.helpers import satisfy_second_factor

pytestmark = pytest.mark.django_db

EVENT_TABLES = ["eligibility_residentevent", "eligibility_householdevent", "audit_staffevent", "audit_rolegrantevent",
                "eligibility_residencespellevent", "eligibility_facilitystayevent", "eligibility_insurednumberevent",
                "eligibility_qualificationperiodevent", "premiums_premiumratetableevent", "premiums_premiumstageevent",
                "premiums_premiumcollectionplanevent", "premiums_taxfactevent", "premiums_pensionfactevent",
                "premiums_paymentevent", "premiums_settlementevent", "premiums_writeoffevent", "premiums_reductionevent",
                "premiums_deductionstopevent", "premiums_preliminarypaymentevent",
                # issue 16: counter receipts, late charges paid and exempted, refunds' transfers
                "premiums_counterreceiptevent", "premiums_latechargepaymentevent",
                "premiums_latechargeexemptionevent", "premiums_banktransferlineevent",
                # issue 17: payments of a file held for a clerk's decision
                "premiums_heldpaymentevent",
                # issue 16 item 8: the facility master, moves entered by hand
                "eligibility_facilityevent", "eligibility_manualmoveevent",
                # issue 18: certification's cases, papers, certifications and the stages' records
                "certification_casetrailevent", "certification_receivedpaperevent", "certification_certificationevent",
                "certification_surveyevent", "certification_opinionevent", "certification_primaryresultevent",
                "certification_boardresultevent",
                # issue 19 item 10: the basic checklists and the 事業対象者 of regional support
                "benefits_checklistevent", "benefits_participantevent",
                # issue 19 item 8: benefit restrictions and the installments excused from them
                "benefits_restrictiontrailevent", "benefits_excusedinstallmentevent",
                # issue 19 item 7: facility cost limit applications and decisions
                "benefits_limitapplicationevent",
                # issue 19 item 4: the register of received high-cost refund applications
                "benefits_highcostapplicationevent"]
NAME_FIELD = Resident._meta.get_field("name_kanji")


def resident_events(resident_id: int) -> list[ResidentEvent]:
    return list(ResidentEvent.objects.filter(pgh_obj_id=resident_id).order_by("pgh_id"))


def labels(events) -> list[str]:
    return [e.pgh_label for e in events]


def raw_rows(table: str, obj_id: int) -> list[tuple[str, list[bytes]]]:
    """Each event row of ``obj_id`` as PostgreSQL prints it (bytea in hex), with its bytea values."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND data_type = 'bytea'", [table]
        )
        binary = ", ".join(f"e.{name}" for (name,) in cursor.fetchall()) or "NULL"
        cursor.execute(f"SELECT e::text, {binary} FROM {table} e WHERE e.pgh_obj_id = %s ORDER BY e.pgh_id", [obj_id])
        return [(row[0], [bytes(v) for v in row[1:] if v is not None]) for row in cursor.fetchall()]


def assert_no_plaintext(table: str, obj_id: int, *plaintexts: str) -> None:
    rows = raw_rows(table, obj_id)
    assert rows
    for text, blobs in rows:
        for plain in plaintexts:
            encoded = plain.encode("utf-8")
            assert plain not in text
            assert encoded.hex() not in text.lower()  # bytea is printed in hex
            assert all(encoded not in blob for blob in blobs)


def new_household(ward: str = Ward.NAKAHARA) -> Household:
    (household_id,) = number_allocate("eligibility_household_number_seq")
    return Household.objects.create(id=household_id, ward=ward)


def unsaved_resident(household: Household, name: str) -> Resident:
    """A resident built the way a batch builds one: its number and data key first, then the
    encrypted values (sealed in pre_save, bound to the row)."""
    (resident_id,) = number_allocate("eligibility_resident_number_seq")
    person_key_create(person_id=resident_id)
    resident = Resident(id=resident_id, household=household, sex="2", birth_date=date(1948, 5, 5), ward=household.ward,
                        kana_name_bidx=1, kana_surname_birth_bidx=1)
    resident.name_kanji = name
    resident.name_kana = "シケン ハナコ"
    resident.address = "川崎市中原区試験町9-9-9"
    return resident


# --- the set-up under test ----------------------------------------------------------------------------


def test_migrations_and_installed_triggers_match_the_models(capsys):
    """A tracked model changed without a new audit migration (or a trigger edited in the
    database) shows here: the trail would silently miss the new column."""
    call_command("makemigrations", "audit", "eligibility", "staff", "premiums", "benefits", check=True, dry_run=True)
    assert "No changes detected" in capsys.readouterr().out
    registered = pgtrigger.registered()
    assert {(m._meta.db_table, t.name) for m, t in registered} == {
        (table, f"{label}_{label}")
        for table in ["eligibility_resident", "eligibility_household", "staff_staff", "staff_rolegrant",
                      "eligibility_residencespell", "eligibility_facilitystay", "eligibility_insurednumber",
                      "eligibility_qualificationperiod", "premiums_premiumratetable", "premiums_premiumstage",
                      "premiums_premiumcollectionplan", "premiums_taxfact", "premiums_pensionfact",
                      "premiums_payment", "premiums_settlement", "premiums_writeoff", "premiums_reduction",
                      "premiums_deductionstop", "premiums_preliminarypayment", "premiums_counterreceipt",
                      "premiums_latechargepayment", "premiums_latechargeexemption", "premiums_banktransferline",
                      "premiums_heldpayment", "eligibility_facility", "eligibility_manualmove",
                      "certification_case", "certification_receivedpaper", "certification_certification",
                      "certification_survey", "certification_opinion", "certification_primaryresult",
                      "certification_boardresult", "benefits_checklist", "benefits_participant",
                      "benefits_restriction", "benefits_excusedinstallment", "benefits_limitapplication",
                      "benefits_highcostapplication"]
        for label in ["insert", "update", "delete"]
    }
    for model, trigger in registered:
        assert trigger.get_installation_status(model) == ("INSTALLED", True), (model, trigger.name)


def test_no_event_model_can_decrypt_and_blind_indexes_are_not_copied():
    assert {m._meta.db_table for m in trail_event_models()} == set(EVENT_TABLES)
    for model in trail_event_models():
        assert model._meta.get_field("pgh_id").get_internal_type() == "BigAutoField"
        assert not [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    encrypted = {f.name: f.column for f in Resident._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    copied = {f.name: (type(f).__name__, f.column) for f in ResidentEvent._meta.concrete_fields}
    assert {name: copied[name] for name in encrypted} == {name: ("BinaryField", column) for name, column in encrypted.items()}
    assert not {"my_number_bidx", "kana_name_bidx", "kana_surname_birth_bidx", "created_at", "updated_at"} & set(copied)
    assert not {"password", "last_login"} & {f.name for f in StaffEvent._meta.concrete_fields}


def test_each_app_owns_its_trail_and_fills_the_person_trail_registry():
    """Issue 15: the event models belong to the app of the tracked table (core's staff tables: to
    audit, through its proxies); the person-trail screen's sources come from the apps."""
    from audit.trail_models import PersonTrailSource, person_trail_source, person_trail_sources
    from premiums.trail import PaymentEvent

    owners = {m._meta.db_table: m._meta.app_label for m in trail_event_models()}
    assert owners == {table: table.split("_")[0] for table in EVENT_TABLES}
    assert (ResidentEvent.pgh_tracked_model, PaymentEvent.pgh_tracked_model._meta.label) == (Resident, "premiums.Payment")
    assert StaffEvent.pgh_tracked_model._meta.label == "audit.TrackedStaff"

    sources = person_trail_sources()
    assert [(s.key, s.rank, s.label, s.table) for s in sources.values()] == [
        ("r", 2, "宛名", "eligibility_residentevent"), ("h", 1, "世帯", "eligibility_householdevent"),
        ("c", 3, "認定申請", "certification_casetrailevent"), ("n", 4, "認定", "certification_certificationevent"),
        ("u", 5, "認定調査", "certification_surveyevent"), ("o", 6, "主治医意見書", "certification_opinionevent"),
        ("p", 7, "一次判定", "certification_primaryresultevent"), ("b", 8, "二次判定", "certification_boardresultevent"),
        ("k", 20, "基本チェックリスト", "benefits_checklistevent"), ("j", 21, "事業対象者", "benefits_participantevent"),
        ("z", 41, "給付制限", "benefits_restrictiontrailevent"), ("y", 42, "特別の事情による除外", "benefits_excusedinstallmentevent"),
        ("l", 43, "負担限度額認定", "benefits_limitapplicationevent"),
        ("x", 44, "高額介護サービス費の申請書", "benefits_highcostapplicationevent"),
    ]
    resident = sources["r"]
    assert resident.encrypted == {f.name for f in Resident._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    assert [f.name for f in resident.fields] == [
        f.name for f in Resident._meta.concrete_fields
        if not f.primary_key and f.name not in {"my_number_bidx", "kana_name_bidx", "kana_surname_birth_bidx",
                                                "created_at", "updated_at"}
    ]
    for key, rank in [("r", 9), ("q", 2), ("rr", 9), ("R", 9)]:  # a used key or rank, or not one letter
        with pytest.raises(ValueError):
            person_trail_source(HouseholdEvent, key=key, rank=rank, label="x", where="true")
    assert person_trail_sources() == sources
    assert all(isinstance(s, PersonTrailSource) for s in sources.values())


# --- every write path -----------------------------------------------------------------------------------


def test_save_records_insert_update_and_delete_events():
    head = make_resident()
    member = make_resident(household_id=head.household_id, relation="child")
    assert labels(resident_events(head.pk)) == ["insert"]
    assert labels(HouseholdEvent.objects.filter(pgh_obj_id=head.household_id).order_by("pgh_id")) == ["insert", "update"]

    member.ward = Ward.TAMA
    member.save()
    member_id = member.pk
    member.delete()
    events = resident_events(member_id)
    assert labels(events) == ["insert", "update", "delete"]
    assert [(e.ward, e.household_id, e.relation) for e in events] == [
        (Ward.NAKAHARA, head.household_id, "child"), (Ward.TAMA, head.household_id, "child"),
        (Ward.TAMA, head.household_id, "child"),  # the row as it was when deleted
    ]


def test_queryset_update_records_one_event_per_row():
    a, b = make_resident(), make_resident()
    updated = Resident.objects.filter(pk__in=[a.pk, b.pk]).update(status="moved_out", moved_out_on=date(2026, 4, 1))
    assert updated == 2
    for resident in (a, b):
        (update,) = [e for e in resident_events(resident.pk) if e.pgh_label == "update"]
        assert (update.status, update.moved_out_on) == ("moved_out", date(2026, 4, 1))


def test_bulk_create_records_insert_events():
    household = new_household()
    residents = Resident.objects.bulk_create([unsaved_resident(household, f"一括 花子{i}") for i in range(3)])
    for resident in residents:
        (insert,) = resident_events(resident.pk)
        assert (insert.pgh_label, insert.household_id) == ("insert", household.pk)
        stored = Resident.objects.filter(pk=resident.pk).values_list("name_kanji_ct", flat=True).get()
        assert bytes(insert.name_kanji) == bytes(stored)
    assert_no_plaintext("eligibility_residentevent", residents[0].pk, "一括 花子0", "川崎市中原区試験町9-9-9")


def test_bulk_update_with_sealed_ciphertext_records_the_new_ciphertext():
    a, b = make_resident(name_kanji="試験 旧名一"), make_resident(name_kanji="試験 旧名二")
    for resident, name in [(a, "試験 新名一"), (b, "試験 新名二")]:
        resident.name_kanji_ct = NAME_FIELD.seal(resident, name)
    Resident.objects.bulk_update([a, b], ["name_kanji"])
    for resident, old, new in [(a, "試験 旧名一", "試験 新名一"), (b, "試験 旧名二", "試験 新名二")]:
        insert, update = resident_events(resident.pk)
        assert update.pgh_label == "update"
        assert bytes(update.name_kanji) == bytes(resident.name_kanji_ct)
        assert bytes(update.name_kanji) != bytes(insert.name_kanji)
        assert bytes(update.address) == bytes(insert.address)  # untouched columns copied as they are
        assert Resident.objects.get(pk=resident.pk).name_kanji == new
        assert_no_plaintext("eligibility_residentevent", resident.pk, old, new)


def test_raw_sql_update_and_delete_are_recorded():
    head = make_resident()
    member = make_resident(household_id=head.household_id, relation="spouse")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE eligibility_resident SET status = 'deceased', died_on = %s WHERE id = %s",
                       [date(2026, 3, 31), member.pk])
        cursor.execute("DELETE FROM eligibility_residencespell WHERE resident_id = %s", [member.pk])
        cursor.execute("DELETE FROM eligibility_householdmembership WHERE resident_id = %s", [member.pk])
        cursor.execute("DELETE FROM eligibility_resident WHERE id = %s", [member.pk])
    events = resident_events(member.pk)
    assert [(e.pgh_label, e.status, e.died_on) for e in events] == [
        ("insert", "resident", None), ("update", "deceased", date(2026, 3, 31)), ("delete", "deceased", date(2026, 3, 31)),
    ]
    assert [e.pgh_context for e in events] == [None, None, None]  # no context was given: still recorded


def test_copy_of_the_synthetic_city_records_an_insert_event_per_row():
    written = generate(residents=20, seed=1, as_of=date(2026, 4, 1))
    assert written == 20
    resident_ids = set(Resident.objects.values_list("pk", flat=True))
    events = list(ResidentEvent.objects.filter(pgh_obj_id__in=resident_ids))
    assert sorted(e.pgh_obj_id for e in events) == sorted(resident_ids)
    assert {e.pgh_label for e in events} == {"insert"}
    households = set(Household.objects.values_list("pk", flat=True))
    assert set(HouseholdEvent.objects.filter(pgh_label="insert").values_list("pgh_obj_id", flat=True)) == households
    stored = dict(Resident.objects.values_list("pk", "address_ct"))
    assert all(bytes(e.address) == bytes(stored[e.pgh_obj_id]) for e in events)


def test_copy_inside_a_bound_trail_context_records_who(make_staff):
    operator = make_staff(Role.OPERATOR, username="operator01")
    (household_id,) = number_allocate("eligibility_household_number_seq")
    with transaction.atomic(), trail_context(actor=operator, batch_run_id=42, function="city.generate"):
        trail_context_bind()
        with connection.cursor() as cursor, cursor.copy("COPY eligibility_household (id, ward) FROM STDIN") as copy:
            copy.write_row((household_id, Ward.ASAO))
    (event,) = HouseholdEvent.objects.filter(pgh_obj_id=household_id)
    assert (event.pgh_label, event.ward) == ("insert", Ward.ASAO)
    assert event.pgh_context == {
        "staff_id": operator.pk, "username": "operator01", "function": "city.generate", "batch_run_id": 42,
    }
    assert event.pgh_context_id is not None


def test_an_update_that_changes_no_tracked_column_writes_no_event():
    resident = make_resident()
    with connection.cursor() as cursor:  # the row's own timestamp and a blind index are not copied
        cursor.execute("UPDATE eligibility_resident SET updated_at = now(), kana_name_bidx = 7 WHERE id = %s",
                       [resident.pk])
    Resident.objects.filter(pk=resident.pk).update(ward=Ward.NAKAHARA)  # the value it had
    assert labels(resident_events(resident.pk)) == ["insert"]


# --- encrypted fields ----------------------------------------------------------------------------------------


def test_an_encrypted_field_update_is_recorded_as_changed_ciphertext_never_as_plaintext():
    resident = make_resident(name_kanji="暗号 変更前", phone="044-111-2222")
    resident.name_kanji = "暗号 変更後"
    resident.save()
    insert, update = resident_events(resident.pk)
    assert update.pgh_label == "update"
    assert bytes(update.name_kanji) != bytes(insert.name_kanji)
    assert bytes(update.name_kanji)[:2] == b"E1"  # the envelope format: sealed, not plain
    assert bytes(update.phone) == bytes(insert.phone)  # unchanged ciphertext stays identical
    assert_no_plaintext("eligibility_residentevent", resident.pk, "暗号 変更前", "暗号 変更後", "044-111-2222",
                        resident.my_number, resident.address)


def test_event_ciphertext_stays_bound_to_the_original_row_and_is_shredded_with_the_person():
    resident = make_resident(name_kanji="鍵 太郎")
    (event,) = resident_events(resident.pk)
    sealed = bytes(event.name_kanji)
    dek, _ = dek_for(resident.pk)
    original = envelope.field_aad("eligibility_resident", "name_kanji_ct", resident.pk, resident.pk)
    assert envelope.open_sealed(dek, sealed, original) == "鍵 太郎"  # the key opens it only for its own row
    for elsewhere in [
        envelope.field_aad("eligibility_residentevent", "name_kanji_ct", resident.pk, event.pgh_id),
        envelope.field_aad("eligibility_resident", "name_kana_ct", resident.pk, resident.pk),
    ]:
        with pytest.raises(CorruptCiphertext):
            envelope.open_sealed(dek, sealed, elsewhere)
    person_shred(person_id=resident.pk, actor=None, reason="保存期間の経過")
    with pytest.raises(ShreddedPerson):
        dek_for(resident.pk)  # the event's copy is as unreadable as the row


# --- who made the change ----------------------------------------------------------------------------------------


def test_trail_context_records_actor_function_and_batch_run(make_staff):
    clerk = make_staff(Role.WARD_CLERK, username="clerk01")
    resident = make_resident()
    with trail_context(actor=clerk, function="person.update"):
        Resident.objects.filter(pk=resident.pk).update(ward=Ward.SAIWAI)
    with trail_context(batch_run_id=9, function="eligibility.intake"):
        Resident.objects.filter(pk=resident.pk).update(ward=Ward.TAMA)
    first, second = [e for e in resident_events(resident.pk) if e.pgh_label == "update"]
    assert first.pgh_context == {"staff_id": clerk.pk, "username": "clerk01", "function": "person.update"}
    assert second.pgh_context == {"function": "eligibility.intake", "batch_run_id": 9}
    assert first.pgh_context_id != second.pgh_context_id


def test_a_nested_trail_context_adds_its_keys_for_its_block_only(make_staff):
    operator = make_staff(Role.OPERATOR, username="operator02")
    resident = make_resident()
    with trail_context(actor=operator, batch_run_id=5, function="crypto.rotate"):
        with trail_context(function="person.update"):
            Resident.objects.filter(pk=resident.pk).update(ward=Ward.SAIWAI)
        Resident.objects.filter(pk=resident.pk).update(ward=Ward.TAMA)
    inner, outer = [e for e in resident_events(resident.pk) if e.pgh_label == "update"]
    assert inner.pgh_context == {"staff_id": operator.pk, "username": "operator02", "function": "person.update",
                                 "batch_run_id": 5}
    assert outer.pgh_context == {"staff_id": operator.pk, "username": "operator02", "function": "crypto.rotate",
                                 "batch_run_id": 5}
    assert inner.pgh_context_id == outer.pgh_context_id  # one context: the batch
    assert getattr(pghistory.runtime._tracker, "value", None) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"function": "山田 太郎"}, id="text-as-function"),
        pytest.param({"function": "person"}, id="function-without-dot"),
        pytest.param({"function": "person.update", "batch_run_id": "42"}, id="batch-run-as-text"),
        pytest.param({"function": "person.update", "batch_run_id": 0}, id="batch-run-zero"),
        pytest.param({"function": "person.update", "batch_run_id": True}, id="batch-run-bool"),
    ],
)
def test_trail_context_takes_codes_and_numbers_only(kwargs):
    with pytest.raises(ValueError) as refused:
        with trail_context(**kwargs):
            pass
    assert "山田" not in str(refused.value)


def test_trail_context_bind_needs_a_context_and_a_transaction(monkeypatch):
    assert not trail_context_active()
    with pytest.raises(RuntimeError, match="no trail context is active"), transaction.atomic():
        trail_context_bind()
    with trail_context(function="city.generate"):
        assert trail_context_active()
    monkeypatch.setattr("audit.trail.connection", SimpleNamespace(in_atomic_block=False))  # outside any transaction
    with pytest.raises(TransactionManagementError), trail_context(function="city.generate"):
        trail_context_bind()


# --- staff and role grants --------------------------------------------------------------------------------------


def staff_rows_text(staff_id: int) -> str:
    return "\n".join(text for text, _ in raw_rows("audit_staffevent", staff_id))


def test_staff_events_never_hold_the_password_hash_nor_the_last_login(make_staff):
    staff = make_staff(username="staff_trail")
    first_hash = Staff.objects.get(pk=staff.pk).password
    assert labels(StaffEvent.objects.filter(pgh_obj_id=staff.pk)) == ["insert"]

    staff.set_password("another-long-passphrase-77")
    staff.save(update_fields=["password"])
    Staff.objects.filter(pk=staff.pk).update(last_login="2026-04-01T09:00:00+09:00")
    assert labels(StaffEvent.objects.filter(pgh_obj_id=staff.pk)) == ["insert"]  # neither is tracked

    staff.set_password("a-third-long-passphrase-88")
    staff.display_name = "職員 改名"
    staff.save()
    events = list(StaffEvent.objects.filter(pgh_obj_id=staff.pk).order_by("pgh_id"))
    assert [(e.pgh_label, e.display_name) for e in events] == [("insert", events[0].display_name),
                                                                ("update", "職員 改名")]
    text = staff_rows_text(staff.pk)
    for password_hash in [first_hash, Staff.objects.get(pk=staff.pk).password]:
        assert password_hash not in text
        assert password_hash.split("$")[-1] not in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_staffevent'")
        columns = {name for (name,) in cursor.fetchall()}
    assert not {"password", "last_login"} & columns


def test_a_password_reset_on_the_screen_records_the_chief_and_the_url_not_the_hash(client_as, make_staff):
    clerk = make_staff(Role.WARD_CLERK, username="clerk_reset")
    client = client_as(Role.SECTION_CHIEF, username="chief01")
    response = client.post(f"/staff/{clerk.pk}/password-reset/")
    assert response.status_code == 200
    (event,) = StaffEvent.objects.filter(pgh_obj_id=clerk.pk, pgh_label="update")
    assert event.must_change_password is True and event.temporary_password_expires_at is not None
    assert event.pgh_context == {"staff_id": client.staff.pk, "username": "chief01",
                                 "url": f"/staff/{clerk.pk}/password-reset/"}
    new_hash = Staff.objects.get(pk=clerk.pk).password
    assert new_hash not in staff_rows_text(clerk.pk)
    assert response.context["temporary_password"] not in staff_rows_text(clerk.pk)


def test_role_grants_and_revocations_are_recorded(make_staff):
    chief = make_staff(Role.SECTION_CHIEF)
    grant = RoleGrant.objects.get(staff=chief)
    with trail_context(actor=chief, function="staff.role_revoke"):
        RoleGrant.objects.filter(pk=grant.pk).update(revoked_at=grant.valid_from, revoke_reason="異動",
                                                      revocation_recorded_at=grant.valid_from, revoked_by=chief)
    insert, revoke = RoleGrantEvent.objects.filter(pgh_obj_id=grant.pk).order_by("pgh_id")
    assert (insert.pgh_label, insert.role, insert.revoked_at) == ("insert", Role.SECTION_CHIEF, None)
    assert (revoke.pgh_label, revoke.revoke_reason, revoke.revoked_by_id) == ("update", "異動", chief.pk)
    assert revoke.pgh_context["function"] == "staff.role_revoke"


# --- append-only, and no switching off ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", EVENT_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET pgh_label = 'x'", "DELETE FROM {table}"])
def test_the_event_tables_refuse_update_and_delete_even_to_the_superuser(table, statement, make_staff):
    make_staff(Role.SECTION_CHIEF)  # a staff and a role-grant event
    make_resident()  # resident and household events
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert refused.value.__cause__.sqlstate == "42501"
    assert f"{table} is append-only" in str(refused.value)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE pgh_label = 'x'")
        assert cursor.fetchone() == (0,)


def test_the_event_models_refuse_orm_writes():
    resident = make_resident()
    (event,) = resident_events(resident.pk)
    for attempt in [
        event.save, event.delete, ResidentEvent.objects.all().delete,
        lambda: ResidentEvent.objects.update(pgh_label="x"),
        lambda: ResidentEvent.objects.bulk_create([ResidentEvent(pgh_label="x")]),
    ]:
        with pytest.raises(TypeError):
            attempt()


def test_pgtrigger_ignore_cannot_switch_the_trail_off():
    resident = make_resident()
    with pgtrigger.ignore("eligibility.Resident:update_update"):
        with pytest.raises(DatabaseError) as refused, transaction.atomic():
            Resident.objects.filter(pk=resident.pk).update(ward=Ward.ASAO)
    assert refused.value.__cause__.sqlstate == "42501"
    assert "cannot be switched off" in str(refused.value)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{pgtrigger_delete_delete_3c546}', true)")
        cursor.execute("DELETE FROM eligibility_resident WHERE id = %s", [resident.pk])
    assert Resident.objects.get(pk=resident.pk).ward == Ward.NAKAHARA
    assert labels(resident_events(resident.pk)) == ["insert"]
    with transaction.atomic(), connection.cursor() as cursor:  # naming another table's trigger is harmless
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{pgtrigger_update_update_04752}', true)")
        cursor.execute("UPDATE eligibility_resident SET ward = 'asao' WHERE id = %s", [resident.pk])
    assert labels(resident_events(resident.pk)) == ["insert", "update"]


# --- the middleware ---------------------------------------------------------------------------------------------


def _context_seen_by_the_view():
    seen = []

    def view(request):
        active = getattr(pghistory.runtime._tracker, "value", None)
        seen.append(None if active is None else dict(active.metadata))
        return HttpResponse()

    return view, seen


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_the_middleware_adds_nothing_to_reads(rf, method, django_assert_num_queries):
    view, seen = _context_seen_by_the_view()
    request = getattr(rf, method)("/persons/100000001/")
    request.user = SimpleLazyObject(lambda: pytest.fail("the middleware looked at request.user on a read"))
    with django_assert_num_queries(0):
        TrailMiddleware(view)(request)
    assert seen == [None]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_middleware_records_staff_and_path_on_writes(rf, method, make_staff):
    staff = make_staff(Role.WARD_CLERK, username="clerk_mw")
    view, seen = _context_seen_by_the_view()
    request = getattr(rf, method)("/persons/100000001/?q=ignored")
    request.user = staff
    TrailMiddleware(view)(request)
    assert seen == [{"staff_id": staff.pk, "username": "clerk_mw", "url": "/persons/100000001/"}]
    assert getattr(pghistory.runtime._tracker, "value", None) is None


def test_the_search_sent_by_post_runs_without_a_trail_context_and_a_change_with_one(make_staff):
    """The person search is a POST only to keep names out of URLs: it gets no context (no
    set_config prefix on its statements); a screen that changes data still does."""
    clerk = make_staff(Role.WARD_CLERK)
    client = Client()
    client.force_login(clerk)
    satisfy_second_factor(client, clerk)
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/persons/", {"kana_name": "ヤマダ タロウ"})
    assert response.status_code == 200
    assert any("audit_access_append" in q["sql"] for q in captured.captured_queries)  # the search ran, logged
    assert not any("pghistory" in q["sql"] for q in captured.captured_queries)
    request = RequestFactory().post("/persons/100000001/")  # a path whose view is not marked
    request.user = clerk
    view, seen = _context_seen_by_the_view()
    TrailMiddleware(view)(request)
    assert seen == [{"staff_id": clerk.pk, "username": clerk.username, "url": "/persons/100000001/"}]


@pytest.mark.urls("tests.audit.urls")
def test_a_person_screen_get_runs_the_same_queries_with_and_without_the_middleware(make_staff, settings):
    resident = make_resident()
    auditor = make_staff(Role.AUDITOR)
    url = f"/audit/persons/{resident.pk}/trail/"

    def queries_of_a_get() -> list[str]:
        client = Client()  # a new client loads the middleware as the settings are now
        client.force_login(auditor)
        satisfy_second_factor(client, auditor)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    with_trail = queries_of_a_get()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "audit.trail.TrailMiddleware"]
    without_trail = queries_of_a_get()
    assert len(with_trail) == len(without_trail)
    assert not any("pghistory" in sql for sql in with_trail)


# --- lockdown of the application's role ---------------------------------------------------------------------


def test_lockdown_leaves_the_app_role_select_and_insert_on_the_event_tables(roles, capsys):  # noqa: F811
    app, owner = roles
    with connection.cursor() as cursor:  # ALTER TABLE waits for no deferred FK check of this transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("audit_lockdown", role=app, owner=owner)
    call_command("audit_lockdown", role=app, check=True)
    assert capsys.readouterr().out.splitlines()[-1] == f"OK: {app} は監査記録を参照と追記しかできません。"

    (household_id,) = number_allocate("eligibility_household_number_seq")
    as_role(app, "INSERT INTO eligibility_household (id, ward) VALUES (%s, 'tama')", [household_id])
    as_role(app, "UPDATE eligibility_household SET ward = 'asao' WHERE id = %s", [household_id])
    assert as_role(app, "SELECT pgh_label, ward FROM eligibility_householdevent WHERE pgh_obj_id = %s ORDER BY pgh_id",
                   [household_id]) == [("insert", "tama"), ("update", "asao")]
    for statement in [
        "UPDATE eligibility_householdevent SET ward = 'tama'",
        "DELETE FROM eligibility_householdevent",
        "TRUNCATE eligibility_residentevent",
        "ALTER TABLE eligibility_residentevent DISABLE TRIGGER eligibility_residentevent_append_only",
        "CREATE OR REPLACE FUNCTION audit_trail_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
    ]:
        with pytest.raises(DatabaseError) as refused:
            as_role(app, statement)
        assert refused.value.__cause__.sqlstate == "42501", statement  # permission denied / must be owner

    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE INSERT ON audit_staffevent FROM {app}")
    with pytest.raises(CommandError):
        call_command("audit_lockdown", role=app, check=True)
    assert f"NG: role {app} cannot INSERT into audit_staffevent" in capsys.readouterr().out


def test_a_persons_premium_facts_and_money_are_in_the_trail(make_staff):
    """Tax facts, payments (also the set-based payment file) and reductions: every write an event."""
    from premiums.collection.services import CounterPayment, payment_record_counter
    from premiums.levy.services import main_levy_chunk
    from premiums.trail import PaymentEvent, ReductionEvent, TaxFactEvent
    from premiums.models import Payment, Reduction, TaxFact
    from premiums.reductions.services import ReductionApplication, reduction_apply, reduction_decide
    from tests.eligibility.factories import make_elderly
    from tests.premiums.factories import make_tax_fact

    clerk, chief = make_staff(Role.WARD_CLERK, username="clerk02"), make_staff(Role.SECTION_CHIEF)
    person = make_elderly()
    fact = make_tax_fact(person, 2026, household_taxed=True)
    TaxFact.objects.filter(pk=fact.pk).update(recorded_to=timezone.now())  # a correction closes it
    make_tax_fact(person, 2026, correction=True, household_taxed=True)
    assert [e.pgh_label for e in TaxFactEvent.objects.filter(pgh_obj_id=fact.pk).order_by("pgh_id")] == [
        "insert", "update"]

    main_levy_chunk(fiscal_year=2026, lo=0, hi=10**12)
    with trail_context(actor=clerk, function="premium.collect"):
        payment = payment_record_counter(actor=clerk, resident_id=person.pk, data=CounterPayment(
            2026, "billing", date(2026, 7, 1), 7_200, date(2026, 7, 30)))
    event = PaymentEvent.objects.get(pgh_obj_id=payment.pk)
    assert (event.pgh_label, event.amount, event.pgh_context["username"]) == ("insert", 7_200, "clerk02")
    with connection.cursor() as cursor:  # raw SQL too
        cursor.execute("DELETE FROM premiums_payment WHERE id = %s", [payment.pk])
    assert PaymentEvent.objects.filter(pgh_obj_id=payment.pk, pgh_label="delete").exists()
    assert not Payment.objects.exists()

    reduction = reduction_apply(actor=clerk, resident_id=person.pk, application=ReductionApplication(
        fiscal_year=2026, kind="deferral", applied_on=date(2026, 7, 10), first_month=date(2026, 7, 1),
        last_month=date(2026, 9, 1), evidence=("income_proof",)))
    reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True)
    assert [(e.pgh_label, e.status) for e in ReductionEvent.objects.filter(pgh_obj_id=reduction.pk)
            .order_by("pgh_id")] == [("insert", "applied"), ("update", "approved")]
    assert Reduction.objects.get().deferred_until == date(2026, 9, 30)
