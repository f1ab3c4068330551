"""Clause deviation: what counts as a change of wording, which changes go to legal, and the
side-by-side marking legal reads."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesop.contracts.rules import deviates, normalise, review_reason, side_by_side

LIABILITY = (
    "任何一方违约\uff0c应赔偿对方因此遭受的直接损失\uff0c赔偿总额以合同总价的 20% 为上限\u3002"
)


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        (LIABILITY, False),
        ("  " + LIABILITY.replace("\uff0c", "\uff0c\n  ") + "\n", False),  # whitespace only
        (LIABILITY.replace("\uff0c", ", ").replace("\u3002", "."), False),  # half-width
        (LIABILITY.replace("20%", "\uff12\uff10\uff05"), False),  # full-width digits, %
        (LIABILITY.replace("20%", "50%"), True),  # the cap changed
        (LIABILITY.replace("直接损失", "全部损失"), True),
        (LIABILITY.split("\uff0c赔偿")[0] + "\u3002", True),  # cap removed
        (LIABILITY + "但因不可抗力导致的除外。", True),
    ],
)
def test_a_clause_deviates_only_when_its_words_change(edited, expected):
    assert deviates(LIABILITY, edited) is expected


def test_english_clauses_ignore_spacing_but_not_words():
    standard = "The Buyer pays within 30 days of receiving the invoice."
    assert not deviates(standard, "The Buyer pays within 30 days of\n receiving the invoice. ")
    assert deviates(standard, "The Buyer pays within 90 days of receiving the invoice.")
    assert normalise("A\uff0c B\u3002") == "A,B."


@pytest.mark.parametrize(
    ("key", "risk", "changed", "listed", "review_any", "expected"),
    [
        ("liability", "special", True, [], False, "special"),
        ("liability", "special", False, [], True, None),
        ("ip", "standard", True, ["ip"], False, "listed"),
        ("payment", "standard", True, [], True, "deviation"),
        ("payment", "standard", True, [], False, None),
    ],
)
def test_which_deviations_go_to_legal(key, risk, changed, listed, review_any, expected):
    reason = review_reason(
        key=key, risk=risk, deviates=changed, review_clauses=listed, review_any=review_any
    )
    assert reason == expected


def test_side_by_side_marks_the_changed_cap_on_both_sides():
    left, right = side_by_side(LIABILITY, LIABILITY.replace("20%", "50%"))
    assert "".join(s.text for s in left) == LIABILITY
    assert [s.text for s in left if s.changed] == ["2"]
    assert [s.text for s in right if s.changed] == ["5"]


def test_side_by_side_leaves_whitespace_and_punctuation_width_unmarked():
    left, right = side_by_side(LIABILITY, LIABILITY.replace("\uff0c", ", "))
    assert not any(s.changed for s in left + right)


@given(
    st.text(alphabet="甲乙方违约 ,,。.20%5", max_size=40),
    st.text(alphabet="甲乙方违约 ,,。.20%5", max_size=40),
)
def test_side_by_side_keeps_every_character_of_both_texts(standard, text):
    left, right = side_by_side(standard, text)
    assert "".join(s.text for s in left) == standard
    assert "".join(s.text for s in right) == text
    assert any(s.changed for s in left + right) == deviates(standard, text)


def test_changes_at_both_ends_are_marked():
    left, right = side_by_side("甲方付款。乙方交付。", "乙方付款。乙方交付!")
    assert [s.text for s in left if s.changed] == ["甲", "。"]
    assert [s.text for s in right if s.changed] == ["乙", "!"]
