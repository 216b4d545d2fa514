"""The demo collective, assembled by the apps that have something to show.

Each app may have a ``demo`` module that calls ``register(order, seed)``;
``seed(ctx)`` adds that app's part (``ctx`` is a dict shared along the way:
the organization, the people, the circles). Every part must be idempotent:
``seed_demo`` runs at every ``make run``.
"""

from collections.abc import Callable

_parts: list[tuple[int, str, Callable[[dict], None]]] = []


def register(order: int, seed: Callable[[dict], None]) -> None:
    name = f"{seed.__module__}.{seed.__qualname__}"
    if all(existing != name for _o, existing, _s in _parts):
        _parts.append((order, name, seed))


def parts() -> list[Callable[[dict], None]]:
    return [seed for _order, _name, seed in sorted(_parts, key=lambda p: (p[0], p[1]))]
