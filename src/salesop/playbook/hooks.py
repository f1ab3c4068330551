"""What other apps must say when a new playbook version is activated.

A guard returns refusals (e.g. "3 open deals are in stage 'solution', which the new version
removes"); an upgrade moves the app's live records onto the new version. Both run inside the
activation's transaction.
"""

from collections.abc import Callable
from typing import Any

Guard = Callable[[Any, Any], list[str]]  # (new Playbook, new PlaybookVersion) -> refusals
Upgrade = Callable[[Any, Any], None]

GUARDS: list[Guard] = []
UPGRADES: list[Upgrade] = []


def activation_guard(fn: Guard) -> Guard:
    GUARDS.append(fn)
    return fn


def activation_upgrade(fn: Upgrade) -> Upgrade:
    UPGRADES.append(fn)
    return fn
