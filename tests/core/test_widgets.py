"""Widgets drawn in Python write exactly what Django's widget templates write."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from salesop.core.testing import make_deal, make_lead, signed_in
from salesop.core.widgets import Renderer


class Everything(forms.Form):
    text = forms.CharField(initial='He said "<b>hi</b>" & left', max_length=20)
    safe = forms.CharField(initial=mark_safe("<i>trusted</i>"), required=False)  # noqa: S308
    number = forms.DecimalField(initial=1234.5, min_value=0)
    whole = forms.IntegerField(required=False)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "x": False}))
    hidden = forms.CharField(widget=forms.HiddenInput, initial="7")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    tick = forms.BooleanField(required=False, initial=True)
    password = forms.CharField(widget=forms.PasswordInput)
    notes = forms.CharField(widget=forms.Textarea, initial="line 1\n<script>x</script>")
    empty_notes = forms.CharField(widget=forms.Textarea, required=False)
    pick = forms.ChoiceField(
        choices=[("", "—"), ("a", gettext_lazy("status changed")), ("<b>", "B & C"), (3, 3000)],
        initial="<b>",
    )
    grouped = forms.ChoiceField(
        choices=[("东区", [("sh", "上海"), ("hz", "杭州")]), ("west", [("cd", "成都")])],
        initial="hz",
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], initial=["x", "y"])
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, initial=["y"]
    )
    radio = forms.ChoiceField(choices=[("x", "X")], widget=forms.RadioSelect)
    file = forms.FileField(required=False)


@pytest.mark.no_clock
@pytest.mark.parametrize("bound", [False, True])
def test_every_kind_of_widget_is_drawn_as_its_template_draws_it(bound):
    data = {"text": "<x>", "number": "abc", "pick": "3", "many": ["y"], "tick": "on"}
    ours = Everything(data if bound else None, renderer=Renderer())
    django = Everything(data if bound else None, renderer=DjangoTemplates())
    for name in ours.fields:
        assert str(ours[name]) == str(django[name]), name
    for name in ("boxes", "radio", "pick"):  # one option at a time, as a page may draw them
        for mine, theirs in zip(ours[name].subwidgets, django[name].subwidgets, strict=True):
            assert (mine.tag(), str(mine)) == (theirs.tag(), str(theirs)), name


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+"', "", html)


@pytest.mark.django_db
def test_form_heavy_pages_read_the_same_either_way(org):
    deal = make_deal(org.rep)
    lead = make_lead(org.rep)
    client = signed_in(org.rep)
    for url in (f"/deals/{deal.pk}/", f"/leads/{lead.pk}/", "/leads/", "/deals/new/"):
        ours = client.get(url).content.decode()
        with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
            django = client.get(url).content.decode()
        assert _without_tokens(ours) == _without_tokens(django), url
        assert "<select" in ours or "<input" in ours
