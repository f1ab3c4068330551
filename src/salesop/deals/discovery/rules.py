"""Discovery's language work, as pure functions: is a question open, which phrases stand out in
the notes, the recap sentence in the customer's language, and a call transcript's talk ratio."""

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from salesop.core.money import format_money

CJK = re.compile(r"[\u4e00-\u9fff]")

# A question that can be answered with yes/no or a single fact: the SOP asks for open ones.
CLOSED_EN = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|shall|should|have|has|had|may|might"
    r"|must|am|isn't|aren't|don't|doesn't|didn't|won't|wouldn't|can't|couldn't)\b",
    re.IGNORECASE,
)
CLOSED_ZH = re.compile(r"(吗|么|是不是|有没有|能不能|会不会|要不要|对不对|是否|可不可以|行不行)")
OPEN_ZH = re.compile(r"(什么|怎么|怎样|如何|为什么|为何|哪些|哪个|哪里|多少|多久|谈谈|说说|介绍)")


def is_closed_question(text: str) -> bool:
    """True for questions answerable with yes/no (是否/吗 in Chinese; is/do/can... in English)."""
    text = text.strip().rstrip("?？ ")
    if CJK.search(text):
        return bool(CLOSED_ZH.search(text)) and not OPEN_ZH.search(text)
    return bool(CLOSED_EN.match(text))


STOP_EN = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just let me more most my no nor not now of off on once only or other our ours out over own
    please same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yes okay ok really think know want need like get
    got going go make us one two lot lots thing things way well much many still maybe right
    sure said say says""".split()
)
STOP_ZH = frozenset(
    """我们 你们 他们 她们 它们 我 你 他 她 它 的 了 是 在 有 和 就 都 而 及 与 着 或 一个 没有
    这个 那个 这些 那些 可以 就是 因为 所以 但是 如果 现在 目前 希望 需要 觉得 认为 比较 非常
    一些 一下 还是 已经 然后 之后 之前 时候 问题 情况 方面 进行 通过 对于 关于 其实 还有 这样
    那样 什么 怎么 为什么 如何 客户 我司 贵司 公司 我们的 他们的 同时 主要 以及 一直 可能
    应该 需求 表示 提到 说""".split()
)
WORD_EN = re.compile(r"[a-z][a-z0-9'\-]{2,}")
SENTENCE = re.compile(r"[.!?;,:\n。！？；，：]+")


@cache
def _jieba():
    """jieba, loaded once per process with its dictionary cache in the data directory."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    jieba.dt.tmp_dir = str(Path(settings.DATA_DIR))
    jieba.initialize()
    return jieba.analyse


def extract_keywords(text: str, limit: int = 12) -> list[tuple[str, float]]:
    """The phrases that stand out in `text`, with a weight in 0..1, stop words removed: jieba's
    TF-IDF for Chinese, word and two-word counts for English."""
    if not text.strip():
        return []
    found: dict[str, float] = {}
    if CJK.search(text):
        for term, weight in _jieba().extract_tags(text, topK=limit * 2, withWeight=True):
            term = term.strip().lower()
            if len(term) < 2 or term in STOP_ZH or term in STOP_EN or term.isdigit():
                continue
            found[term] = max(found.get(term, 0.0), float(weight))
    counts: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for sentence in SENTENCE.split(text.lower()):
        words = [w.strip("'-") for w in WORD_EN.findall(sentence)]
        for i, word in enumerate(words):
            if word in STOP_EN:
                continue
            counts[word] += 1
            if i + 1 < len(words) and words[i + 1] not in STOP_EN:
                pairs[f"{word} {words[i + 1]}"] += 1
    # A repeated pair says more than its words; a pair heard once is noise.
    counts.update({pair: 2 * n for pair, n in pairs.items() if n > 1})
    top = max(counts.values(), default=1)
    for term, count in counts.most_common(limit * 2):
        found.setdefault(term, count / top)
    if found:
        top_weight = max(found.values())
        found = {term: weight / top_weight for term, weight in found.items()}
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(term, round(weight, 3)) for term, weight in ranked[:limit]]


@dataclass(frozen=True)
class RecapNeed:
    kind: str  # feature | budget | strategic_goal | hidden_pain
    summary: str
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    currency: str = "CNY"


def recap_language(account_name: str) -> str:
    """The customer's language as far as we can tell: Chinese when the company name is."""
    return "zh-hans" if CJK.search(account_name) else "en"


def recap(needs: list[RecapNeed], language: str) -> str:
    """The confirmation summary read back to the customer ("您的意思是..." / "So you want ..."),
    built from the needs in the order the SOP recaps them: what, budget, goals, pains."""
    with translation.override(language):
        lines = []
        features = [n.summary for n in needs if n.kind == "feature"]
        goals = [n.summary for n in needs if n.kind == "strategic_goal"]
        pains = [n.summary for n in needs if n.kind == "hidden_pain"]
        budgets = [n for n in needs if n.kind == "budget"]
        separator = _(", ")
        if features:
            lines.append(_("you need %(items)s") % {"items": separator.join(features)})
        for need in budgets:
            if need.budget_min is not None and need.budget_max is not None:
                amount = _("%(low)s to %(high)s") % {
                    "low": format_money(need.budget_min, need.currency),
                    "high": format_money(need.budget_max, need.currency),
                }
            elif need.budget_max is not None:
                amount = _("up to %(high)s") % {
                    "high": format_money(need.budget_max, need.currency)
                }
            elif need.budget_min is not None:
                amount = _("from %(low)s") % {"low": format_money(need.budget_min, need.currency)}
            else:
                amount = need.summary
            lines.append(_("the budget is %(amount)s") % {"amount": amount})
        if goals:
            lines.append(_("the goal behind it is %(items)s") % {"items": separator.join(goals)})
        if pains:
            lines.append(
                _("what troubles you most today is %(items)s") % {"items": separator.join(pains)}
            )
        if not lines:
            return ""
        body = "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
        return "\n".join([_("So you want the following:"), body, _("Did I understand you right?")])


@dataclass(frozen=True)
class TalkRatio:
    speakers: dict[str, int]  # label -> characters spoken
    rep_share_pct: Decimal
    open_questions: int
    closed_questions: int


class TranscriptError(ValueError):
    """A transcript that cannot be used; `line` is 1-based, `field` the input at fault."""

    def __init__(self, message: str, line: int | None = None, field: str = "file"):
        super().__init__(message)
        self.line = line
        self.field = field


TIMING = re.compile(r"^\s*(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{3}\s*-->\s*")
VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(</v>)?$")
LABELLED = re.compile(r"^([^:：<>]{1,40})[:：]\s*(.+)$")
QUESTION = re.compile(r"[^?？。.!！]*[?？]")


def transcript_turns(text: str) -> list[tuple[str, str]]:
    """(speaker, words) for each spoken line of a plain-text ("Name: words") or WebVTT
    (`<v Name>` or "Name: " cues) transcript. A spoken line without a label is refused."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    vtt = bool(lines) and lines[0].lstrip("\ufeff").startswith("WEBVTT")
    turns, skip_block, cue_speaker = [], False, None
    for number, raw in enumerate(lines, 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            skip_block, cue_speaker = False, None
            continue
        if vtt:
            if number == 1 or skip_block:
                continue
            if line.startswith(("NOTE", "STYLE", "REGION")):
                skip_block = True
                continue
            if TIMING.match(line) or line.isdigit():
                continue
        voice = VOICE.match(line)
        labelled = LABELLED.match(line)
        if voice:
            speaker, words = voice.group(1), voice.group(2)
        elif labelled:
            speaker, words = labelled.group(1), labelled.group(2)
        elif cue_speaker:  # a WebVTT cue's text may run over several lines
            speaker, words = cue_speaker, line
        else:
            raise TranscriptError(
                _("Line %(line)d has no speaker label (write “Name: words” or <v Name>).")
                % {"line": number},
                number,
            )
        if vtt:
            cue_speaker = speaker
        words = re.sub(r"<[^>]+>", "", words).strip()
        if words:
            turns.append((speaker.strip(), words))
    if not turns:
        raise TranscriptError(_("The transcript has no spoken lines."))
    return turns


def talk_ratio(turns: list[tuple[str, str]], rep_speaker: str) -> TalkRatio:
    """The rep's share of what was said (characters, so Chinese and English count alike) and
    the rep's open and closed questions."""
    speakers: Counter[str] = Counter()
    open_count = closed_count = 0
    for speaker, words in turns:
        speakers[speaker] += len(re.sub(r"\s+", "", words))
        if speaker == rep_speaker:
            for question in QUESTION.findall(words):
                if is_closed_question(question):
                    closed_count += 1
                else:
                    open_count += 1
    if rep_speaker not in speakers:
        raise TranscriptError(
            _("“%(rep)s” does not speak in this transcript; speakers: %(speakers)s.")
            % {"rep": rep_speaker, "speakers": ", ".join(speakers)},
            field="rep_speaker",
        )
    total = sum(speakers.values())
    share = (Decimal(speakers[rep_speaker] * 100) / Decimal(total)).quantize(Decimal("0.1"))
    return TalkRatio(dict(speakers), share, open_count, closed_count)
