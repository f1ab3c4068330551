"""No export can carry a formula: whatever text a record holds, every CSV and XLSX cell read
back from our writers starts harmlessly and no XLSX cell is a formula (generated inputs), and
the lead exports people download hold to it end to end."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from salesop.core.export import csv_rows
from salesop.core.spreadsheets import write_csv, write_xlsx
from salesop.core.testing import make_lead

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# text that starts with what spreadsheets treat as a formula, after characters they drop
hostile = st.builds(
    lambda junk, start, rest: junk + start + rest,
    st.text(alphabet="\x00\x01\x02\x0b\x1f", max_size=3),
    st.sampled_from([*DANGEROUS, "", "'", " "]),
    st.text(max_size=20),
)


def _harmless(value) -> bool:
    return not (isinstance(value, str) and value.startswith(DANGEROUS))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(hostile, min_size=1, max_size=5))
def test_xlsx_cells_are_never_formulas(values):
    stream = io.BytesIO()
    write_xlsx(stream, ["name"] * len(values), [values])
    stream.seek(0)
    cells = list(load_workbook(stream).active.iter_rows(min_row=2))[0]
    assert [c.data_type for c in cells if c.data_type == "f"] == []
    assert all(_harmless(c.value) for c in cells)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(hostile, min_size=1, max_size=5))
def test_csv_cells_start_harmlessly(values):
    stream = io.StringIO()
    write_csv(stream, ["name"] * len(values), [values])
    streamed = "".join(csv_rows(["name"] * len(values), [values]))
    for text in (stream.getvalue(), streamed.lstrip("\ufeff")):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert all(_harmless(cell) for cell in rows[1])


def test_downloaded_lead_exports_hold_no_formula(client, org, django_capture_on_commit_callbacks):
    names = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "\x01=SUM(A1:A9)", "@A1"]
    for i, name in enumerate(names):
        make_lead(org.rep, company=name, phone=f"1360000{i:04d}")
    client.force_login(org.rep)
    for fmt in ("csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(f"/leads/export.{fmt}")
        body = b"".join(client.get(started["Location"] + "download/").streaming_content)
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(body)).active
            cells = [c for row in sheet.iter_rows() for c in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"]
            values = [c.value for c in cells]
        else:
            values = [v for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for v in row]
        assert all(_harmless(v) for v in values), fmt
        assert sum("HYPERLINK" in str(v) for v in values) == 1  # the text is kept, defused
