"""The change trail of eligibility's and premiums' tables leaves the audit app (issue 15): each
app declares the trail of its own tables (eligibility/trail.py, premiums/trail.py) and its
migrations own the event tables and the triggers (eligibility 0006, premiums 0020, which rename
the tables and replace the triggers in the database). Here only the migration state forgets
audit's proxies of those tables and their event models: nothing is done in the database.
The trail of core's staff tables (TrackedStaff, TrackedRoleGrant) stays in the audit app."""

from django.db import migrations

MODELS = ["Resident", "Household", "ResidenceSpell", "FacilityStay", "InsuredNumber", "QualificationPeriod",
          "PremiumRateTable", "PremiumStage", "PremiumCollectionPlan", "TaxFact", "PensionFact", "Payment",
          "Settlement", "WriteOff", "Reduction", "DeductionStop", "PreliminaryPayment"]


class Migration(migrations.Migration):
    dependencies = [("audit", "0014_checkpoint_signature")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *(migrations.DeleteModel(name=f"{model}Event") for model in MODELS),
                *(migrations.DeleteModel(name=f"Tracked{model}") for model in MODELS),
            ],
        ),
    ]
