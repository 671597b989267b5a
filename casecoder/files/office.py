"""Spreadsheets and Word documents for reports (openpyxl, python-docx), byte-identical for the same data.

``xlsx_bytes`` writes a sheet with a bold, frozen header row, typed cells (numbers stay numbers, text
that looks like a formula stays text, shown without an apostrophe), columns sized to their content and
a print setup (A4, fitted to the page width, landscape when wide). ``a4_document`` is the one page
setup of every Word file casecoder writes (A4, 2.5 cm side and 2 cm top/bottom margins);
``table_docx`` writes a titled Word table with columns sized to their content, the header row repeated
on each page, and notes below.
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from typing import Any, Sequence, cast

from casecoder.files.ooxml import deterministic_zip

LANDSCAPE_FROM = 7      # columns: a table this wide gets a landscape page
MAX_COLUMN_WIDTH = 60   # characters (XLSX)
A4_CM = (21.0, 29.7)
MARGINS_CM = {"left_margin": 2.5, "right_margin": 2.5, "top_margin": 2.0, "bottom_margin": 2.0}
CHAR_EM = 0.52          # the width of an average character of the body font, in em
BOLD_EM = 0.56
CELL_PADDING_CM = 0.48  # Word's default cell margins (2 x 0.19 cm) and a little air
PT_CM = 2.54 / 72
_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d.,\u00a0 ]*%?(?:\s?/\s?\d[\d.,\u00a0 ]*%?)*$")  # 12, 2,5, 86 %, 3/5, 4 / 2 / 6


# ---- XLSX


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], sheet: str = "data",
               notes: Sequence[str] = ()) -> bytes:
    """One sheet: header row, data rows, then (after a blank row) any notes in column A.

    openpyxl makes the workbook without its cells (styles, widths, print setup, frozen header, filter);
    the cells are written as XML text by ``files/xlsx_sheet.SheetData``, the bytes openpyxl's own cells give."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    from casecoder.files.xlsx_sheet import SheetData

    cells = SheetData()
    cells.append(header or [None], "header")  # (openpyxl styled an empty header's A1 all the same)
    columns, longest = len(header), [len(str(name)) for name in header]  # per column: its longest text
    for row in rows:
        columns = max(columns, len(row))
        texts = [str(v) for v in row]
        lengths = [len(text) for text in texts]
        if max(lengths, default=0) > MAX_COLUMN_WIDTH - 2 or any("\n" in text for text in texts):
            cells.append(row, "wrapped", columns)  # a long text wraps in its column, so it prints whole
        else:
            cells.append(row)
        for i, n in enumerate(lengths[:len(longest)]):
            if n > longest[i]:
                longest[i] = n
    if notes:
        cells.append(())
        for note in notes:
            cells.append([note], "note")
    wb = Workbook()
    ws = cast(Worksheet, wb.active)  # a new workbook's one sheet
    ws.title = sheet[:31]
    # the cell formats, numbered as openpyxl numbers them when its cells are styled and saved
    book: Any = wb  # (its style lists are not in openpyxl's type stubs)
    bold, italic = book._fonts.add(Font(bold=True)), book._fonts.add(Font(italic=True)) if notes else 0
    fill, wrapped = book._fills.add(PatternFill("solid", fgColor="DDE7F0")), book._alignments.add(
        Alignment(vertical="top", wrap_text=True))
    kinds = {"": (0, 0, 0), "header": (bold, fill, wrapped), "wrapped": (0, 0, wrapped), "note": (italic, 0, 0)}
    for kind, quote in cells.styles:
        font, fill_id, alignment = kinds[kind]
        book._cell_styles.add(StyleArray([font, fill_id, 0, 0, 0, alignment, 0, int(quote), 0]))
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    widths = []
    for i, n in enumerate(longest, start=1):
        widths.append(min(MAX_COLUMN_WIDTH, max(6, n + 2)))
        ws.column_dimensions[get_column_letter(i)].width = widths[-1]
    _print_setup(ws, len(header), sum(widths))
    wb.properties.creator = "casecoder"
    out = io.BytesIO()
    wb.save(out)
    path = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(out) as package:
        xml = package.read(path).decode("utf-8")
    xml = xml.replace('<dimension ref="A1:A1"/>', f'<dimension ref="{cells.dimension()}"/>', 1).replace(
        "<sheetData></sheetData>", f"<sheetData>{cells.xml()}</sheetData>", 1)
    return deterministic_zip(out.getvalue(), {path: xml.encode("ascii", "xmlcharrefreplace")})  # as lxml writes it


def _print_setup(ws: Any, columns: int, width: float) -> None:
    """A4, fitted to one page wide (as many pages long as it takes), the header row on every page,
    landscape when the sheet has many or wide columns."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    wide = columns >= LANDSCAPE_FROM or width > 90
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    cm = 1 / 2.54
    ws.page_margins = PageMargins(left=2 * cm, right=2 * cm, top=2 * cm, bottom=2 * cm, header=0.8 * cm,
                                  footer=0.8 * cm)


# ---- DOCX


def a4_document(landscape: bool = False) -> Any:
    """A new python-docx ``Document`` with its page set up by ``a4_page``."""
    from docx import Document

    document = Document()
    a4_page(document.sections[0], landscape)
    return document


def a4_page(section: Any, landscape: bool = False) -> None:
    """A4 paper (21 x 29.7 cm) with Danish report margins: 2.5 cm left and right, 2 cm top and bottom.
    (python-docx's default template is US Letter with 1-inch margins.)"""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    short, long = Cm(A4_CM[0]), Cm(A4_CM[1])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side, cm in MARGINS_CM.items():
        setattr(section, side, Cm(cm))


def text_width_cm(landscape: bool = False) -> float:
    """The width between the margins of an ``a4_page``."""
    return (A4_CM[1] if landscape else A4_CM[0]) - MARGINS_CM["left_margin"] - MARGINS_CM["right_margin"]


def _lines(value: object) -> list[str]:
    return ("" if value is None else str(value)).split("\n")


def _longest_word(value: object) -> int:
    return max((len(word) for line in _lines(value) for word in line.split()), default=0)


def _longest_line(value: object) -> int:
    return max(len(line) for line in _lines(value))


def _cm(chars: float, font_pt: float, em: float = CHAR_EM) -> float:
    return chars * em * font_pt * PT_CM + CELL_PADDING_CM


def _wants(header: Sequence[str], rows: Sequence[Sequence[object]],
           font_pt: float) -> tuple[list[float], list[float], list[float]]:
    """Per column in cm: its longest line with the header unwrapped (natural), with the header wrapped
    over up to three lines (compact), and its longest word (least)."""
    columns = [[row[i] if i < len(row) else None for row in rows] for i in range(len(header))]
    line = [max([_longest_line(v) for v in column], default=0) for column in columns]
    word = [max([_longest_word(v) for v in column], default=0) for column in columns]
    natural = [max(_cm(n, font_pt), _cm(_longest_line(name), font_pt, BOLD_EM)) for n, name in zip(line, header)]
    compact = [max(_cm(n, font_pt), _cm(max(_longest_word(name), math.ceil(_longest_line(name) / 3)), font_pt,
                                        BOLD_EM)) for n, name in zip(line, header)]
    least = [max(_cm(max(n, 2), font_pt), _cm(_longest_word(name), font_pt, BOLD_EM)) for n, name in zip(word, header)]
    return natural, compact, least


def column_widths(header: Sequence[str], rows: Sequence[Sequence[object]], available_cm: float,
                  font_pt: float) -> list[float]:
    """Column widths in cm sized to the content, at most ``available_cm`` together.

    Each column wants its longest line (header unwrapped); when that is too wide, headers wrap over up
    to three lines; when still too wide, each column keeps its longest word and the rest of the room
    goes where lines are longest. A short code or number column stays narrow, a label column gets wide.
    """
    natural, compact, least = _wants(header, rows, font_pt)
    if sum(natural) <= available_cm:
        return natural
    for low, high in ((compact, natural), (least, compact)):
        if sum(low) <= available_cm:
            room, want = available_cm - sum(low), sum(h - lo for lo, h in zip(low, high))
            return [lo + (h - lo) * room / want if want else lo for lo, h in zip(low, high)]
    return [w * available_cm / sum(least) for w in least]


def size_columns(table: Any, widths_cm: Sequence[float]) -> None:
    """Fixed column widths Word and LibreOffice both keep: the table's width (tblW), its grid (gridCol)
    and every cell (tcW), with autofit off."""
    from docx.oxml.ns import qn
    from docx.shared import Twips

    twips = [round(w * 1440 / 2.54) for w in widths_cm]
    table.autofit = False
    table_width = table._tbl.tblPr.find(qn("w:tblW"))
    if table_width is None:
        from docx.oxml import OxmlElement
        table_width = OxmlElement("w:tblW")
        table._tbl.tblPr.append(table_width)
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(sum(twips)))
    for column, width in zip(table.columns, twips):
        column.width = Twips(width)
    for row in table.rows:
        for cell, width in zip(row.cells, twips):
            cell.width = Twips(width)


def repeat_header(row: Any) -> None:
    """The row (a table's first) is repeated at the top of each page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(repeat)


def keep_rows_whole(table: Any) -> None:
    """No row is split across a page break (w:cantSplit): a row of several lines moves to the next page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for row in table.rows:
        keep = OxmlElement("w:cantSplit")
        keep.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(keep)


def _numeric(column: Sequence[object]) -> bool:
    values = [v for v in column if v not in (None, "", "—", "–", "-")]  # a dash stands for "no number"
    return bool(values) and all(isinstance(v, (int, float)) or _NUMBER.match(str(v)) for v in values)


def _table_rows(rows: Sequence[Sequence[object]], widths_cm: Sequence[float], right: Sequence[bool], font_pt: int,
                bold: set[int]) -> Any:
    """The body rows of ``table_docx``'s table as python-docx made them (``table.add_row()``, a run per value,
    bold or not, its size, number columns right-aligned, rows kept whole), written as XML text
    (``files/docx_xml``): python-docx took ~4 s for 1,000 rows x 10 columns."""
    from casecoder.files.docx_xml import Body

    size = f'<w:sz w:val="{round(font_pt * 2)}"/></w:rPr>'
    props = ("<w:rPr><w:b w:val=\"0\"/>" + size, "<w:rPr><w:b/>" + size)
    cells = [f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{round(w * 1440 / 2.54)}"/></w:tcPr><w:p>'
             + ('<w:pPr><w:jc w:val="right"/></w:pPr>' if numeric else "") for w, numeric in zip(widths_cm, right)]
    out = Body()
    for index, row in enumerate(rows):
        out.raw('<w:tr><w:trPr><w:cantSplit w:val="true"/></w:trPr>')
        run = props[index in bold]
        for i, cell in enumerate(cells):
            out.raw(cell)
            if i < len(row):
                value = row[i]
                out.run_text("" if value is None else str(value), run)
            out.raw("</w:p></w:tc>")
        out.raw("</w:tr>")
    return out.parsed()


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
    size_columns(table, widths)
    keep_rows_whole(table)
    right = [_numeric([r[i] if i < len(r) else None for r in rows]) for i in range(len(header))]
    for cell, numeric in zip(table.rows[0].cells, right):
        for paragraph in cell.paragraphs:
            if numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in paragraph.runs:
                run.font.size = Pt(font_pt)
    table._tbl.extend(_table_rows(rows, widths, right, font_pt, set(bold_rows)))
    for note in notes:
        paragraph = doc.add_paragraph()
        run = paragraph.add_run(note)
        run.italic = True
        run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())
