"""The notification jobs: one fan-out per event, the daily and weekly digests."""

from core.jobs import job
from notifications import services
from notifications.models import Frequency


@job
def fan_out(*, kind: str, subject: str, subject_id: int, params: dict, key: str) -> int:
    return services.fan_out(
        kind=kind, subject=subject, subject_id=subject_id, params=params, key=key
    )


@job
def daily_digests(*, period: str) -> int:
    return services.send_digests(frequency=Frequency.DAILY, period=period.split(":", 1)[-1])


@job
def weekly_digests(*, period: str) -> int:
    return services.send_digests(frequency=Frequency.WEEKLY, period=period.split(":", 1)[-1])


@job
def deliver_webhook(
    *, endpoint_id: int, kind: str, params: dict, url: str, key: str, attempt: int = 1
) -> bool:
    from notifications import webhooks

    return webhooks.deliver(
        endpoint_id=endpoint_id, kind=kind, params=params, url=url, key=key, attempt=attempt
    )
