from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "kaigo.staff"
    label = "staff"
    verbose_name = "職員"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kaigo.staff.sessions import session_started

        user_logged_in.connect(session_started, dispatch_uid="kaigo.staff.session_started")
