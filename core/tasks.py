"""The core's periodic jobs (registered in ``CoreConfig.ready``)."""

from core import reminders
from core.jobs import job


@job
def send_reminders(*, period: str = "") -> dict:
    """Every due reminder (``core.reminders.send_due``), as a job; retried if any failed."""
    outcome = reminders.send_due()
    if outcome.failed:
        raise RuntimeError("reminder(s) not sent: " + ", ".join(outcome.failed))
    return {"emails": outcome.emails, "reminders": outcome.reminders}
