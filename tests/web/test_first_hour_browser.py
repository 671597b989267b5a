"""The first hour of a new evaluator in a real browser (Playwright, Chromium), on an empty database and with no
command line and no CSV: the site administrator creates a coder and a project with an empty codebook, adds the
coder as a member, builds a codebook of two hypotheses with sub-codes, creates three cases and four interviewees,
imports a .docx and a .txt transcript attached to them; both code excerpts; the administrator moves a code under
the other hypothesis and gives a transcript another case, and the tally follows each step (issue #20; the
README's "First steps" walk the same path)."""
from __future__ import annotations

import re
import threading

import docx
import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD
from tests.files.extract_files import make_docx
from tests.web.test_browser_coding import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCX_LINES = ["Interviewer: Hvordan var samarbejdet med kommunen?",
              "Mor: Koordinatoren ringede altid tilbage samme dag.",
              "Mor: Vi fik ét sted at henvende os."]
TXT = ("Interviewer: Hvordan arbejder I sammen om familierne?\n\n"
       "Koordinator: Vi holder fælles møder hver uge med familien.\n\n"
       "Leder: Sagsbehandlerne deler nu journalen på tværs af afdelingerne.\n")
TALLY_ROWS = """rows => rows.map(r => [r.dataset.key,
  r.querySelector('td[data-measure=family]').innerText, r.querySelector('td[data-measure=system]').innerText])"""


@pytest.fixture
def empty_server(app, factory, session):  # type: ignore[no-untyped-def]
    """The app served on a free local port on an empty database: only the first site administrator, eva."""
    factory.user("eva", admin=True)
    session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def log_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def flash(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".flash").inner_text()


def go(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Click a link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def submit(page, form: str) -> None:  # type: ignore[no-untyped-def]
    go(page, f"{form} button[type=submit]")


def add_code(page, key: str, label_da: str, label_en: str, parent: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page.click(f"a[aria-label='Add sub-code: {parent}']" if parent else "#new-code")
    page.fill("#key", key)
    page.fill("#label_da", label_da)
    page.fill("#label_en", label_en)
    submit(page, "#code-form")
    assert f"Code {key} added." in flash(page)


def tally(page, base: str, slug: str) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The tally page's family and system numbers per code, as shown (percentages left out)."""
    page.goto(f"{base}/p/{slug}/tally")
    rows = page.locator("#tally tbody tr").evaluate_all(TALLY_ROWS)
    return {key: tuple(re.sub(r"\s*\(.*\)", "", cell).strip() for cell in cells) for key, *cells in rows}


def code_excerpt(page, phrase: str, code_key: str, case: str | None = None,  # type: ignore[no-untyped-def]
                 new_code: tuple[str, str, str] | None = None) -> None:
    """Select ``phrase`` with the mouse, tick a code (and add a ``new_code``: key, label, parent from the panel,
    which ticks it too), choose the case when the transcript has several, save."""
    drag_select(page, phrase)
    page.check("#code-" + code_key.replace(".", "\\."))
    if new_code:
        page.click("#new-code summary")
        page.fill("#new-code-key", new_code[0])
        page.fill("#new-code-label", new_code[1])
        page.select_option("#new-code-parent", label=new_code[2])
        page.click("#new-code-add")
        page.wait_for_selector("#code-" + new_code[0].replace(".", "\\.") + ":checked")
        assert page.is_checked("#code-" + code_key.replace(".", "\\."))
    if case:
        page.select_option("#case", label=case)
    page.click("#save")
    page.wait_for_selector("#toast-text:text('Saved')")
    page.wait_for_selector(f"#excerpt-list li:has-text('{code_key}')")


def test_the_first_hour_of_a_new_evaluator(empty_server, strict_page, browser):
    base, page = empty_server, strict_page
    refused: list[str] = []

    def watch(msg) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in msg.text:  # the page's own scripts suffice under the app's CSP
            refused.append(msg.text)

    page.on("console", watch)
    log_in(page, base, "eva", PASSWORD)
    assert "You are not a member of any project yet." in page.inner_text("main")

    # 1. the site administrator creates a coder; the password is shown once
    page.click("header >> text=Users")
    page.fill("#username", "anna")
    page.fill("#display_name", "Anna Berg")
    page.select_option("#language", "en")
    submit(page, "#new-user")
    assert "User anna is created." in page.inner_text("#new-password")
    anna_password = page.inner_text("#new-password code.password")
    assert page.locator("#users tr[data-user=anna]").is_visible()

    # 2. a project with an empty codebook
    page.click("header >> text=casecoder")
    page.click("text=New project")
    page.fill("#title", "Familieindsatsen")
    page.fill("#slug", "familie")
    page.select_option("#codebook", label="(empty codebook)")
    submit(page, "main form")
    assert page.url == base + "/p/familie/"
    assert page.inner_text("#fact-cases") == "0 cases in 0 municipalities"
    assert "No transcripts yet." in page.inner_text("#sources")

    # 3. anna joins as coder (offered first)
    page.click("header nav >> text=Members")
    assert page.input_value("#add-member #role") == "coder"
    page.fill("#add-member #username", "anna")
    submit(page, "#add-member")
    assert "anna is now Coder." in flash(page)
    assert page.locator("#members tr[data-user=anna] select").input_value() == "coder"

    # 4. a codebook of two hypotheses with sub-codes
    go(page, "header nav >> text=Codebook")
    assert page.locator("#codebook-empty").is_visible()
    add_code(page, "H1", "Koordinering", "Coordination")
    add_code(page, "H1.1", "Koordinatoren er tilgængelig", "The coordinator is available", parent="H1")
    add_code(page, "H1.2", "Fælles møder", "Joint meetings", parent="H1")
    add_code(page, "H2", "Samarbejde på tværs", "Working across services")
    add_code(page, "H2.1", "Deling af oplysninger", "Sharing information", parent="H2")
    rows = page.locator("#codebook tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key + ' ' + r.className)")
    assert rows == ["H1 depth-0", "H1.1 depth-1", "H1.2 depth-1", "H2 depth-0", "H2.1 depth-1"]
    assert "Working across services" in page.inner_text("#codebook tr[data-key=H2]")

    # 5. three cases and four interviewees
    page.click("header nav >> text=Cases")
    for key, municipality in (("F01", "Nordby"), ("F02", "Nordby"), ("F03", "Sydby")):
        page.click("#new-case")
        page.fill("#key", key)
        page.fill("#municipality", municipality)
        submit(page, "#case-form")
        assert f"Case {key} created." in flash(page)
    assert page.locator("#case-list tbody tr[data-case]").count() == 3
    page.click("header nav >> text=Interviewees")
    for key, role, perspective, municipality in (("MOR-F01", "mor", "family", "Nordby"),
                                                 ("FAR-F02", "far", "family", "Nordby"),
                                                 ("KOORD-N", "familiekoordinator", "system", "Nordby"),
                                                 ("LEDER-S", "afdelingsleder", "system", "Sydby")):
        page.click("#new-person")
        page.fill("#key", key)
        page.fill("#role", role)
        page.select_option("#perspective", perspective)
        page.fill("#municipality", municipality)
        submit(page, "#person-form")
        assert f"Interviewee {key} created." in flash(page)
    assert page.locator("#people tbody tr[data-person]").count() == 4
    assert "family" in page.inner_text("#people tr[data-person=FAR-F02]")

    # 6. a .docx (family, F01) and a .txt (system, F02 and F03), each with its interviewees
    docx_bytes = make_docx(lambda d: [d.add_paragraph(line) for line in DOCX_LINES])
    uploads = (("mor F01.docx", docx.opc.constants.CONTENT_TYPE.WML_DOCUMENT_MAIN, docx_bytes, "Mor F01",
                "family", ["F01 (Nordby)"], ["MOR-F01 (mor)"]),
               ("team.txt", "text/plain", TXT.encode(), "Koordinator og leder", "system",
                ["F02 (Nordby)", "F03 (Sydby)"], ["KOORD-N (familiekoordinator)", "LEDER-S (afdelingsleder)"]))
    for name, mime, data, title, perspective, cases, people in uploads:
        page.click("header nav >> text=Familieindsatsen")
        page.click("text=Import transcripts")
        page.set_input_files("#files", files=[{"name": name, "mimeType": mime, "buffer": data}])
        page.fill("#title", title)
        page.select_option("#perspective", perspective)
        page.select_option("#cases", label=cases)
        page.select_option("#interviewees", label=people)
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#results li")
        assert page.inner_text("#progress-text") == "Done: 1 imported, 0 failed.", page.inner_text("#results")
    page.click("text=Back to the project")
    assert page.inner_text("#fact-cases") == "3 cases in 2 municipalities"
    sources = page.inner_text("#sources")
    assert "Mor F01\tfamily\tF01\tmor" in sources and "Koordinator og leder\tsystem\tF02, F03" in sources

    # 7. eva codes the docx: the excerpt is about its one case
    page.click("#sources >> text=Mor F01")
    page.wait_for_selector("#transcript[data-ready='1']")
    code_excerpt(page, "Koordinatoren ringede altid tilbage samme dag.", "H1.1")

    # 8. anna logs in with the password she was given and codes the .txt, choosing the case of each excerpt
    context = browser.new_context()
    anna = context.new_page()
    anna.on("console", watch)
    log_in(anna, base, "anna", anna_password)
    go(anna, "text=Familieindsatsen")
    assert anna.locator("header nav >> text=Members").count() == 0  # a coder does not manage the project
    anna.click("#sources >> text=Koordinator og leder")
    anna.wait_for_selector("#transcript[data-ready='1']")
    code_excerpt(anna, "Vi holder fælles møder hver uge med familien.", "H1.2", case="F02")
    code_excerpt(anna, "Sagsbehandlerne deler nu journalen på tværs af afdelingerne.", "H2.1", case="F03",
                 new_code=("H2.2", "Fælles journal", "H2 Working across services"))
    assert anna.locator("#excerpt-list li[data-id]").count() == 2
    context.close()

    # the tally: family of the 1 case with a family interview, system of the 2 cases with a system interview
    before = tally(page, base, "familie")
    assert before == {"H1": ("1/1", "1/2"), "H1.1": ("1/1", "0/2"), "H1.2": ("0/1", "1/2"),
                      "H2": ("0/1", "1/2"), "H2.1": ("0/1", "1/2"), "H2.2": ("0/1", "1/2")}

    # 9. move H1.2 under H2: its coding now counts for H2 (F02 and F03), no longer for H1
    page.click("header nav >> text=Codebook")
    page.click("a[aria-label='Edit: H1.2']")
    page.select_option("#parent", label="H2 Working across services")
    submit(page, "#code-form")
    assert "Code H1.2 saved." in flash(page)
    go(page, "header nav >> text=Codebook")
    keys = page.locator("#codebook tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert keys == ["H1", "H1.1", "H2", "H2.1", "H2.2", "H1.2"]
    go(page, "button[aria-label='Move up: H1.2']")
    keys = page.locator("#codebook tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert keys == ["H1", "H1.1", "H2", "H2.1", "H1.2", "H2.2"]
    moved = tally(page, base, "familie")
    assert (moved["H1"], moved["H2"], moved["H1.2"]) == (("1/1", "0/2"), ("0/1", "2/2"), ("0/1", "1/2"))

    # 10. the docx interview was also about F03: its properties get a second case; family counts 2 cases
    page.click("header nav >> text=Familieindsatsen")
    page.click("#sources >> text=Mor F01")
    go(page, "#properties-link")
    assert page.locator("#cases option:checked").all_inner_texts() == ["F01 (Nordby)"]
    page.select_option("#cases", label=["F01 (Nordby)", "F03 (Sydby)"])
    submit(page, "#properties-form")
    assert flash(page).startswith("Transcript saved.")
    assert "Cases: F01, F03" in page.inner_text(".wb-head")
    after = tally(page, base, "familie")
    assert (after["H1"], after["H1.1"], after["H2"]) == (("1/2", "0/2"), ("1/2", "0/2"), ("0/2", "2/2"))
    go(page, "header nav >> text=Cases")
    assert page.locator("tr[data-case=F03] td.num").all_inner_texts() == ["1", "1", "1"]

    # the audit log says who did what, in words; and the Danish UI is one click away
    page.click("header nav >> text=Audit log")
    audit = page.inner_text("#audit")
    for said in ("eva added anna to the project as Coder", "eva created code H2.1 'Sharing information'",
                 "anna created code H2.2 'Fælles journal'",
                 "anna coded 'Vi holder fælles møder hver uge med…' with H1.2 (supports)",
                 "eva moved code H1.2 from H1 to H2", "eva changed the transcript 'Mor F01'\ncases: F01 → F01, F03"):
        assert said in audit, said
    page.goto(f"{base}/p/familie/tally")
    go(page, "button[value=da]")
    assert page.inner_text("h1") == "Optælling: i hvor mange sager forekommer hver kode?"
    assert page.inner_text("header nav").startswith("Familieindsatsen\nKodebog\nSager")
    go(page, "button[value=en]")
    assert page.inner_text("h1") == "Tally: in how many cases does each code occur?"
    assert refused == [], refused
