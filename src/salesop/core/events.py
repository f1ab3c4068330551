"""One stream of what happens to the records. Each app says what happens to its own records in
its `events.py`: one function per event, typed, that keeps the event's row (the history the
reports are computed from: a deal's stage events, a lead's events, an activity) and publishes
it by name. Any app may subscribe to a name in its `handlers.py` (imported by its AppConfig)
without importing the app that raises it: siblings talk through events, not through each
other's services.

Subscribers run at once, inside the writer's transaction: what they write commits or rolls
back with the change that raised the event (a hand-off is never announced for a move that did
not happen). Anything slow or outside the database they leave as rows for the worker (a
notification, a webhook delivery), never as a network call here."""

from collections import defaultdict
from collections.abc import Callable

_subscribers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Registers the decorated function for the event `name`; registering it again (a module
    imported twice) is a no-op."""

    def register(handler: Callable[..., None]) -> Callable[..., None]:
        if handler not in _subscribers[name]:
            _subscribers[name].append(handler)
        return handler

    return register


def publish(name: str, **data) -> None:
    """Calls every subscriber of `name` with `data`, in the order they subscribed."""
    for handler in _subscribers.get(name, ()):
        handler(**data)
