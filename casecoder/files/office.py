"""Spreadsheets and Word tables for reports (openpyxl, python-docx), byte-identical for the same data.

``xlsx_bytes`` writes a sheet with a bold, frozen header row, typed cells (numbers stay numbers)
and columns sized to their content. ``table_docx`` writes a titled Word table with notes below,
in landscape when the table is wide.
"""
from __future__ import annotations

import io
from typing import Sequence, cast

from casecoder.files.ooxml import deterministic_zip
from casecoder.files.tabular import neutralise

LANDSCAPE_FROM = 7      # columns: a table this wide gets a landscape page
MAX_COLUMN_WIDTH = 60   # characters


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
    ws.append([_cell(v) for v in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in rows:
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for i, name in enumerate(header, start=1):
        longest = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if i - 1 < len(r)])
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_COLUMN_WIDTH, max(6, longest + 2))
    if notes:
        ws.append([])
        for note in notes:
            ws.append([_cell(note)])
            ws.cell(ws.max_row, 1).font = Font(italic=True)
    wb.properties.creator = "casecoder"
    out = io.BytesIO()
    wb.save(out)
    return deterministic_zip(out.getvalue())


def _cell(value: object) -> object:
    """Numbers stay numbers; text is neutralised so a cell starting "=" is never a formula."""
    return value if isinstance(value, (int, float)) or value is None else neutralise(str(value))


def table_docx(title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
               notes: Sequence[str] = (), bold_rows: Sequence[int] = ()) -> bytes:
    """A Word document with ``title``, one table (header row repeated on each page) and notes."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    doc.core_properties.author = "casecoder"
    section = doc.sections[0]
    if len(header) >= LANDSCAPE_FROM:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    doc.add_heading(title, level=2)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(name))
        run.bold = True
    head_props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head_props.append(repeat)
    bold = set(bold_rows)
    for index, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            run.bold = index in bold
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9 if len(header) < LANDSCAPE_FROM else 8)
    for note in notes:
        paragraph = doc.add_paragraph()
        run = paragraph.add_run(note)
        run.italic = True
        run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())
