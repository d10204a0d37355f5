from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "kaigo.staff"
    label = "staff"
    verbose_name = "職員"
