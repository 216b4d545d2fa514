"""Links into the log pages, which another part of the app serves: until
their URL names exist, fall back to the fixed paths of config/urls.py."""

import json

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


@register.simple_tag(takes_context=True)
def organization_json_ld(context, organization):
    """schema.org markup of a public organization's page (search engines,
    link previews): the organization, its circles and its data licence.
    Nothing for a private organization."""
    from circles import selectors
    from circles.models import LICENCE_URLS
    from core.links import absolute

    if not organization.public_log:
        return ""
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": organization.name,
        "url": absolute(organization.get_absolute_url()),
        "license": LICENCE_URLS[organization.data_licence],
        "subOrganization": [
            {"@type": "Organization", "name": circle.name, "description": circle.aim}
            for circle in selectors.circles_of(organization)
            if circle.parent_id is not None
        ],
    }
    # As Django's json_script: <, > and & as JSON escapes, so the text can
    # never close the <script> element early (HTML entities would break the JSON).
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html(
        '<script type="application/ld+json" nonce="{}">{}</script>',
        context.get("csp_nonce", ""),
        mark_safe(text),  # noqa: S308 - escaped for a script element just above
    )


_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.inclusion_tag("circles/_relay_actions.html", takes_context=True)
def relay_actions(context, decision, organization):
    """A decision's relays across the double link and, for a member of its
    circle, the "Relay to …" buttons (``circles.relays``)."""
    from circles import relays
    from core.idempotency import new_key

    request = context.get("request")
    user = request.user if request is not None else None
    if decision.circle_id is None:
        return {"relays": [], "choices": []}
    return {
        "organization": organization,
        "decision": decision,
        "relays": list(relays.relays_of(decision)),
        "choices": relays.relay_choices(user, decision) if user is not None else [],
        "idempotency_key": new_key(),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
