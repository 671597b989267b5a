"""What ``files/office`` wrote before its cells became XML text (issue #25): ``xlsx_bytes`` with openpyxl's own
cells, appended and styled one by one, and ``table_docx`` with python-docx's rows, cells and runs.
tests/files/test_office.py compares them byte for byte with the code of today."""
from __future__ import annotations

import io
from typing import Any, Sequence, cast

from casecoder.files.office import (
    LANDSCAPE_FROM,
    MAX_COLUMN_WIDTH,
    _numeric,
    _print_setup,
    _wants,
    a4_document,
    column_widths,
    keep_rows_whole,
    repeat_header,
    size_columns,
    text_width_cm,
)
from casecoder.files.ooxml import deterministic_zip
from casecoder.files.tabular import neutralise


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], sheet: str = "data",
               notes: Sequence[str] = ()) -> bytes:
    """One sheet: header row, data rows, then (after a blank row) any notes in column A."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    ws = cast(Worksheet, wb.active)  # a new workbook's one sheet
    ws.title = sheet[:31]
    # the row just written and the widest row so far are counted here: openpyxl's max_row and max_column look
    # at every cell of the sheet, which made a sheet of 6,000 rows take a minute and a half
    _append(ws, header, 1)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    wrapped = Alignment(vertical="top", wrap_text=True)
    last, columns = 1, len(header)
    for row in rows:
        last, columns = last + 1, max(columns, len(row))
        _append(ws, row, last)
        if any(len(str(v)) > MAX_COLUMN_WIDTH - 2 or "\n" in str(v) for v in row):
            # a long text wraps in its column, so it prints whole
            _align(wb, [ws.cell(last, column) for column in range(1, columns + 1)], wrapped)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    widths = []
    for i, name in enumerate(header, start=1):
        longest = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if i - 1 < len(r)])
        widths.append(min(MAX_COLUMN_WIDTH, max(6, longest + 2)))
        ws.column_dimensions[get_column_letter(i)].width = widths[-1]
    if notes:
        ws.append([])
        last += 1
        for note in notes:
            last += 1
            _append(ws, [note], last)
            ws.cell(last, 1).font = Font(italic=True)
    _print_setup(ws, len(header), sum(widths))
    wb.properties.creator = "casecoder"
    out = io.BytesIO()
    wb.save(out)
    return deterministic_zip(out.getvalue())


def _align(wb: Any, cells: Sequence[Any], alignment: Any) -> None:
    """``cell.alignment = alignment`` for each cell, the alignment looked up in the workbook's styles once: openpyxl
    hashes and compares the alignment's every field for each cell (a quote bank of 35,000 wrapped rows spent ~10 s
    there, issue #25). The same style index in the same place, as openpyxl's ``StyleDescriptor`` sets it."""
    from openpyxl.styles.cell_style import StyleArray

    index = wb._alignments.add(alignment)
    for cell in cells:
        if not cell._style:
            cell._style = StyleArray()
        cell._style.alignmentId = index


def _append(ws: Any, values: Sequence[object], row: int) -> None:
    """A row of typed cells, written as row ``row``: numbers stay numbers; text is text, also when it starts
    like a formula.

    openpyxl makes a string starting with "=" a formula; such a cell is set back to a text cell and
    given Excel's quote prefix (the cell stays text when edited), with no apostrophe in its value. The
    visible apostrophe belongs to CSV only (``files/tabular.neutralise``)."""
    ws.append([v if isinstance(v, (int, float)) or v is None else str(v) for v in values])
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and neutralise(value) != value:
            cell = ws.cell(row, column)
            cell.data_type = "s"
            cell.quotePrefix = True


def table_docx(title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
               notes: Sequence[str] = (), bold_rows: Sequence[int] = ()) -> bytes:
    """A Word document with ``title``, one table (header row repeated on each page) and notes.

    A4, landscape when the table has many columns or its words do not fit side by side in portrait; the
    columns are as wide as their content (see ``column_widths``), number columns right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    font_pt = 9 if len(header) < LANDSCAPE_FROM else 8
    landscape = len(header) >= LANDSCAPE_FROM or sum(_wants(header, rows, font_pt)[2]) > text_width_cm()
    widths = column_widths(header, rows, text_width_cm(landscape), font_pt)
    doc = a4_document(landscape)
    doc.core_properties.author = "casecoder"
    doc.add_heading(title, level=2)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(name))
        run.bold = True
    repeat_header(table.rows[0])
    bold = set(bold_rows)
    for index, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            run.bold = index in bold
    size_columns(table, widths)
    keep_rows_whole(table)
    right = [_numeric([r[i] if i < len(r) else None for r in rows]) for i in range(len(header))]
    for row in table.rows:
        for cell, numeric in zip(row.cells, right):
            for paragraph in cell.paragraphs:
                if numeric:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                for run in paragraph.runs:
                    run.font.size = Pt(font_pt)
    for note in notes:
        paragraph = doc.add_paragraph()
        run = paragraph.add_run(note)
        run.italic = True
        run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())
