"""Create projects from a codebook file and keep their codebook in the database."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import accounts, audit
from casecoder.coding.codebook_file import CodebookSpec
from casecoder.kernel import validate
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.file_names import slug_from_title
from casecoder.models import Code, CodeRelation, Project, Role, User


def create_project(session: Session, title: str, slug: str, codebook: CodebookSpec | None,
                   owner: User | None, description: str = "") -> Project:
    """A new project; without a slug, one is made from the title ("Familier på Ærø" -> "familier-paa-aeroe")."""
    title = validate.title(title)
    slug = validate.slug(slug) if (slug or "").strip() else free_slug(session, slug_from_title(title))
    if session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        raise InvalidInput("A project with the slug '{slug}' already exists", "slug", slug=slug)
    project = Project(title=title, slug=slug, description=description.strip())
    session.add(project)
    session.flush()
    if owner is not None:
        accounts.add_member(session, project, owner, Role.OWNER, actor=owner)
    if codebook is not None:
        apply_codebook(session, project, codebook, owner.id if owner else None)
    return project


def apply_codebook(session: Session, project: Project, spec: CodebookSpec, user_id: int | None) -> dict[str, Code]:
    """Create the codes and relations of ``spec`` in an empty project codebook; audit each code."""
    if session.scalar(select(Code.id).where(Code.project_id == project.id).limit(1)) is not None:
        raise InvalidInput("Project '{slug}' already has codes; a codebook is loaded into an empty project",
                           slug=project.slug)
    by_key: dict[str, Code] = {}
    for c in spec.codes:  # parents come before their children in spec order
        code = Code(
            project_id=project.id, key=c.key, kind=c.kind, parent=by_key[c.parent_key] if c.parent_key else None,
            label_da=c.label["da"], label_en=c.label["en"],
            description_da=c.description["da"], description_en=c.description["en"],
            include_da=c.include["da"], include_en=c.include["en"],
            exclude_da=c.exclude["da"], exclude_en=c.exclude["en"],
            ref=c.ref, color=c.color, position=c.position, codable=c.codable,
        )
        session.add(code)
        by_key[c.key] = code
    session.flush()
    for code in by_key.values():
        audit.record(session, user_id, "create", code, after=audit.snapshot(code))
    for r in spec.relations:
        session.add(CodeRelation(project_id=project.id, source_code_id=by_key[r.source].id,
                                 target_code_id=by_key[r.target].id, type=r.type))
    project.codebook_name = spec.name
    project.codebook_sha256 = spec.sha256
    session.flush()
    return by_key


def free_slug(session: Session, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first slug no project has."""
    slug, n = base, 1
    while session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        n += 1
        slug = f"{base[:63 - len(str(n)) - 1]}-{n}"
    return slug


def get_project(session: Session, slug: str) -> Project:
    project = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise InvalidInput("There is no project with the slug '{slug}'", "project", slug=slug)
    return project
