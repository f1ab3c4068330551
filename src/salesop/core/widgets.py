"""Form widgets drawn without a template each: the form renderer Django uses, except that plain
inputs, selects and their options, check boxes, radio buttons and text areas are written out
here, byte for byte as Django's own widget templates write them (tests/core/test_widgets.py
compares every kind, bound and unbound, and whole form-heavy pages). A deal page drew ~40
widgets and ~60 options through templates: a third of its CPU. A widget with a template of its
own still goes through templates."""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
# Django's widget templates that only include input.html.
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "hidden",
        "email",
        "url",
        "password",
        "tel",
        "search",
        "date",
        "datetime",
        "time",
        "color",
        "checkbox",
    )
)


def _text(value) -> str:
    # what {{ value }} writes: localized, then escaped unless marked safe
    return conditional_escape(str(localize(value)))


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves it out, True writes the bare name
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>"
    )


def _select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option.get("template_name") != f"{WIDGETS}select_option.html":
                return ""  # an option drawn its own way: the templates draw the whole select
            parts.append(f"\n  {_option(option)}\n")  # the option's template ends in a newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


def _choice(option: dict) -> str:
    # input_option.html: the input (input.html's newline kept), wrapped in its label
    html = _input(option) + "\n"
    if not option.get("wrap_label"):
        return html
    given = option["attrs"].get("id")
    label_for = f' for="{_text(given)}"' if given else ""
    return f"<label{label_for}>{html} {_text(option['label'])}</label>"


def _choices(widget: dict) -> str:
    # multiple_input.html: each option in a div, as checkbox_option.html or radio_option.html
    # includes input_option.html (two templates' newlines after each)
    given, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_text(given)}"' if given else "",
        f' class="{_text(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option.get("template_name") not in OPTIONS:
                return ""  # an option drawn its own way: the templates draw them all
            parts.append(f"<div>\n    {_choice(option)}\n\n</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


OPTIONS = frozenset(
    f"{WIDGETS}{name}.html" for name in ("checkbox_option", "radio_option", "input_option")
)

DRAWN = {
    **dict.fromkeys(OPTIONS, _choice),
    f"{WIDGETS}checkbox_select.html": _choices,
    f"{WIDGETS}radio.html": _choices,
    f"{WIDGETS}multiple_input.html": _choices,
    **dict.fromkeys(INPUTS, _input),
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}textarea.html": _textarea,
}


class Renderer(DjangoTemplates):
    """settings.FORM_RENDERER: DjangoTemplates, with the common widgets written out."""

    def render(self, template_name, context, request=None) -> SafeString:
        draw = DRAWN.get(template_name)
        widget = context.get("widget") if draw else None
        if widget is not None:
            html = draw(widget).strip()  # as Django strips what a widget's template writes
            if html:
                return mark_safe(html)  # noqa: S308 (every value above is escaped)  # nosec B308 B703
        return super().render(template_name, context, request)
