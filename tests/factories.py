import factory

from kaigo.staff.models import RoleGrant, Staff
from kaigo.staff.roles import Organisation

TEST_PASSWORD = "correct-horse-battery-staple-42"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n:04d}")
    display_name = factory.Sequence(lambda n: f"職員 {n}")
    organisation = Organisation.HEAD_OFFICE
    must_change_password = False
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or []:
            RoleGrant.objects.create(staff=self, role=role, grant_reason="テスト")
