"""The playbook document: the default loads; broken ones are refused with the path and line."""

import copy
from importlib import resources

import pytest
from django.utils import translation

from salesop.playbook.loader import InvalidPlaybook, parse_playbook, yaml_data, yaml_text


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


DEFAULT = resources.files("salesop.playbook").joinpath("default.yaml").read_text("utf-8")


def default_data():
    return yaml_data(DEFAULT)


def test_default_playbook_mirrors_the_sop():
    pb = parse_playbook(DEFAULT)
    assert [s.key for s in pb.stages] == ["discovery", "solution", "negotiation", "contracting"]
    assert pb.stage("discovery").label.zh == "需求挖掘"
    assert "recap_confirmed" in {i.key for i in pb.stage("discovery").checklist}
    assert sum(f.weight for f in pb.bant.factors) == 100
    assert pb.sla.ticket_first_response_hours == 24
    assert pb.sla.ticket_solution_direction_hours == 48
    assert {a.kind for a in pb.alerts} >= {"lead.not_followed_up", "deal.stage_overdue"}
    assert pb.revisit_days["standard"] == 180


def mutate(fn):
    data = copy.deepcopy(default_data())
    fn(data)
    return yaml_text(data)


def _set(path, value):
    def apply(data):
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return apply


def _delete(key):
    return lambda data: data.pop(key)


BROKEN = [
    (
        "unknown criterion",
        _set(["stages", 0, "exit_criteria", 0], "discovery.magic"),
        "stages[0].exit_criteria[0]",
        "unknown criterion",
    ),
    (
        "unknown evidence",
        _set(["stages", 0, "checklist", 2, "evidence"], "needs.telepathy"),
        "stages[0].checklist[2].evidence",
        "unknown criterion",
    ),
    (
        "a checklist as its own evidence",
        _set(["stages", 1, "checklist", 0, "evidence"], "checklist.complete"),
        "stages[1].checklist[0].evidence",
        "unknown criterion",
    ),
    (
        "unknown role",
        _set(["stages", 1, "movers", 0], "janitor"),
        "stages[1].movers[0]",
        "unknown role",
    ),
    ("stage cycle", _set(["stages", 2, "next"], ["discovery"]), "stages[2].next[0]", "stage cycle"),
    (
        "duplicate stage key",
        _set(["stages", 1, "key"], "discovery"),
        "stages[1].key",
        "duplicate key",
    ),
    (
        "duplicate checklist key",
        _set(["stages", 0, "checklist", 1, "key"], "prep_done"),
        "stages[0].checklist[1].key",
        "duplicate key",
    ),
    ("weights not 100", _set(["bant", "factors", 0, "weight"], 10), "bant.factors", "not 100"),
    ("grades out of order", _set(["bant", "grades"], {"a": 40, "b": 60}), "bant.grades.a", "above"),
    (
        "unknown alert kind",
        _set(["alerts", 0, "kind"], "lead.vanished"),
        "alerts[0].kind",
        "unknown alert kind",
    ),
    ("no stages", _delete("stages"), "stages", "This field is required"),
    (
        "probability over 100",
        _set(["stages", 0, "probability"], 150),
        "stages[0].probability",
        "Enter 100 or less",
    ),
    ("unknown field", _set(["stages", 0, "colour"], "red"), "stages[0].colour", "not accepted"),
    ("reserved stage key", _set(["stages", 0, "key"], "won"), "stages[0].key", "reserved"),
    (
        "unknown tier",
        _set(["revisit_days", "platinum"], 30),
        "revisit_days.platinum",
        "unknown customer tier",
    ),
    (
        "approval steps fall",
        _set(["approvals", "discount", 1, "max_pct"], 5),
        "approvals.discount",
        "rise",
    ),
    (
        "label without English",
        lambda d: d["stages"][0]["label"].pop("en"),
        "stages[0].label.en",
        "This field is required",
    ),
    (
        "unknown approver",
        _set(["approvals", "payment_term", 1, "approver"], "ceo"),
        "approvals.payment_term[1].approver",
        "unknown role",
    ),
]


@pytest.mark.parametrize(("case", "change", "path", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_playbook_is_refused_with_its_path(case, change, path, message):
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(mutate(change))
    hits = [e for e in refused.value.errors if e.path == path]
    assert hits, [str(e) for e in refused.value.errors]
    assert message in hits[0].message
    assert hits[0].line is not None or path == ""


def test_error_line_points_at_the_offending_entry():
    text = DEFAULT.replace(
        "exit_criteria: [checklist.complete, contract.legal_cleared, contract.signed]",
        "exit_criteria: [checklist.complete, contract.signed_by_mars, contract.signed]",
        1,
    )
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(text)
    error = refused.value.errors[0]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "signed_by_mars" in t)
    assert (error.path, error.line) == ("stages[3].exit_criteria[1]", line)


def test_yaml_syntax_error_gives_the_line():
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook("name: x\nstages: [\n  - a: b\n")
    assert refused.value.errors[0].line is not None
    assert "YAML" in refused.value.errors[0].message


def test_duplicate_yaml_key_is_refused():
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(DEFAULT + "\nname: again\n")
    assert refused.value.errors[0].path == "name"
    assert "twice" in refused.value.errors[0].message


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain words"])
def test_not_a_mapping_is_refused(text):
    with pytest.raises(InvalidPlaybook):
        parse_playbook(text)
