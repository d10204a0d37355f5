"""Levy revisions never change (docs/subsystems/levy.md): the only UPDATE a levy row accepts is
the closing of a current revision (``recorded_to`` from NULL to a time, nothing else changed);
installments accept none. Deleting stays possible for the retention period's clean-up. Enforced in
PostgreSQL, for every writer (ORM, raw SQL), with SQLSTATE 42501 like the audit tables."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION premiums_levy_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    probe premiums_levy;
BEGIN
    probe := NEW;
    probe.recorded_to := OLD.recorded_to;
    IF OLD.recorded_to IS NULL AND NEW.recorded_to IS NOT NULL AND probe IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'premiums_levy revisions never change: only closing a current revision is allowed'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'A correction closes the current revision and adds the next one (docs/subsystems/levy.md).';
END
$$;

CREATE FUNCTION premiums_installment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'premiums_levyinstallment rows never change: a correction writes a new revision''s installments'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER premiums_levy_revision_guard BEFORE UPDATE ON premiums_levy
    FOR EACH ROW EXECUTE FUNCTION premiums_levy_guard();
CREATE TRIGGER premiums_levyinstallment_guard BEFORE UPDATE ON premiums_levyinstallment
    FOR EACH STATEMENT EXECUTE FUNCTION premiums_installment_guard();
"""

REVERSE = r"""
DROP TRIGGER premiums_levyinstallment_guard ON premiums_levyinstallment;
DROP TRIGGER premiums_levy_revision_guard ON premiums_levy;
DROP FUNCTION premiums_installment_guard();
DROP FUNCTION premiums_levy_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("premiums", "0014_deduction_stop")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
