from django.apps import AppConfig


class PremiumsConfig(AppConfig):
    name = "premiums"
    verbose_name = "保険料"
