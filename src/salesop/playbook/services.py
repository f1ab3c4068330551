"""Writes for playbook versions: create (validated) and activate (guarded, audited)."""

import hashlib
import io
from importlib import resources

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.playbook.hooks import GUARDS, UPGRADES
from salesop.playbook.loader import InvalidPlaybook, PlaybookError, parse_playbook
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.selectors import parsed


class PlaybookRefused(DomainError):
    """An invalid playbook; `errors` says where and what, one entry per problem."""

    def __init__(self, errors: list[PlaybookError]):
        super().__init__(
            "invalid_playbook",
            _("The playbook was not saved: %(n)d problem(s) found.") % {"n": len(errors)},
            {"text": "\n".join(str(e) for e in errors)},
        )
        self.errors = errors


def _require_ops(by: User | None) -> None:
    if by is not None and not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations may change the playbook."))


@transaction.atomic
def playbook_version_create(*, text: str, by: User | None, comment: str = "") -> PlaybookVersion:
    """Stores a new version if the text is a valid playbook; the same text twice is one version."""
    _require_ops(by)
    text = text.replace("\r\n", "\n")
    try:
        playbook = parse_playbook(text)
    except InvalidPlaybook as exc:
        raise PlaybookRefused(exc.errors) from None
    sha = hashlib.sha256(text.encode()).hexdigest()
    existing = PlaybookVersion.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    number = (PlaybookVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    with audit_actor(by):
        return PlaybookVersion.objects.create(
            number=number,
            name=playbook.name,
            text=text,
            sha256=sha,
            comment=comment.strip()[:300],
            author=by,
        )


def default_playbook_text() -> str:
    return resources.files("salesop.playbook").joinpath("default.yaml").read_text("utf-8")


@transaction.atomic
def playbook_install_default() -> PlaybookVersion:
    """The active version; on a database without any (flushed, new), the shipped default."""
    active = PlaybookVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    version = playbook_version_create(text=default_playbook_text(), by=None, comment="default")
    return playbook_activate(version=version, by=None)


@transaction.atomic
def playbook_activate(*, version: PlaybookVersion, by: User | None) -> PlaybookVersion:
    """Makes `version` the running SOP; live records move onto it, or nothing changes."""
    _require_ops(by)
    version = PlaybookVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_active:
        return version
    playbook = parsed(version)
    refusals = [message for guard in GUARDS for message in guard(playbook, version)]
    if refusals:
        raise DomainError(
            "playbook_in_use",
            _("This version cannot be activated: %(why)s") % {"why": " ".join(refusals)},
            {"version": " ".join(refusals)},
        )
    with audit_actor(by):
        for current in PlaybookVersion.objects.select_for_update().filter(is_active=True):
            current.is_active = False
            current.save(update_fields=["is_active"])
        version.is_active = True
        version.activated_at = timezone.now()
        version.activated_by = by
        version.save(update_fields=["is_active", "activated_at", "activated_by"])
    for upgrade in UPGRADES:
        upgrade(playbook, version)
    return version


YAML_LINE_BREAKS = str.maketrans({"\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def playbook_text_with(text: str, changes: dict[tuple[str, ...], object]) -> str:
    """The playbook text with each path set to its value, comments and layout kept. A path's
    parts are mapping keys, or the `key` of an item in a list (("stages", "solution",
    "max_dwell_days")). A path that leads nowhere raises KeyError naming it."""
    yaml = _yaml()
    # `text` is a stored version, so parse_playbook's bounds on aliases and depth held for it;
    # round-trip loading keeps aliases as references and expands none.
    # The loader (YAML 1.1, which validated it) reads NEL and the Unicode line and paragraph
    # separators as line breaks, round-trip YAML 1.2 does not: a version pasted with them is
    # changed as the lines it is.
    document = yaml.load(text.translate(YAML_LINE_BREAKS))
    for path, value in changes.items():
        node = document
        for part in path[:-1]:
            if isinstance(node, list):
                node = next((item for item in node if item.get("key") == part), None)
            else:
                node = node.get(part)
            if node is None:
                raise KeyError(".".join(path))
        node[path[-1]] = value
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


@transaction.atomic
def playbook_draft(
    *, changes: dict[tuple[str, ...], object], by: User | None, comment: str
) -> PlaybookVersion:
    """A new, inactive version: the active one with `changes` applied (see playbook_text_with),
    validated like any other; sales ops read its diff and activate it."""
    _require_ops(by)
    active = PlaybookVersion.objects.get(is_active=True)
    try:
        text = playbook_text_with(active.text, changes)
    except KeyError as exc:
        raise DomainError(
            "playbook_path",
            _("The active playbook has no %(path)s to change.") % {"path": exc.args[0]},
        ) from None
    return playbook_version_create(text=text, by=by, comment=comment)
