"""Links into the log pages, which another part of the app serves: until
their URL names exist, fall back to the fixed paths of config/urls.py."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def log_url(organization) -> str:
    try:
        return reverse("logbook:log", kwargs={"org": organization.slug})
    except NoReverseMatch:
        return f"/o/{organization.slug}/log/"


@register.simple_tag
def decision_url(decision, organization) -> str:
    try:
        return reverse(
            "logbook:detail", kwargs={"org": organization.slug, "seq": decision.sequence}
        )
    except NoReverseMatch:
        return f"/o/{organization.slug}/log/{decision.sequence}/"


@register.filter
def health_class(health) -> str:
    """``ok`` for a complete link, ``bad`` otherwise, ``""`` for the root."""
    if health is None:
        return ""
    return "ok" if health == "complete" else "bad"


@register.simple_tag(takes_context=True)
def may(context, action, subject):
    """``{% may "update_organization" organization as allowed %}``: the
    viewer may take a structure action now (``circles.rules``)."""
    from circles import rules

    request = context.get("request")
    return request is not None and bool(rules.may(action, subject, request.user))
