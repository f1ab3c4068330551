"""The clauses of the starter contract templates salesop offers (Chinese and English): a
sales contract's usual parts with the two the SOP names as special risks, liability for
breach (违约责任) and intellectual property (知识产权). Legal adapts them as new versions."""

# (key, title, standard text, risk class)
CLAUSES_ZH = [
    (
        "payment",
        "付款",
        "甲方应在收到发票后 {{ payment_term_days }} 日内支付合同价款。",
        "standard",
    ),
    ("delivery", "交付", "乙方应在合同生效后 60 日内完成系统部署。", "standard"),
    ("acceptance", "验收", "甲方应在交付后 10 个工作日内完成验收，逾期视为验收合格。", "standard"),
    (
        "liability",
        "违约责任",
        "任何一方违约，应赔偿对方因此遭受的直接损失，赔偿总额以合同总价的 20% 为上限。",
        "special",
    ),
    ("ip", "知识产权", "软件及相关文档的知识产权归乙方所有，甲方获得非独占使用许可。", "special"),
    (
        "confidentiality",
        "保密",
        "双方对在合作中知悉的对方商业秘密负有保密义务，期限三年。",
        "standard",
    ),
    (
        "termination",
        "终止",
        "一方严重违约且在书面通知后 30 日内未纠正的，另一方可解除合同。",
        "standard",
    ),
]

CLAUSES_EN = [
    (
        "payment",
        "Payment",
        ("The Buyer pays within {{ payment_term_days }} days of receiving the invoice."),
        "standard",
    ),
    (
        "delivery",
        "Delivery",
        "The Seller deploys the system within 60 days of the contract taking effect.",
        "standard",
    ),
    (
        "acceptance",
        "Acceptance",
        "The Buyer completes acceptance within 10 working days of delivery; silence counts as "
        "acceptance.",
        "standard",
    ),
    (
        "liability",
        "Liability for breach",
        "A party in breach compensates the other's direct losses, capped at 20% of the "
        "contract price.",
        "special",
    ),
    (
        "ip",
        "Intellectual property",
        "The Seller owns the software and its documentation; the Buyer receives a non-exclusive "
        "licence to use them.",
        "special",
    ),
    (
        "confidentiality",
        "Confidentiality",
        "Each party keeps the other's trade secrets confidential for three years.",
        "standard",
    ),
    (
        "termination",
        "Termination",
        "Either party may terminate if the other's material breach is not cured within 30 days "
        "of written notice.",
        "standard",
    ),
]


def as_dicts(clauses) -> list[dict[str, str]]:
    return [
        {"key": key, "title": title, "text": text, "risk": risk}
        for key, title, text, risk in clauses
    ]
