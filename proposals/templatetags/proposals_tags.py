from django import template

from core.idempotency import new_key as _new_key

register = template.Library()


@register.simple_tag
def new_key() -> str:
    """A fresh idempotency key for one action form (each form its own)."""
    return _new_key()
