from django.db.models import QuerySet

from salesop.playbook.loader import parse_playbook
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.schema import Playbook

# Versions are immutable and addressed by their hash, so a parsed copy never goes stale.
_PARSED: dict[str, Playbook] = {}


def parsed(version: PlaybookVersion) -> Playbook:
    playbook = _PARSED.get(version.sha256)
    if playbook is None:
        playbook = _PARSED[version.sha256] = parse_playbook(version.text)
    return playbook


def active_version() -> PlaybookVersion:
    """The running version, without its text: a process parses a version once (`parsed`), and
    pages ask for the running one several times each."""
    return PlaybookVersion.objects.defer("text").get(is_active=True)


def active_playbook() -> Playbook:
    return parsed(active_version())


def versions() -> QuerySet[PlaybookVersion]:
    return PlaybookVersion.objects.select_related("author", "activated_by")
