"""Pages of the discovery workspace and the decision chain. Each form posts to its own view,
which calls one service and comes back to the workspace (or the deal page) with the result."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled
from salesop.deals import selectors
from salesop.deals.discovery import services
from salesop.deals.discovery.rules import recap_language
from salesop.deals.forms import (
    CallPlanForm,
    KeywordForm,
    NeedForm,
    PrepForm,
    QuestionForm,
    RecapConfirmForm,
    RecapForm,
    RecapSendForm,
    StakeholderForm,
    TranscriptForm,
)
from salesop.deals.models import Discovery, Question, QuestionLayer
from salesop.deals.selectors import recap_link_for


def _workspace(request, deal, forms: dict | None = None, status: int = 200):
    space = selectors.discovery_workspace(deal)
    discovery = space.discovery
    bank = selectors.question_bank(deal.account.industry)
    forms = forms or {}
    context = {
        "deal": deal,
        "discovery": discovery,
        "brief": selectors.prep_brief(request.user, deal),
        "call_plan": space.call_plan,
        "needs": space.needs,
        "keywords": space.keywords,
        "transcripts": space.transcripts,
        "recap_links": space.recap_links,
        "now": timezone.now(),
        "recap_language": discovery.recap_language or recap_language(deal.account.name),
        "prep_form": forms.get("prep")
        or styled(
            PrepForm(
                initial={
                    "industry_news": discovery.industry_news,
                    "competitor_moves": discovery.competitor_moves,
                }
            )
        ),
        "plan_form": forms.get("plan")
        or styled(CallPlanForm(bank=bank.exclude(pk__in=deal.call_plan.values("question_id")))),
        "need_form": forms.get("need") or styled(NeedForm()),
        "keyword_form": forms.get("keyword") or styled(KeywordForm()),
        "recap_form": forms.get("recap")
        or styled(RecapForm(initial={"recap_text": discovery.recap_text})),
        "confirm_form": forms.get("confirm") or styled(RecapConfirmForm()),
        "send_form": forms.get("send")
        or styled(RecapSendForm(contacts=selectors.contacts_of(deal))),
        "transcript_form": forms.get("transcript")
        or styled(TranscriptForm(initial={"rep_speaker": request.user.get_full_name()})),
        "layers": QuestionLayer,
        "guideline_pct": 20,
    }
    return render(request, "deals/discovery.html", context, status=status)


@login_required
def discovery_page(request, deal_id: int):
    return _workspace(request, selectors.deal_for(request.user, deal_id))


def _post(request, deal_id: int, key: str, form, action, success, anchor: str):
    """Validates `form`, runs `action(cleaned_data)`; on refusal shows the workspace again with
    the form's errors (422), else goes back to the workspace section saying `success` (a text,
    or a function of what the action answered)."""
    deal = selectors.deal_for(request.user, deal_id)
    form = styled(form(deal))
    if form.is_valid():
        try:
            result = action(deal, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(reverse("deals:discovery", args=[deal.pk]) + f"#{anchor}")
    messages.error(request, _("Not saved: please correct the fields marked."))
    return _workspace(request, deal, {key: form}, status=422)


@login_required
@require_POST
def prep_save(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "prep",
        lambda deal: PrepForm(request.POST),
        lambda deal, data: services.prep_save(deal=deal, by=request.user, **data),
        _("Prep notes saved."),
        "prep",
    )


@login_required
@require_POST
def call_plan_add(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "plan",
        lambda deal: CallPlanForm(
            request.POST, bank=selectors.question_bank(deal.account.industry)
        ),
        lambda deal, data: services.call_plan_add(
            deal=deal, by=request.user, questions=list(data["questions"])
        ),
        _("Questions added to the call plan."),
        "plan",
    )


@login_required
@require_POST
def call_plan_remove(request, deal_id: int, item_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    item = get_object_or_404(deal.call_plan, pk=item_id)
    try:
        services.call_plan_remove(item=item, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("deals:discovery", args=[deal.pk]) + "#plan")


@login_required
@require_POST
def need_add(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "need",
        lambda deal: NeedForm(request.POST),
        lambda deal, data: services.need_add(deal=deal, by=request.user, **data),
        _("Need recorded."),
        "needs",
    )


@login_required
@require_POST
def need_remove(request, deal_id: int, need_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    need = get_object_or_404(deal.needs, pk=need_id)
    try:
        services.need_remove(need=need, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("deals:discovery", args=[deal.pk]) + "#needs")


@login_required
@require_POST
def keywords_extract(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    try:
        tags = services.keywords_extract(deal=deal, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(count)d keywords suggested: keep the ones that matter.") % {"count": len(tags)},
        )
    return redirect(reverse("deals:discovery", args=[deal.pk]) + "#keywords")


@login_required
@require_POST
def keyword_add(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "keyword",
        lambda deal: KeywordForm(request.POST),
        lambda deal, data: services.keyword_add(deal=deal, by=request.user, **data),
        _("Keyword added."),
        "keywords",
    )


@login_required
@require_POST
def keyword_confirm(request, deal_id: int, tag_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    tag = get_object_or_404(deal.keywords, pk=tag_id)
    decision = request.POST.get("decision", "")
    try:
        services.keyword_confirm(
            tag=tag, by=request.user, confirmed=decision != "drop", is_pain=decision == "pain"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("deals:discovery", args=[deal.pk]) + "#keywords")


@login_required
@require_POST
def recap_generate(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    language = request.POST.get("language")
    try:
        services.recap_generate(
            deal=deal, by=request.user, language=language if language in ("zh-hans", "en") else None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recap written from the needs: read it, edit it, confirm it."))
    return redirect(reverse("deals:discovery", args=[deal.pk]) + "#recap")


@login_required
@require_POST
def recap_save(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "recap",
        lambda deal: RecapForm(request.POST),
        lambda deal, data: services.recap_save(deal=deal, by=request.user, text=data["recap_text"]),
        _("Recap saved."),
        "recap",
    )


def _recap_sent(sent) -> str:
    link, token = sent
    values = {"contact": link.contact.name, "url": services.recap_link_url(token)}
    if link.contact.email:
        return (
            _(
                "Recap emailed to %(contact)s. Its one-time link, to pass on by chat as well: "
                "%(url)s"
            )
            % values
        )
    return (
        _("%(contact)s has no email address: pass this one-time link on by chat: %(url)s") % values
    )


@login_required
@require_POST
def recap_send(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "send",
        lambda deal: RecapSendForm(request.POST, contacts=selectors.contacts_of(deal)),
        lambda deal, data: services.recap_send(deal=deal, by=request.user, **data),
        _recap_sent,
        "recap",
    )


@login_required
@require_POST
def recap_confirm(request, deal_id: int):
    return _post(
        request,
        deal_id,
        "confirm",
        lambda deal: RecapConfirmForm(request.POST),
        lambda deal, data: services.recap_confirm(deal=deal, by=request.user, **data),
        _("Recap marked confirmed by you."),
        "recap",
    )


@login_required
@require_POST
def transcript_upload(request, deal_id: int):
    def upload(deal, data):
        upload = data["file"]
        services.transcript_upload(
            deal=deal,
            by=request.user,
            filename=upload.name,
            content=upload.read(services.TRANSCRIPT_MAX_BYTES + 1),
            rep_speaker=data["rep_speaker"],
        )

    return _post(
        request,
        deal_id,
        "transcript",
        lambda deal: TranscriptForm(request.POST, request.FILES),
        upload,
        _("Transcript analysed."),
        "talk",
    )


# --- Decision chain (a card on the deal page) ---------------------------------------------------


def decision_chain_context(deal, form=None) -> dict:
    return {
        "role_map": selectors.decision_chain(deal),
        "stakeholder_form": form or styled(StakeholderForm(contacts=selectors.contacts_of(deal))),
    }


@login_required
@require_POST
def stakeholder_engaged(request, deal_id: int, stakeholder_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    person = get_object_or_404(deal.stakeholders, pk=stakeholder_id)
    try:
        services.stakeholder_engaged(stakeholder=person, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Engagement recorded."))
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#decision-chain")


@login_required
@require_POST
def stakeholder_remove(request, deal_id: int, stakeholder_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    person = get_object_or_404(deal.stakeholders, pk=stakeholder_id)
    try:
        services.stakeholder_remove(stakeholder=person, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#decision-chain")


# --- Question bank (sales ops) ------------------------------------------------------------------


@login_required
def question_bank(request):
    form = styled(QuestionForm(request.POST or None))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.question_create(by=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Question added."))
                return redirect("deals:questions")
        status = 422
    questions = selectors.question_bank(None, active_only=not request.user.can_administer)
    return render(
        request,
        "deals/questions.html",
        {
            "questions": questions.order_by("layer", "industry", "id")[:500],
            "form": form,
            "may_edit": request.user.can_administer,
        },
        status=status,
    )


@login_required
@require_POST
def question_toggle(request, question_id: int):
    question = get_object_or_404(Question, pk=question_id)
    try:
        services.question_set_active(question=question, by=request.user, active=not question.active)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("deals:questions")


# --- The customer's side of the recap (no login: the one-time link is the key) -----------------


def customer_recap(request, token: str):
    """The customer reads the recap in its language and confirms it or corrects it in their
    own words, once."""
    link = recap_link_for(token)
    closed = services.recap_link_problem(link)
    discovery = Discovery.objects.filter(deal=link.deal_id).first() if link else None
    language = (discovery.recap_language if discovery else "") or translation.get_language()
    with translation.override(language):
        errors = {}
        answer = request.POST.get("answer")
        if closed is None and request.method == "POST" and answer not in ("confirm", "correct"):
            errors = {"answer": _("Say whether the recap is right or send your correction.")}
        elif closed is None and request.method == "POST":
            try:
                services.recap_answer(
                    token=token,
                    confirmed=answer == "confirm",
                    words=request.POST.get("words", ""),
                )
            except DomainError as exc:
                if exc.fields:
                    errors = exc.fields
                else:
                    closed = exc.message  # answered meanwhile, or changed
            else:
                return render(
                    request,
                    "deals/customer_recap.html",
                    {"thanks": request.POST.get("answer") == "confirm", "answered": True},
                )
        return render(
            request,
            "deals/customer_recap.html",
            {"link": link, "closed": closed, "errors": errors, "values": request.POST},
            status=422 if errors else (404 if link is None else 200),
        )
