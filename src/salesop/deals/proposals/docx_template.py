"""Builds the Word template salesop ships for proposal export (docxtpl's Jinja tags inside a
python-docx document). Run `python -m salesop.deals.proposals.docx_template` to rebuild the
committed file; sales ops start their own template from a copy of it."""

from pathlib import Path

from salesop.core.docx import add_loop_table

DEFAULT_TEMPLATE = Path(__file__).parents[1] / "templates" / "deals" / "proposals" / "proposal.docx"


def build_default_template(path: Path = DEFAULT_TEMPLATE) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("{{ title }} (v{{ version }})", level=0)
    document.add_paragraph("客户 Customer: {{ customer }}")
    document.add_paragraph("商机 Deal: {{ deal }}")
    document.add_paragraph("日期 Date: {{ date }}    联系人 Prepared by: {{ owner }}")

    document.add_heading("价值与回报 Value and return", level=1)
    document.add_paragraph("投资 Investment: {{ roi.investment }}")
    document.add_paragraph("年收益 Yearly benefit: {{ roi.yearly_benefit }}")
    document.add_paragraph("{%p for line in roi.benefits %}")
    document.add_paragraph("• {{ line.label }}: {{ line.amount }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("回本周期 Payback: {{ roi.payback_months }}")
    document.add_paragraph("{{ roi.horizon_years }} 年投资回报率 ROI: {{ roi.roi_pct }}")
    document.add_paragraph("{{ roi.message }}")

    document.add_heading("痛点 - 方案 - 量化价值 Pain, solution, value", level=1)
    add_loop_table(
        document,
        ["痛点 Pain", "方案 Solution", "价值 Value", "量化 Quantified"],
        [
            "{{ row.pain }}",
            "{% if show_solution %}{{ row.solution }}{% endif %}",
            "{{ row.value }}",
            "{{ row.amount }}",
        ],
        "row in rows",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


if __name__ == "__main__":
    print(build_default_template())
