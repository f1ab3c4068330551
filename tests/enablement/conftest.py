"""A negotiation course (a quiz and a practice task) the rep is enrolled in with the teammate
as mentor, and a negotiation role-play scenario."""

import pytest

from salesop.enablement.models import Course, Module, QuizQuestion, RolePlayScenario
from salesop.enablement.services import enroll

FULL = {"open_questions": 5, "needs_layered": 4, "recap": 4, "objection_handling": 4, "value": 3}


@pytest.fixture
def negotiation_course(org):
    course = Course.objects.create(code="NEG-301", title="谈判与异议处理", stage="negotiation")
    quiz = Module.objects.create(course=course, position=1, kind="theory", title="让步策略")
    questions = [
        QuizQuestion.objects.create(
            module=quiz, position=i, text=text, choices=choices, correct=correct
        )
        for i, (text, choices, correct) in enumerate(
            [
                (
                    "谈判前要明确哪些底线?",
                    ["价格", "服务范围", "付款条件", "客户的预算"],
                    [0, 1, 2],
                ),
                ("客户说太贵了,先做什么?", ["立刻降价", "认同顾虑,再回应"], [1]),
                ("让步应当...", ["换取对方承诺", "无条件给出"], [0]),
                ("Who approves a 15% discount?", ["nobody", "the manager"], [1]),
            ]
        )
    ]
    practice = Module.objects.create(course=course, position=2, kind="practice", title="模拟报价")
    enrollment = enroll(by=org.manager, user=org.rep, course=course, mentor=org.teammate)
    scenario = RolePlayScenario.objects.create(
        title="采购总监压价", stage="negotiation", persona="某物流公司采购总监,预算紧张"
    )
    return enrollment, quiz, questions, practice, scenario


def answers(questions, wrong=()):
    return {q.pk: ([1 - q.correct[0]] if q.pk in wrong else list(q.correct)) for q in questions}
