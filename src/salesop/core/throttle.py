"""Fixed one-minute windows counted in the shared cache (Redis across machines), for the
public doors that take no login: the lead intake per channel, the customer's support link."""

from django.core.cache import cache


def over_limit(key: str, per_minute: int) -> bool:
    """Counts one more use of `key` in the current minute; True once there were more than
    `per_minute`."""
    key = f"throttle:{key}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > per_minute
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        return False
