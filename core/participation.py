"""Who takes part in a process right now, when something else decides it.

Outside a meeting the participants of a proposal's or an election's rounds are
the circle's current members. Inside a live meeting they are the members
present. The engines cannot import the meeting app (it sits to their right),
so the meeting app registers a provider here, and the engines ask
``participants_override(subject)`` before falling back to the circle.
"""

from collections.abc import Callable

_providers: list[Callable[[object], list[int] | None]] = []


def register(provider: Callable[[object], list[int] | None]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def participants_override(subject) -> list[int] | None:
    """User ids in speaking order, or None when no provider has a say."""
    for provider in _providers:
        ids = provider(subject)
        if ids is not None:
            return ids
    return None
