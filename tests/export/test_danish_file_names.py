"""Export file names keep the meaning of Danish letters (#23): a chain titled "Tillid på Ærø" and a code
keyed "HØ1" give bundles named in ASCII with æ, ø, å as ae, oe, aa. SQLite and PostgreSQL."""
from __future__ import annotations

import io
import zipfile

from casecoder.coding import codebook_edit
from casecoder.coding.chains import save_chain
from casecoder.export.report import ReportSpec, build_report


def test_chain_and_code_bundles_are_named_with_ae_oe_aa(session, factory):
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    save_chain(session, project, eva, title="Tillid på Ærø", keys=["H2.1", "ST.6", "E.1"],
               arrows=["both-and", "and-or"])
    codebook_edit.edit_code(session, factory.code(project, "H1"), eva.id, key="HØ1")
    session.commit()
    chain = build_report(session, ReportSpec("proj", "chain", {"chain": "Tillid på Ærø"}, {}, "da"))
    assert chain.name == "proj-chain-tillid-paa-aeroe"
    for kind, target in (("tally", {"code": "HØ1"}), ("matrix", {"code": "HØ1"}), ("quotes", {"codes": ["HØ1"]})):
        bundle = build_report(session, ReportSpec("proj", kind, target, {}, "da"))
        assert bundle.name == f"proj-{kind}-HOe1", kind
        names = zipfile.ZipFile(io.BytesIO(bundle.zip_bytes())).namelist()
        assert names and all(name.startswith(f"proj-{kind}-HOe1/") for name in names)
