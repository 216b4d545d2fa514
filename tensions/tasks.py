"""The routing deadline's job (hourly, registered in ``TensionsConfig.ready``)."""

from core.jobs import job
from tensions import services


@job
def escalate(*, period: str) -> int:
    return services.escalate_unrouted()
