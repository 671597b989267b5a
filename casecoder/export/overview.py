"""The hypothesis overview (report figures 38/43/47/52) as data and figure."""
from __future__ import annotations

from casecoder.analysis.chains import OverviewNode
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.figures.report import overview_bytes, overview_caption, overview_title
from casecoder.figures.words import directions_in
from casecoder.models import Project

CSV_HEADER = ("code_key", "label", "kind", "perspective", "n", "N")


def overview_bundle(project: Project, key: str, nodes: list[OverviewNode], edges: list[tuple[str, str]],
                    params: list[tuple[str, str]], lang: str, coders: tuple[str, ...]) -> Bundle:
    def label(n: OverviewNode) -> str:
        return n.label_en if lang == "en" else n.label_da

    rows = [(n.key, label(n), n.kind, p, *getattr(n, p)) for n in nodes for p in ("family", "system")]
    data = {"hypothesis": key, "unit": "cases", "filters": [list(p) for p in params], "coders": list(coders),
            "nodes": [{"key": n.key, "label_da": n.label_da, "label_en": n.label_en, "kind": n.kind,
                       "family": {"n": n.family[0], "N": n.family[1]}, "system": {"n": n.system[0], "N": n.system[1]}}
                      for n in nodes],
            "edges": [list(e) for e in edges]}
    files = tidy_files(CSV_HEADER, rows, data, "overview")
    directions = directions_in(params)
    files.update({f"figure.{fmt}": overview_bytes(nodes, edges, key, lang, fmt, directions)
                  for fmt in ("svg", "png", "pdf")})
    denominators = {"family": nodes[0].family[1], "system": nodes[0].system[1]} if nodes else {}
    spec = base_spec(project, "overview", {"code": key}, params, lang, denominators, coders)
    readme = [overview_title(nodes, key, lang), "", overview_caption(lang, directions),
              *provenance_lines(lang, denominators, spec["codebook"], coders, params)]
    return Bundle(name=f"{project.slug}-overview-{key}", files=files, spec=spec, readme="\n".join(readme) + "\n",
                  summary=f"{len(nodes)} codes, {len(edges)} leads-to arrows")
