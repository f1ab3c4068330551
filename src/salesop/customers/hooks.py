"""What other apps do when a company's tier changes (the after-sales app replans revisits).
Hooks run inside the change's transaction, with the account and who changed it."""

from collections.abc import Callable
from typing import Any

TierChanged = Callable[[Any, Any], None]  # (account, by) -> None

TIER_CHANGED: list[TierChanged] = []


def on_tier_change(fn: TierChanged) -> TierChanged:
    TIER_CHANGED.append(fn)
    return fn
