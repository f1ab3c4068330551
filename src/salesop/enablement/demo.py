"""Demo data of the enablement app: courses, enrolments, a certification, cases and a
workshop."""

from datetime import timedelta

from salesop.accounts.models import User
from salesop.core.time import company_today
from salesop.deals.models import Deal, ObjectionEntry
from salesop.enablement.cases import case_create, case_review, case_write
from salesop.enablement.models import Course, Module, QuizQuestion, RolePlayScenario
from salesop.enablement.services import (
    enroll,
    practice_sign_off,
    practice_submit,
    quiz_submit,
    roleplay_record,
    session_record,
)

COURSES = [
    (
        "SOP-101",
        "销售 SOP 入门 Sales SOP basics",
        "",
        [
            (
                "theory",
                "六个阶段与出口标准 The six stages and their exit criteria",
                [
                    (
                        "A 级线索应在多久内首次联系?How soon is an A lead first contacted?",
                        ["24 小时内 within 24 hours", "一周内 within a week"],
                        [0],
                    ),
                    (
                        "谁可以越过阶段门?Who may pass a failed stage gate?",
                        ["销售本人 the rep", "经理并写明理由 a manager, with a reason"],
                        [1],
                    ),
                ],
            ),
        ],
    ),
    (
        "DISC-201",
        "需求挖掘 Discovery",
        "discovery",
        [
            (
                "theory",
                "开放式提问与需求分层 Open questions and layered needs",
                [
                    (
                        "哪个是开放式问题?Which is an open question?",
                        [
                            "您目前的仓储流程是怎样的?How does your warehouse work today?",
                            "您有预算吗?Do you have a budget?",
                        ],
                        [0],
                    ),
                    (
                        "深层需求包括 Deep needs include",
                        [
                            "战略目标 strategic goals",
                            "隐性痛点 hidden pains",
                            "功能清单 a feature list",
                        ],
                        [0, 1],
                    ),
                    (
                        "80/20 原则指 The 80/20 rule means",
                        ["客户说 80% the customer talks 80%", "销售说 80% the rep talks 80%"],
                        [0],
                    ),
                ],
            ),
            ("practice", "完成一次需求复述并获客户确认 Get a recap confirmed by a customer", []),
        ],
    ),
    (
        "NEG-301",
        "谈判与异议处理 Negotiation and objections",
        "negotiation",
        [
            (
                "theory",
                "底线与让步 Bottom lines and concessions",
                [
                    (
                        "客户说“太贵了”,先做什么?The customer says it is too expensive: first?",
                        ["认同顾虑 acknowledge the concern", "立刻降价 cut the price"],
                        [0],
                    ),
                    (
                        "让步应当 A concession should",
                        ["换取承诺 buy a commitment", "无条件给出 be free"],
                        [0],
                    ),
                ],
            ),
            (
                "practice",
                "与经理演练一次报价谈判 Rehearse a price negotiation with your manager",
                [],
            ),
        ],
    ),
]


def load_enablement(users: dict[str, User], now) -> None:
    """Courses for the playbook's new-hire programme, Emily (joined six weeks ago) part-way
    through them with 张伟 as mentor and a practice task waiting for his sign-off, 张伟
    certified for negotiation by a role-play, a published case and a draft one, and last
    week's negotiation workshop with who attended."""
    if Course.objects.exists():
        return
    modules = {}
    for code, title, stage, parts in COURSES:
        course = Course.objects.create(code=code, title=title, stage=stage)
        for position, (kind, module_title, questions) in enumerate(parts):
            module = Module.objects.create(
                course=course,
                position=position,
                kind=kind,
                title=module_title,
                material=module_title,
            )
            modules[(code, position)] = module
            for i, (text, choices, correct) in enumerate(questions):
                QuizQuestion.objects.create(
                    module=module, position=i, text=text, choices=choices, correct=correct
                )
    rep, emily, trainer = users["rep"], users["emily"], users["trainer"]
    User.objects.filter(pk=emily.pk).update(date_joined=now - timedelta(days=42))
    User.objects.filter(pk=rep.pk).update(date_joined=now - timedelta(days=700))

    def right(module):
        return {q.pk: list(q.correct) for q in module.questions.all()}

    mine = {}
    for code, _title, _stage, _parts in COURSES:
        course = Course.objects.get(code=code)
        mine[(emily.pk, code)] = enroll(
            by=trainer,
            user=emily,
            course=course,
            mentor=rep,
            due_on=company_today() + timedelta(days=48),
        )
    quiz_submit(
        by=emily,
        enrollment=mine[(emily.pk, "SOP-101")],
        module=modules[("SOP-101", 0)],
        answers=right(modules[("SOP-101", 0)]),
    )
    discovery = modules[("DISC-201", 0)]
    half = {
        pk: ([] if i == 0 else picked) for i, (pk, picked) in enumerate(right(discovery).items())
    }
    quiz_submit(by=emily, enrollment=mine[(emily.pk, "DISC-201")], module=discovery, answers=half)
    practice_submit(
        by=emily,
        enrollment=mine[(emily.pk, "DISC-201")],
        module=modules[("DISC-201", 1)],
        evidence="Recapped needs with Acme Logistics' COO; confirmed by email.",
    )
    negotiation = Course.objects.get(code="NEG-301")
    veteran = enroll(by=trainer, user=rep, course=negotiation, mentor=None)
    quiz_submit(
        by=rep,
        enrollment=veteran,
        module=modules[("NEG-301", 0)],
        answers=right(modules[("NEG-301", 0)]),
    )
    done = practice_submit(
        by=rep,
        enrollment=veteran,
        module=modules[("NEG-301", 1)],
        evidence="与李强演练报价谈判两轮,守住付款条件底线",
    )
    practice_sign_off(by=trainer, result=done, passed=True, note="让步换承诺,很好")
    scenario = RolePlayScenario.objects.create(
        title="采购总监压价 The purchasing director pushes on price",
        stage="negotiation",
        persona="华东某冷链物流公司采购总监,预算紧张,手里有竞品报价",
        situation="方案已获认可,进入价格谈判;客户要求再降 15%",
    )
    scenario.objections.set(ObjectionEntry.objects.filter(category="price")[:2])
    roleplay_record(
        by=trainer,
        scenario=scenario,
        trainee=rep,
        scores={
            "open_questions": 5,
            "needs_layered": 4,
            "recap": 4,
            "objection_handling": 5,
            "value": 4,
        },
        notes="先认同再回应,用 ROI 回应价格",
    )
    roleplay_record(
        by=rep,
        scenario=scenario,
        trainee=emily,
        scores={
            "open_questions": 4,
            "needs_layered": 3,
            "recap": 3,
            "objection_handling": 2,
            "value": 3,
        },
        notes="Conceded 10% too early; practise trading concessions for commitments.",
    )
    won = Deal.objects.filter(owner=rep, status="won").order_by("-closed_at").first()
    if won is not None:
        case = case_create(by=rep, deal=won)
        case_write(
            by=rep,
            case=case,
            title=f"{won.name}:让财务尽早参与",
            decisive_moments="CFO 参加了场景演示,当场认可回本周期",
            lessons="尽早识别财务角色,用回本周期回应价格异议",
        )
        case_review(by=users["manager"], case=case, publish=True)
    lost = Deal.objects.filter(owner=rep, status="lost").order_by("-closed_at").first()
    if lost is not None:
        case_create(by=rep, deal=lost)
    session_record(
        by=trainer,
        kind="workshop",
        title="谈判工作坊:让步换承诺 Trading concessions",
        held_at=now - timedelta(days=6),
        attendees=[rep, emily, users["liuyang"]],
        notes="案例:采购总监压价",
    )
