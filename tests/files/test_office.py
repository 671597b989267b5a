"""Word and Excel files as a report can use them (#23): A4 pages with Danish margins, Word tables with
columns sized to their content and a repeated header row, XLSX text cells that never become formulas
(and show no apostrophe), print setup fitted to the page width; the same data gives the same bytes."""
from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from openpyxl import load_workbook

from casecoder.files.office import a4_document, column_widths, table_docx, text_width_cm, xlsx_bytes

HEADER = ("Kode", "Betegnelse", "Familie", "System", "I alt")
ROWS = [("H1", "Én fast indgang til kommunen og en koordinator, der samler trådene", "5/5", 3, 8),
        ("H1.1", "Koordinatoren samler trådene mellem forvaltningerne", "4/5", 2, 6),
        ("H1.2", "Samme koordinator gennem hele forløbet", "0/5", 0, 0)]


def docx_of(data: bytes):  # type: ignore[no-untyped-def]
    return Document(io.BytesIO(data))


def assert_a4(section, landscape: bool = False) -> None:  # type: ignore[no-untyped-def]
    size = (round(section.page_width.cm, 2), round(section.page_height.cm, 2))
    assert size == ((29.7, 21.0) if landscape else (21.0, 29.7)), f"A4, not {size}"
    assert section.orientation == (WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT)
    margins = [round(m.cm, 2) for m in (section.left_margin, section.right_margin,
                                        section.top_margin, section.bottom_margin)]
    assert margins == [2.5, 2.5, 2.0, 2.0]


def test_a_new_document_is_a4_with_danish_margins_not_us_letter():
    assert_a4(a4_document().sections[0])
    assert_a4(a4_document(landscape=True).sections[0], landscape=True)
    assert text_width_cm() == 16.0 and text_width_cm(landscape=True) == 24.7


def test_word_table_is_a4_with_columns_sized_to_their_content_and_a_repeated_header():
    doc = docx_of(table_docx("Tabel 1", HEADER, ROWS, ["Note."], bold_rows=[0]))
    assert_a4(doc.sections[0])
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == list(HEADER)
    assert table.autofit is False
    grid = [round(c.width.cm, 2) for c in table.columns]
    for row in table.rows:  # every cell carries its column's width, so Word and LibreOffice agree
        assert [round(c.width.cm, 2) for c in row.cells] == grid
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    assert tbl_w.get(qn("w:type")) == "dxa"
    assert abs(int(tbl_w.get(qn("w:w"))) / 1440 * 2.54 - sum(grid)) < 0.01
    assert sum(grid) <= text_width_cm() + 0.01, "the table fits between the margins"
    label, numbers = grid[1], [grid[0], grid[2], grid[3], grid[4]]
    assert label > 2 * max(numbers), f"the label column is wide, the others narrow: {grid}"
    assert max(numbers) < 2.0, grid
    header_props = [row._tr.trPr for row in table.rows]
    assert header_props[0].find(qn("w:tblHeader")) is not None, "the header row repeats on every page"
    assert all(p is None or p.find(qn("w:tblHeader")) is None for p in header_props[1:])
    assert all(p.find(qn("w:cantSplit")) is not None for p in header_props), "no row breaks across pages"
    right = [c.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for c in table.rows[1].cells]
    assert right == [False, False, True, True, True], "number columns (12, 3/5, 86 %) are right-aligned"
    assert table.rows[1].cells[0].paragraphs[0].runs[0].bold and not table.rows[2].cells[0].paragraphs[0].runs[0].bold


def test_a_table_too_wide_for_the_page_wraps_to_the_text_width():
    long_text = "ord " * 80
    doc = docx_of(table_docx("Bred", ("Kode", "Tekst", "Andel af alle familier i kommunens projekt"),
                             [("F01", long_text, "100 %"), ("F02", "kort", "50 %")]))
    grid = [c.width.cm for c in doc.tables[0].columns]
    assert abs(sum(grid) - text_width_cm()) < 0.01, "a table wider than the page fills the text width exactly"
    assert grid[1] > grid[0] * 4 and grid[1] > grid[2] * 2, grid
    wide = docx_of(table_docx("Matrix", [f"K{i}" for i in range(8)], [[str(i) for i in range(8)]]))
    assert_a4(wide.sections[0], landscape=True)


def test_column_widths_wrap_headers_before_words_and_never_exceed_the_room():
    header = ("Kommune", "Antal familier, der opfylder succeskriteriet")
    rows = [("Nordby", 4), ("Sønderå", 1)]
    natural = column_widths(header, rows, 100, 9)
    assert natural[1] > natural[0], "with room to spare the header is not wrapped"
    tight = column_widths(header, rows, 6, 9)
    assert abs(sum(tight) - 6) < 1e-9 and tight[1] < natural[1]
    tiny = column_widths(header, rows, 1, 9)
    assert abs(sum(tiny) - 1) < 1e-9, "even an impossible width is kept"
    assert column_widths(("A",), [], 10, 9)[0] > 0


def test_xlsx_formula_like_text_is_a_text_cell_without_an_apostrophe():
    header = ("a", "=b", "c", "d", "e", "f", "g")
    rows = [('=HYPERLINK("http://x","klik")', "+45 12 34", "@SUM(A1)", "- ja, sagde hun", "-1", 2.5, 7)]
    data = xlsx_bytes(header, rows, notes=["=1+1 er en note"])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = list(sheet[2])
    assert [c.value for c in cells] == list(rows[0]), "the value is the text itself, no apostrophe"
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "s", "n", "n"], "numbers stay numbers"
    assert sheet["B1"].value == "=b" and sheet["B1"].data_type == "s"
    assert all(c.quotePrefix for c in cells[:4]), "Excel keeps the cell text when it is edited"
    assert not cells[4].quotePrefix, "a plain number written as text needs no prefix"
    assert sheet["A4"].value == "=1+1 er en note" and sheet["A4"].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml, "no formula anywhere in the sheet"
    assert "'=" not in xml and "'@" not in xml


def test_xlsx_prints_on_a4_fitted_to_the_page_width_landscape_when_wide():
    narrow = load_workbook(io.BytesIO(xlsx_bytes(("a", "b", "c"), [(1, 2, 3)]))).active
    wide = load_workbook(io.BytesIO(xlsx_bytes([f"k{i}" for i in range(7)], [list(range(7))]))).active
    long = load_workbook(io.BytesIO(xlsx_bytes(("a", "b", "c"), [("x" * 50, "y" * 50, 1)]))).active
    for sheet, orientation in ((narrow, "portrait"), (wide, "landscape"), (long, "landscape")):
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9, "A4"
        assert setup.orientation == orientation
        assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1", "the header row is printed on every page"


def test_office_files_are_byte_identical_for_the_same_data():
    assert xlsx_bytes(HEADER, ROWS, notes=["n"]) == xlsx_bytes(HEADER, ROWS, notes=["n"])
    assert table_docx("T", HEADER, ROWS, ["n"]) == table_docx("T", HEADER, ROWS, ["n"])
    with zipfile.ZipFile(io.BytesIO(table_docx("T", HEADER, ROWS))) as zf:
        assert {info.date_time for info in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_xlsx_long_text_wraps_in_its_column_so_it_prints_whole():
    quote = "Min koordinator ringede altid tilbage samme dag, og det gav ro i hele familien. " * 3
    sheet = load_workbook(io.BytesIO(xlsx_bytes(("case", "quote", "n"), [("F01", quote, 1), ("F02", "kort", 2)]))).active
    assert sheet.column_dimensions["B"].width == 60, "a long column is capped"
    assert sheet["B2"].alignment.wrap_text and sheet["B2"].alignment.vertical == "top"
    assert sheet["A2"].alignment.vertical == "top", "the row's other cells start at the top too"
    assert not sheet["B3"].alignment.wrap_text, "short rows are left as they are"


def test_xlsx_cells_written_as_xml_are_the_bytes_openpyxl_makes_cell_by_cell():
    """``xlsx_bytes`` writes the cells as XML text: the same workbook as openpyxl's own cells, appended and
    styled one by one (``tests/files/office_reference``, the former code), for random sheets of awkward values."""
    import random

    from tests.files.office_reference import xlsx_bytes as by_cell

    rng = random.Random(7)
    words = ["kort", "=SUM(A1)", "=", "+45 12", "-1", "- ja", "@x", "\tfane", "æøå", "x" * 70, "to\nlinjer",
             "a & b < c > d", "linje\r\nslut", " mellemrum ", "", "#N/A", "#DIV/0!", "'citat", '"anførsel"',
             "y" * 40000, "😀 emoji", 12, 0, -3, 2.5, 1e20, 1 / 3, float("nan"), float("inf"), True, False, None]
    for n in range(40):
        header = [rng.choice(["a", "b", "=c", "kode", "x" * 80]) for _ in range(rng.randint(1, 8))]
        rows = [[rng.choice(words) for _ in range(rng.randint(0, 9))] for _ in range(rng.randint(0, 60))]
        notes = [rng.choice(["note", "=1+1 er en note", "x" * 90]) for _ in range(rng.randint(0, 3))]
        assert xlsx_bytes(header, rows, f"ark {n}", notes) == by_cell(header, rows, f"ark {n}", notes), n
    assert xlsx_bytes(HEADER, ROWS, notes=["n"]) == by_cell(HEADER, ROWS, notes=["n"])
    for header, rows, notes in [((), [], ()), ((), [], ("note",)), (("a",), [()], ()), (("a",), [(), (None,)], ("x",))]:
        assert xlsx_bytes(header, rows, notes=notes) == by_cell(header, rows, notes=notes), (header, rows, notes)
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(("a",), [("x" * 70,)]))) as package:
        assert 'wrapText="1"' in package.read("xl/styles.xml").decode()


def test_xlsx_refuses_control_characters_as_openpyxl_does():
    from openpyxl.utils.exceptions import IllegalCharacterError

    from tests.files.office_reference import xlsx_bytes as by_cell

    for make in (xlsx_bytes, by_cell):
        with pytest.raises(IllegalCharacterError):
            make(("a",), [("klokke\x07",)])
        with pytest.raises(ValueError):
            make(("a",), [("ikke tegn \ufffe",)])


def test_table_rows_written_as_xml_are_the_bytes_python_docx_makes():
    """``table_docx`` writes the body rows as XML text: the same document as python-docx's rows, cells and runs
    (``tests/files/office_reference``, the former code), for random tables of awkward values."""
    import random

    from tests.files.office_reference import table_docx as by_cell

    rng = random.Random(11)
    words = ["kort", "5/5", "86 %", "-", "—", "æøå & <b>", " mellemrum ", "fane\tog\nlinje\r\nslut", "",
             "x" * 90, "ord " * 30, 12, 0, 2.5, None]
    for n in range(30):
        header = [rng.choice(["Kode", "Betegnelse", "I alt", "Familie"]) for _ in range(rng.randint(1, 9))]
        rows = [[rng.choice(words) for _ in range(rng.randint(0, 11))] for _ in range(rng.randint(0, 40))]
        notes = [rng.choice(["note", "to\nlinjer"]) for _ in range(rng.randint(0, 2))]
        bold = rng.sample(range(len(rows)), min(len(rows), rng.randint(0, 3)))
        assert table_docx(f"T{n}", header, rows, notes, bold) == by_cell(f"T{n}", header, rows, notes, bold), n
    assert table_docx("T", HEADER, ROWS, ["n"], [2]) == by_cell("T", HEADER, ROWS, ["n"], [2])
    for make in (table_docx, by_cell):
        with pytest.raises(ValueError):
            make("T", ("a",), [("klokke\x07",)])
