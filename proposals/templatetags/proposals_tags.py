from django import template
from django.urls import reverse

from core.idempotency import new_key as _new_key
from proposals import steps

register = template.Library()


@register.simple_tag
def new_key() -> str:
    """A fresh idempotency key for one action form (each form its own)."""
    return _new_key()


@register.simple_tag
def step_url(proposal, name: str, **ids) -> str:
    """The page's URL of step ``name`` on ``proposal`` (``objection_id=…`` and
    the like for a step that names one)."""
    step = steps.STEPS[name]
    org = proposal.circle.organization.slug
    if step.extra.get("place") == "page":
        return reverse(f"proposals:{step.url}", kwargs={"org": org, "pk": proposal.pk})
    segment = step.url.format(**{k: int(v) for k, v in ids.items()})
    return reverse("proposals:act", kwargs={"org": org, "pk": proposal.pk, "segment": segment})
