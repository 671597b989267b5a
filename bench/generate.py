"""A deterministic synthetic casecoder project of any size, for the benchmarks (issue #11).

``generate(session, size, seed)`` creates a project on the default codebook with cases spread over
fictional municipalities, one family and two system transcripts per case (Danish-like text in
interviewer/interviewee turns), interviewees, excerpts and codings over the codable codes with a
Zipf-like skew, and a second coder on about a fifth of the transcripts (double coding, mostly
agreeing). Everything comes from one ``random.Random(seed)``: the same seed gives the same content,
checked by ``content_hash`` (ids and timestamps are left out).

Two load paths give the same data:

* ``bulk=False`` — every row through the core functions the app uses (``create_case``,
  ``create_interviewee``, ``create_source``, ``mark_sources``, ``create_excerpt``, ``add_coding``).
* ``bulk=True`` — cases, interviewees, sources and double coding as above; excerpts, codings and
  their audit rows with ``session.execute(insert(...))``, one statement per transcript, writing
  the same columns, the same excerpt text snapshot and the same audit snapshots the core functions
  write (``tests/test_bench.py`` checks both paths give the same ``content_hash``). The default for
  medium and large.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from casecoder.analysis.double_coding import double_coded_source_ids
from casecoder.coding import accounts, cases, double_coding, excerpts, projects
from casecoder.coding.codebook_file import load_codebook_file
from casecoder.kernel.paths import default_codebook_path
from casecoder.models import AuditEvent, Case, Code, Coding, Excerpt, Project, Role, Source, User

PASSWORD = "bench password 1234"
OWNER, CODERS = "bench-owner", ("bench-anna", "bench-bo")


@dataclass(frozen=True)
class Size:
    cases: int
    excerpts_per_source: int    # mean; each transcript gets 75-125 % of it
    sentences_per_source: int   # mean length of a transcript in sentences (about 85 characters each)


SIZES = {
    "tiny": Size(6, 8, 40),            # the tests' smoke size: 18 short transcripts, about 200 codings
    "small": Size(27, 20, 120),        # like the report: 27 cases, 81 transcripts, about 2,500 codings
    "medium": Size(300, 64, 170),      # 900 transcripts, about 90,000 codings
    "large": Size(1000, 64, 170),      # 3,000 transcripts, about 300,000 codings
}
MUNICIPALITIES = ["Nordby", "Vestkær", "Sønderå", "Østhavn", "Lyngdal", "Bakkeby", "Fjordholm", "Egebjerg",
                  "Strandvig", "Højmark", "Kildeby", "Møllerup"]
SYSTEM_ROLES = ["Koordinator", "Sagsbehandler", "Jobkonsulent", "Familiebehandler", "Mentor", "Leder"]
DOUBLE_SHARE, AGREEMENT = 0.2, 0.8

_OPEN = ["Altså", "Jeg synes", "Det er sådan at", "Ærligt talt", "Nu hvor jeg tænker over det,", "Hmm, ja,",
         "I starten", "Bagefter", "Det vigtigste var at", "Man kan sige at", "Efter et halvt år", "Tit"]
_FAMILY_SUBJ = ["min koordinator", "min sagsbehandler", "jobkonsulenten", "familiebehandleren", "vi",
                "min mand", "børnene", "jeg", "kommunen", "mentoren", "min søster", "skolen"]
_SYSTEM_SUBJ = ["familien", "moren", "faren", "teamet", "vi i teamet", "koordinatoren", "jobcentret",
                "forvaltningen", "den ældste datter", "borgeren", "netværket", "lederen"]
_VERB = ["ringede altid tilbage", "havde styr på", "hjalp med", "snakkede meget om", "glemte", "fik lavet",
         "tog hånd om", "var bekymret for", "skulle lige finde ud af", "arbejdede hårdt på", "holdt møde om",
         "gav ro omkring", "blev bedre til", "kæmpede med", "fik hjælp til", "var glade for"]
_OBJ = ["økonomien", "boligen", "skemaet", "praktikken", "de mange møder", "børnenes skolegang",
        "handleplanen", "jobsøgningen", "gælden", "lægebesøgene", "fritidsjobbet", "hverdagen", "samarbejdet",
        "de svære samtaler", "sprogskolen", "misbruget", "motivationen", "fremmødet"]
_TAIL = ["", " samme dag", " hver uge", " i lang tid", " til sidst", " uden at vi bad om det", " igen og igen",
         " sammen med os", " på en god måde", " selvom det var svært", " næsten hver gang", ""]
_QUESTIONS = ["Hvordan gik det i starten?", "Kan du fortælle om samarbejdet?", "Hvad betød det for jer?",
              "Hvad skete der så?", "Hvordan oplevede du det?", "Hvad gjorde koordinatoren?",
              "Hvad har ændret sig?", "Var der noget, der var svært?", "Hvordan var det med arbejdet?"]


@dataclass
class SourcePlan:
    key: str
    title: str
    perspective: str
    mode: str
    interview_date: date
    text: str
    case_keys: list[str]
    interviewee_keys: list[str]
    double: bool
    # (start, end, case key, [(code key, coder index, direction)])
    excerpts: list[tuple[int, int, str, list[tuple[str, int, str]]]] = field(default_factory=list)


def _sentence(rng: random.Random, perspective: str) -> str:
    subj = rng.choice(_FAMILY_SUBJ if perspective == "family" else _SYSTEM_SUBJ)
    return f"{rng.choice(_OPEN)} {subj} {rng.choice(_VERB)} {rng.choice(_OBJ)}{rng.choice(_TAIL)}."


def transcript(rng: random.Random, perspective: str, n_sentences: int) -> tuple[str, list[tuple[int, int]]]:
    """Interviewer/Interviewperson turns; returns the text and the spans of the answers' sentences."""
    parts: list[str] = []
    length, spans, written = 0, [], 0
    while written < n_sentences:
        question = f"Interviewer: {rng.choice(_QUESTIONS)}\n\nInterviewperson: "
        parts.append(question)
        length += len(question)
        for i in range(rng.randint(2, 7)):
            sentence = (" " if i else "") + _sentence(rng, perspective)
            start = length + (1 if i else 0)
            parts.append(sentence)
            length += len(sentence)
            spans.append((start, length))
            written += 1
        parts.append("\n\n")
        length += 2
    return "".join(parts), spans


def _code_weights(rng: random.Random, keys: list[str]) -> list[float]:
    order = keys[:]
    rng.shuffle(order)
    rank = {k: i + 1 for i, k in enumerate(order)}
    return [1.0 / rank[k] ** 1.1 for k in keys]


def _excerpts(rng: random.Random, plan: SourcePlan, spans: list[tuple[int, int]], n: int,
              keys: list[str], weights: list[float]) -> None:
    chosen = sorted(rng.sample(range(len(spans)), min(n, len(spans))))
    for i in chosen:
        start, end = spans[i]
        if i + 1 < len(spans) and rng.random() < 0.25 and spans[i + 1][0] == end + 1:
            end = spans[i + 1][1]  # two sentences of the same answer
        picked = list(dict.fromkeys(rng.choices(keys, weights, k=1 if rng.random() < 0.7 else 2)))
        direction = lambda: rng.choices(("supports", "contradicts", "nuances"), (85, 10, 5))[0]  # noqa: E731
        codings = [(k, 0, direction()) for k in picked]
        if plan.double:
            for k in picked:
                other = k if rng.random() < AGREEMENT else rng.choices(keys, weights)[0]
                if other not in [c[0] for c in codings if c[1] == 1]:
                    codings.append((other, 1, direction()))
        plan.excerpts.append((start, end, rng.choice(plan.case_keys), codings))


def plan_cases(size: str, seed: int, codable: list[str]):  # type: ignore[no-untyped-def]
    """Yield (case key, municipality, interviewees [(key, role, perspective, municipality)], [SourcePlan])."""
    spec = SIZES[size]
    rng = random.Random(seed)
    weights = _code_weights(rng, codable)
    towns = MUNICIPALITIES[:max(3, min(len(MUNICIPALITIES), spec.cases // 9))]
    staff: dict[str, list[str]] = {t: [] for t in towns}
    for n in range(1, spec.cases + 1):
        town = towns[(n - 1) % len(towns)]
        key = f"F{n:04d}"
        people = [(f"{key}-mor", "Forælder", "family", town)]
        if len(staff[town]) < 2 + n // 12 or rng.random() < 0.15:
            role = rng.choice(SYSTEM_ROLES)
            staff[town].append(f"P{towns.index(town) + 1:02d}-{len(staff[town]) + 1:03d}")
            people.append((staff[town][-1], role, "system", town))
        sources = []
        for j, perspective in enumerate(("family", "system", "system")):
            text, spans = transcript(rng, perspective, int(spec.sentences_per_source * rng.uniform(0.7, 1.3)))
            case_keys = [key]
            if perspective == "system" and n > 1 and rng.random() < 0.1:
                case_keys.append(f"F{rng.randint(1, n - 1):04d}")  # a professional about two families
            who = [people[0][0]] if perspective == "family" else [rng.choice(staff[town])]
            plan = SourcePlan(
                key=f"{key}-{'FAM' if perspective == 'family' else 'SYS'}{j}",
                title=f"Interview {key} {'familie' if perspective == 'family' else 'system'} {j}",
                perspective=perspective, mode=rng.choice(("visit", "phone")),
                interview_date=date(2016, 1, 4) + timedelta(days=rng.randint(0, 600)), text=text,
                case_keys=case_keys, interviewee_keys=who, double=rng.random() < DOUBLE_SHARE)
            _excerpts(rng, plan, spans, int(spec.excerpts_per_source * rng.uniform(0.75, 1.25)), codable, weights)
            sources.append(plan)
        yield key, town, people, sources


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    return user or accounts.create_user(session, username, PASSWORD, language="en")


def _bulk_excerpts(session: Session, source: Source, plan: SourcePlan, case_ids: dict[str, int],
                   codes: dict[str, Code], coders: list[User], project: Project) -> None:
    """Insert the excerpts, codings and audit rows ``create_excerpt``/``add_coding`` would write."""
    if not plan.excerpts:
        return
    rows = [{"project_id": project.id, "source_id": source.id, "case_id": case_ids[c], "start_offset": s,
             "end_offset": e, "text": plan.text[s:e], "memo": "", "created_by_id": coders[0].id}
            for s, e, c, _ in plan.excerpts]
    ids = list(session.scalars(insert(Excerpt).returning(Excerpt.id, sort_by_parameter_order=True), rows))
    coding_rows, audit_rows = [], []
    for excerpt_id, row, (_, _, _, codings) in zip(ids, rows, plan.excerpts):
        audit_rows.append(dict(project_id=project.id, user_id=coders[0].id, action="create", entity="excerpt",
                               entity_id=excerpt_id, before=None, after={
                                   "source_id": source.id, "case_id": row["case_id"], "start": row["start_offset"],
                                   "end": row["end_offset"], "text": row["text"], "memo": ""}))
        for key, coder, direction in codings:
            coding_rows.append({"excerpt_id": excerpt_id, "code_id": codes[key].id, "coder_id": coders[coder].id,
                                "direction": direction, "of_record": True})
    coding_ids = list(session.scalars(insert(Coding).returning(Coding.id, sort_by_parameter_order=True),
                                      coding_rows))
    for coding_id, row in zip(coding_ids, coding_rows):
        audit_rows.append(dict(project_id=project.id, user_id=row["coder_id"], action="create", entity="coding",
                               entity_id=coding_id, before=None, after={
                                   "excerpt_id": row["excerpt_id"], "code_id": row["code_id"],
                                   "coder_id": row["coder_id"], "direction": row["direction"]}))
    session.execute(insert(AuditEvent), audit_rows)


def generate(session: Session, size: str = "small", seed: int = 1, *, slug: str = "bench",
             bulk: bool | None = None, commit_every: int = 20) -> Project:
    """Create the project ``slug`` of ``size`` from ``seed``; commits as it goes (every ``commit_every`` cases)."""
    bulk = size not in ("tiny", "small") if bulk is None else bulk
    owner = _user(session, OWNER)
    coders = [_user(session, name) for name in CODERS]
    project = projects.create_project(session, f"Benchmark {size} (seed {seed})", slug,
                                      load_codebook_file(default_codebook_path()), owner)
    for coder in coders:
        accounts.add_member(session, project, coder, Role.CODER)
    codes = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    codable = sorted(k for k, c in codes.items() if c.codable and not c.archived)
    case_rows: dict[str, Case] = {}
    people: dict[str, object] = {}
    for n, (key, town, interviewees, sources) in enumerate(plan_cases(size, seed, codable), start=1):
        case_rows[key] = cases.create_case(session, project, key, town)
        for p_key, role, perspective, p_town in interviewees:
            people[p_key] = cases.create_interviewee(session, project, p_key, role, perspective, p_town)
        for plan in sources:
            source = cases.create_source(
                session, project, title=plan.title, text=plan.text, perspective=plan.perspective,
                cases=[case_rows[k] for k in plan.case_keys], interviewees=[people[k] for k in plan.interviewee_keys],
                mode=plan.mode, interview_date=plan.interview_date, original_filename=f"{plan.key}.txt",
                created_by=owner)
            if plan.double:
                double_coding.mark_sources(session, owner, project, [source], coders)
            if bulk:
                _bulk_excerpts(session, source, plan, {k: v.id for k, v in case_rows.items()}, codes, coders, project)
                continue
            for start, end, case_key, codings in plan.excerpts:
                excerpt = excerpts.create_excerpt(session, coders[0], source, start, end,
                                                  case=case_rows[case_key])
                for code_key, coder, direction in codings:
                    excerpts.add_coding(session, coders[coder], excerpt, codes[code_key], direction)
        if n % commit_every == 0:
            session.commit()
    session.commit()
    return project


def content_hash(session: Session, project: Project) -> str:
    """sha256 over the project's cases, interviewees, sources (text), excerpts (offsets) and codings
    (code key, coder, direction), in an order that does not depend on ids or insertion order."""
    h = hashlib.sha256()

    def put(item: object) -> None:
        h.update(json.dumps(item, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n")

    case_key = {c.id: c.key for c in session.scalars(select(Case).where(Case.project_id == project.id))}
    for c in sorted(session.scalars(select(Case).where(Case.project_id == project.id)), key=lambda c: c.key):
        put(["case", c.key, c.municipality])
    sources = session.scalars(select(Source).where(Source.project_id == project.id)
                              .options(selectinload(Source.cases), selectinload(Source.interviewees))).all()
    people = sorted({(p.key, p.role, p.perspective.value, p.municipality) for s in sources for p in s.interviewees})
    for p in people:
        put(["interviewee", *p])
    source_key = {}
    for s in sorted(sources, key=lambda s: s.original_filename):
        source_key[s.id] = s.original_filename
        put(["source", s.original_filename, s.title, s.perspective.value, s.mode.value if s.mode else None,
             s.interview_date, hashlib.sha256(s.text.encode()).hexdigest(), sorted(c.key for c in s.cases),
             sorted(p.key for p in s.interviewees)])
    double = sorted(source_key[sid] for sid in double_coded_source_ids(session, project.id))
    put(["double", double])
    rows = session.execute(
        select(Excerpt.source_id, Excerpt.start_offset, Excerpt.end_offset, Excerpt.case_id, Excerpt.text,
               Code.key, User.username, Coding.direction, Coding.of_record)
        .join(Coding, Coding.excerpt_id == Excerpt.id).join(Code, Code.id == Coding.code_id)
        .join(User, User.id == Coding.coder_id).where(Excerpt.project_id == project.id)).all()
    for r in sorted((source_key[r[0]], r[1], r[2], case_key.get(r[3]), hashlib.sha256(r[4].encode()).hexdigest(),
                     r[5], r[6], r[7].value, bool(r[8])) for r in rows):
        put(["coding", *r])
    return h.hexdigest()


def counts(session: Session, project: Project) -> dict[str, int]:
    """Rows of the project per table, for the report."""
    from sqlalchemy import func
    pid = project.id
    return {
        "cases": session.scalar(select(func.count()).select_from(Case).where(Case.project_id == pid)) or 0,
        "sources": session.scalar(select(func.count()).select_from(Source).where(Source.project_id == pid)) or 0,
        "excerpts": session.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.project_id == pid)) or 0,
        "codings": session.scalar(select(func.count()).select_from(Coding).join(Excerpt)
                                  .where(Excerpt.project_id == pid)) or 0,
    }
