"""Scheduled work other apps hook into: nightly (aggregates, model training) and monthly (the
SOP review). Each job must be safe to run twice: it computes from rows, not from the queue."""

from collections.abc import Callable

NIGHTLY: dict[str, Callable[[], object]] = {}
MONTHLY: dict[str, Callable[[], object]] = {}


def nightly(name: str):
    def register(fn: Callable[[], object]):
        NIGHTLY[name] = fn
        return fn

    return register


def monthly(name: str):
    def register(fn: Callable[[], object]):
        MONTHLY[name] = fn
        return fn

    return register
