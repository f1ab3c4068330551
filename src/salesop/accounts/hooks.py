"""What other apps do when a user is created (enablement enrols a new hire in the playbook's
courses). Hooks run inside the creation's transaction, with the new user."""

from collections.abc import Callable
from typing import Any

UserCreated = Callable[[Any], None]

USER_CREATED: list[UserCreated] = []


def on_user_created(fn: UserCreated) -> UserCreated:
    USER_CREATED.append(fn)
    return fn
