"""The notification jobs, and what enqueues them: one fan-out per event (and a
delivery per webhook endpoint), the daily and weekly digests.

This module sits above ``services`` and ``webhooks``: they do the work, it
enqueues and runs it, so neither of them imports it.
"""

import uuid

from core import jobs
from core.jobs import job
from core.notify import Event
from notifications import services, webhooks
from notifications.models import Frequency


class _Handler:
    """The ``core.notify`` port's handler (registered by the app)."""

    def announce(self, event: Event) -> None:
        jobs.enqueue(
            fan_out,
            kind=event.kind,
            subject=event.subject,
            subject_id=event.subject_id,
            params=event.params,
            key=event.key,
        )

    def told(self, event: Event, recipient_ids: list[int], emailed_ids=None) -> None:
        services.told(event, recipient_ids, emailed_ids)

    def email_now(self, kind: str, recipient_ids: list[int]) -> set[int]:
        return services.email_now(kind, recipient_ids)


HANDLER = _Handler()


@job
def fan_out(*, kind: str, subject: str, subject_id: int, params: dict, key: str) -> int:
    target = services.webhook_target(kind=kind, subject=subject, subject_id=subject_id)
    if target is not None:
        organization_id, url = target
        for endpoint_id in webhooks.endpoints_for(organization_id=organization_id, kind=kind):
            jobs.enqueue(
                deliver_webhook,
                endpoint_id=endpoint_id,
                kind=kind,
                params=params,
                url=url,
                key=key,
            )
    return services.fan_out(
        kind=kind, subject=subject, subject_id=subject_id, params=params, key=key
    )


@job
def daily_digests(*, period: str) -> int:
    """Hourly: the daily digests of the people whose morning it is."""
    return services.send_due_digests(frequency=Frequency.DAILY)


@job
def weekly_digests(*, period: str) -> int:
    """Hourly: the weekly digests of the people whose Monday morning it is."""
    return services.send_due_digests(frequency=Frequency.WEEKLY)


@job
def deliver_webhook(
    *, endpoint_id: int, kind: str, params: dict, url: str, key: str, attempt: int = 1
) -> bool:
    return webhooks.deliver(
        endpoint_id=endpoint_id, kind=kind, params=params, url=url, key=key, attempt=attempt
    )


def send_webhook_test(*, endpoint, key: str | None = None) -> None:
    """Enqueue a test event to ``endpoint`` (the admin's "send test" action)."""
    jobs.enqueue(
        deliver_webhook,
        endpoint_id=endpoint.pk,
        kind="webhook_test",
        params={},
        url="",
        key=key or f"webhook_test:{endpoint.pk}:{uuid.uuid4()}",
    )
