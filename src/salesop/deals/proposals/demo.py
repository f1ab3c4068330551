"""Demo data of the deals app, continued: the objection library, and delivered
proposals with an objection raised and resolved."""

from decimal import Decimal

from salesop.accounts.models import User
from salesop.deals.discovery.rules import recap_language
from salesop.deals.models import Deal, DealObjection, ObjectionEntry
from salesop.deals.objections import objection_raise
from salesop.deals.proposals.services import (
    RowInput,
    proposal_create,
    proposal_present,
    proposal_roi_set,
    value_rows_add,
)

# category, industry (blank: all), objection, acknowledge, answer, supporting data or case
OBJECTION_LIBRARY = [
    (
        "price",
        "",
        "价格太高了,超出预算",
        "理解,预算确实是要认真考虑的。",
        "可以按订阅制分年付费,首年投入降低 60%;同时看三年 ROI 而不是一次性价格。",
        "某物流客户订阅制首年投入 19 万,11 个月回本。",
    ),
    (
        "implementation_time",
        "物流",
        "实施周期太长,旺季前上不了线",
        "旺季前稳定上线确实是您最关心的。",
        "分阶段上线:先上核心仓的收货与拣货,六周可用,其余模块旺季后再上。",
        "上海某三方仓 6 周完成一期上线,双十一订单峰值无差错。",
    ),
    (
        "competitor",
        "",
        "另一家报价更便宜",
        "多比较几家是负责任的做法。",
        "请一起对比总拥有成本与实施成功率:我们含本地实施团队与 7×24 支持。",
        "行业客户三年总成本对比表(可提供脱敏版本)。",
    ),
    (
        "risk",
        "制造业",
        "担心数据迁移影响生产",
        "生产不能停,这个顾虑非常合理。",
        "迁移在周末窗口完成,并行运行两周,随时可回退。",
        "杭州某工厂零停机完成 MES 切换。",
    ),
    (
        "timing",
        "",
        "今年预算已用完,明年再说",
        "理解预算周期的安排。",
        "本月签约可锁定价格并赠送培训,付款可安排在明年一季度。",
        "",
    ),
    (
        "authority",
        "",
        "我需要请示老板",
        "当然,这么重要的决定需要老板参与。",
        "我们准备一页 ROI 摘要给老板,并约一次 30 分钟的联合会议。",
        "",
    ),
    (
        "price",
        "Manufacturing",
        "The licence cost is too high for a pilot",
        "That makes sense: a pilot should prove value before a big commitment.",
        "Start with a one-line pilot on a subscription; the pilot fee is credited to the full "
        "rollout.",
        "A Suzhou plant paid back its pilot in 5 months through scrap reduction.",
    ),
    (
        "implementation_time",
        "",
        "We don't have IT people to run an implementation",
        "Understood: your team is busy running operations.",
        "Our delivery team leads the project; your side needs one key user for two hours a week.",
        "Average customer-side effort in 2025 projects: 26 hours in total.",
    ),
]


# deal -> (owner, title, rows (pain, solution, value, amount, unit), investment, yearly benefits,
# the objection raised (category, library entry, the customer's words))
PROPOSAL_PLANS = {
    "MES 二期": (
        "MES 二期:产线透明与质量追溯",
        [
            (
                "换线靠经验,停机时间长",
                "排产与换线指导上屏",
                "每月减少停机 40 小时",
                "40",
                "小时/月",
            ),
            ("质量问题追溯要 2 天", "批次全链路追溯", "追溯时间降到 10 分钟", "10", "分钟"),
            ("报废率 3.2%", "工艺参数实时预警", "每年减少报废损失", "520000", ""),
        ],
        "1200000",
        [("报废减少 scrap", "520000"), ("停机减少 downtime", "380000")],
        ("price", "价格太高了,超出预算", "二期预算只批了 100 万"),
    ),
    "海外仓一体化": (
        "海外仓一体化方案",
        [
            ("海外仓库存看不见", "多仓库存实时同步", "缺货率下降 30%", "30", "%"),
            ("头程与尾程对账靠 Excel", "物流费用自动对账", "每年节省财务人力", "240000", ""),
        ],
        "900000",
        [("人力 labour", "240000"), ("缺货损失 stock-outs", "300000")],
        ("implementation_time", "实施周期太长,旺季前上不了线", "黑五前必须上线"),
    ),
}


def demo_proposal(deal: Deal, by: User) -> None:
    """A delivered proposal: the deal's plan above, or one row per recorded pain and goal with
    an ROI from the deal's amount."""
    if deal.proposals.exists():
        return
    english = not recap_language(deal.account.name).startswith("zh")
    plan = PROPOSAL_PLANS.get(deal.name)
    if plan:
        title, rows, investment, benefits, _raised = plan
        inputs = [
            RowInput(pain=p, solution=s, value=v, amount=Decimal(a), unit=u)
            for p, s, v, a, u in rows
        ]
    else:
        title = deal.name
        amount = deal.amount or Decimal(100000)
        investment = str(amount)
        benefits = [("效率提升 efficiency", str((amount * Decimal("0.45")).quantize(Decimal(1))))]
        inputs = [
            RowInput(
                pain=need.summary,
                solution="Live stock and scanning" if english else "实时库存与扫码作业",
                value="Errors down 80 %" if english else "差错率下降 80%",
                amount=Decimal(80),
                unit="%",
                need_id=need.pk,
            )
            for need in deal.needs.filter(kind__in=["hidden_pain", "strategic_goal"])
        ] or [RowInput(pain=deal.name, solution="—", value="—")]
    proposal = proposal_create(deal=deal, by=by, title=title, audience="executive")
    value_rows_add(proposal=proposal, by=by, rows=inputs)
    proposal_roi_set(
        proposal=proposal,
        by=by,
        investment=Decimal(investment),
        benefits=[{"label": label, "amount": amount} for label, amount in benefits],
    )
    proposal_present(
        proposal=proposal,
        by=by,
        duration_minutes=75,
        notes="Attended by the CEO and CFO" if english else "客户 CEO、财务总监参加",
    )


def load_proposals_and_objections(users: dict[str, User]) -> None:
    """The objection library, and on the deals with a plan above a delivered proposal with an
    objection raised and resolved. Found by natural key when run again."""
    for category, industry, objection, acknowledge, answer, evidence in OBJECTION_LIBRARY:
        ObjectionEntry.objects.get_or_create(
            objection=objection,
            industry=industry,
            defaults={
                "category": category,
                "acknowledge": acknowledge,
                "answer": answer,
                "evidence": evidence,
            },
        )
    for deal_name, plan in PROPOSAL_PLANS.items():
        deal = Deal.objects.filter(name=deal_name).first()
        if deal is None or not deal.is_open:
            continue
        demo_proposal(deal, deal.owner)
        category, library_text, words = plan[-1]
        if not DealObjection.objects.filter(deal=deal).exists():
            entry = ObjectionEntry.objects.filter(objection=library_text).first()
            objection_raise(
                deal=deal,
                by=deal.owner,
                entry=entry,
                category=category,
                customer_words=words,
                answer_used=entry.answer if entry else "",
                resolved=True,
            )
