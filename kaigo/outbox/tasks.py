from celery import shared_task

from kaigo.outbox.services import relay


@shared_task(name="kaigo.outbox.tasks.outbox_relay", ignore_result=True)
def outbox_relay() -> int:
    """Deliver pending domain events (queued after each commit that wrote some, and every minute)."""
    delivered = 0
    while True:
        result = relay()
        delivered += result.delivered
        if result.busy or (result.delivered + result.failed) == 0 or result.failed:
            return delivered
