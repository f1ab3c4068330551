"""Turns playbook YAML into a validated Playbook, or into a list of errors that each say where
(a path like `stages[2].exit_criteria[0]` and the line) and what is wrong."""

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from salesop.core.errors import schema_message
from salesop.core.money import format_amount
from salesop.playbook.checks import Path, semantic_errors
from salesop.playbook.schema import Playbook

MAX_SIZE = 256 * 1024
# YAML aliases repeat a value without repeating its text, so a few hundred bytes can stand for
# a billion values (an alias bomb ran `playbook validate` to 2.96 GB). The shipped playbook has
# 1,282 values, 8 levels deep, and no alias: these bounds leave room for any honest playbook
# and are checked while the document is composed, before anything is expanded.
MAX_ALIASES = 100
MAX_VALUES = 50_000  # counting each alias as the values it stands for
MAX_DEPTH = 32  # YAML is composed recursively: thousands of "[" are a RecursionError


@dataclass(frozen=True)
class PlaybookError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line:
            where = f"{self.path} (line {self.line})" if self.path else f"line {self.line}"
        else:
            where = self.path or "document"
        return f"{where}: {self.message}"


class InvalidPlaybook(Exception):
    def __init__(self, errors: list[PlaybookError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


YAML_TAG = "tag:yaml.org,2002:"


def _shown(value: str) -> str:
    if len(value) <= 40:
        return repr(value)
    return _("%(start)r… (%(n)s characters)") % {
        "start": value[:20],
        "n": format_amount(len(value)),
    }


class _BoundedComposer(Composer):
    """ruamel's composer refusing, at the line where it happens, more aliases, values or depth
    than the bounds above, and an alias inside the value it names (a cycle)."""

    def __init__(self, loader=None):
        super().__init__(loader)
        self._aliases = 0
        self._values = 0  # values composed so far, aliases expanded
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its values, aliases expanded
        self.paths: dict[int, Path] = {}  # id(node) -> the first path it is at

    def _count(self, values: int, mark) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            _refuse(
                mark,
                _("more than %(n)s values, each alias counted as the values it repeats")
                % {"n": format_amount(MAX_VALUES)},
            )

    def compose_node(self, parent, index):
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                _refuse(
                    event.start_mark,
                    _("more than %(n)d aliases; *%(name)s is one too many")
                    % {"n": MAX_ALIASES, "name": event.anchor},
                )
            node = super().compose_node(parent, index)  # refuses an undefined alias
            size = self._sizes.get(id(node))
            if size is None:  # its anchor's value is still being composed
                _refuse(
                    event.start_mark,
                    _("the alias *%(name)s is inside the value it names") % {"name": event.anchor},
                )
            self._count(size, event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            _refuse(event.start_mark, _("nested more than %(n)d levels deep") % {"n": MAX_DEPTH})
        before = self._values
        node = super().compose_node(parent, index)
        self._count(1, event.start_mark)
        self._sizes[id(node)] = self._values - before
        self._depth -= 1
        return node


class _PathConstructor(SafeConstructor):
    """ruamel's safe constructor refusing, at the path and line of the value, any value Python
    cannot build from its text."""

    def __init__(self, preserve_quotes=None, loader=None):
        super().__init__(preserve_quotes=preserve_quotes, loader=loader)
        # Each value is built inside the construct_object call for its node, so a failure
        # is caught there knowing which node (and so which path and line) it was; the
        # bounded depth keeps this recursion shallow.
        self.deep_construct = True

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except InvalidPlaybook:
            raise
        # Building a value runs Python code on the text: a 30 February is a ValueError, a
        # 5,000-digit number exceeds int()'s limit, `!!int ""` an IndexError, `!!timestamp`
        # on no date an AttributeError. Whatever it raises, the value is refused where it is.
        except Exception as exc:
            mark = getattr(exc, "problem_mark", None) or node.start_mark
            if isinstance(exc, YAMLError):
                reason = getattr(exc, "problem", None) or str(exc)
                message = _("not valid YAML: %(reason)s") % {"reason": reason}
            else:
                kind = node.tag.removeprefix(YAML_TAG) if isinstance(node.tag, str) else node.tag
                value = node.value if isinstance(node, ScalarNode) else ""
                message = _("cannot read %(value)s as a YAML %(kind)s") % {
                    "value": _shown(value),
                    "kind": kind,
                }
            path = format_path(self.composer.paths.get(id(node), ()))
            raise InvalidPlaybook([PlaybookError(path, mark.line + 1, message)]) from None


def _refuse(mark, message: str):
    raise InvalidPlaybook([PlaybookError("", mark.line + 1, message)])


def _load(text: str):
    """The composed node tree (for lines) and the data built from it, within the bounds."""
    yaml = YAML(typ="safe", pure=True)
    # YAML 1.1, as the playbooks stored so far were read: `yes` and `on` are booleans.
    yaml.version = (1, 1)
    yaml.Composer = _BoundedComposer
    yaml.Constructor = _PathConstructor
    yaml.allow_duplicate_keys = True  # _line_map reports each one at its path and line
    constructor, parser = yaml.get_constructor_parser(text)
    try:
        root = constructor.composer.get_single_node()
        lines: dict[Path, int] = {}
        dupes: list[tuple[Path, int]] = []
        if root is not None:
            # before construction merges `<<` keys in place
            _line_map(root, (), lines, dupes, constructor.composer.paths)
        data = constructor.construct_document(root) if root is not None else None
    finally:
        parser.dispose()
    return data, lines, dupes


def yaml_data(text: str):
    """The data in a YAML text, read as playbooks are (within the bounds, YAML 1.1)."""
    return _load(text)[0]


def yaml_text(data) -> str:
    """Data as YAML text a person can read: keys in their order, Chinese as itself."""
    yaml = YAML(typ="safe", pure=True)
    # Written as YAML 1.1, which quotes what 1.1 would read otherwise (`18:00` is a number
    # there, `on` a boolean): quoted, a 1.1 and a 1.2 reader agree, so the directive is left off.
    yaml.version = (1, 1)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 120
    yaml.sort_base_mapping_type_on_output = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().removeprefix("%YAML 1.1\n---\n")


def _line_map(
    node,
    path: Path,
    lines: dict[Path, int],
    dupes: list[tuple[Path, int]],
    paths: dict[int, Path],
) -> None:
    lines[path] = node.start_mark.line + 1
    paths.setdefault(id(node), path)
    if isinstance(node, MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                # Python cannot use a list or a mapping as a key, and no playbook needs one.
                raise InvalidPlaybook(
                    [
                        PlaybookError(
                            format_path(path),
                            key_node.start_mark.line + 1,
                            _("a key must be a single value, not a list or a mapping"),
                        )
                    ]
                )
            key = key_node.value
            if key in seen:
                dupes.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            paths.setdefault(id(key_node), (*path, key))
            _line_map(value_node, (*path, key), lines, dupes, paths)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), lines, dupes, paths)


def _line_for(path: Path, lines: dict[Path, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def parse_playbook(text: str) -> Playbook:
    """The validated playbook, or InvalidPlaybook listing every error with path and line."""
    if len(text.encode()) > MAX_SIZE:
        raise InvalidPlaybook([PlaybookError("", None, _("the playbook is larger than 256 KB"))])
    try:
        data, lines, dupes = _load(text)
    except ReaderError as exc:
        # A character YAML does not allow (NUL, a control character): its line from its position.
        raise InvalidPlaybook(
            [
                PlaybookError(
                    "",
                    text.count("\n", 0, exc.position) + 1,
                    _("not valid YAML: the character U+%(code)04X is not allowed")
                    % {"code": exc.character if isinstance(exc.character, int) else 0},
                )
            ]
        ) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise InvalidPlaybook(
            [
                PlaybookError(
                    "",
                    mark.line + 1 if mark else None,
                    _("not valid YAML: %(reason)s") % {"reason": reason},
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise InvalidPlaybook(
            [PlaybookError("", 1, _("the playbook must be a mapping of sections"))]
        )
    if dupes:
        raise InvalidPlaybook(
            [PlaybookError(format_path(p), line, _("this key appears twice")) for p, line in dupes]
        )
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise InvalidPlaybook(
            [
                PlaybookError(
                    format_path(e["loc"]), _line_for(tuple(e["loc"]), lines), schema_message(e)
                )
                for e in exc.errors()
            ]
        ) from None
    errors = semantic_errors(playbook)
    if errors:
        raise InvalidPlaybook(
            [PlaybookError(format_path(p), _line_for(p, lines), msg) for p, msg in errors]
        )
    return playbook
