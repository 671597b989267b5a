"""Small builders for test data, through the same write functions the app uses.

The users they make share one scrypt hash of PASSWORD per process (made once, as the app makes it:
kernel/passwords.py): hashing costs about 0.1 s of CPU, and a test suite makes more than a thousand users.
"""
from __future__ import annotations

from unittest import mock

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import accounts, cases, excerpts, projects
from casecoder.coding.codebook_file import CodebookSpec, load_codebook_file
from casecoder.kernel.passwords import hash_password
from casecoder.kernel.paths import default_codebook_path
from casecoder.models import Case, Code, Excerpt, Project, Source, User

PASSWORD = "correct horse battery"
_codebook: list[CodebookSpec] = []


def one_hash_per_password(password: str) -> str:
    """The app's ``hash_password``, made once per password in this process."""
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


_hashes: dict[str, str] = {}


def default_codebook() -> CodebookSpec:
    if not _codebook:
        _codebook.append(load_codebook_file(default_codebook_path()))
    return _codebook[0]


class Factory:
    def __init__(self, session: Session):
        self.session = session

    def user(self, username: str = "eva", *, admin: bool = False, language: str = "en") -> User:
        with mock.patch.object(accounts, "hash_password", one_hash_per_password):
            return accounts.create_user(self.session, username, PASSWORD, is_admin=admin, language=language)

    def project(self, slug: str = "proj", owner: User | None = None, *, codebook: bool = True) -> Project:
        return projects.create_project(self.session, f"Project {slug}", slug,
                                       default_codebook() if codebook else None, owner)

    def code(self, project: Project, key: str) -> Code:
        return self.session.scalars(select(Code).where(Code.project_id == project.id, Code.key == key)).one()

    def case(self, project: Project, key: str = "F01", municipality: str = "Nordby") -> Case:
        return cases.create_case(self.session, project, key, municipality)

    def source(self, project: Project, case_list: list[Case], text: str = "Interviewer: Hvordan gik det?\n\n"
               "Interviewperson: Min koordinator ringede altid tilbage samme dag. Det gav ro.\n",
               perspective: str = "family", title: str = "Interview") -> Source:
        return cases.create_source(self.session, project, title=title, text=text, perspective=perspective,
                                   cases=case_list)

    def excerpt(self, user: User, source: Source, phrase: str, codes: list[tuple[Code, str]],
                case: Case | None = None) -> Excerpt:
        start = source.text.index(phrase)
        return excerpts.create_excerpt(self.session, user, source, start, start + len(phrase), codes, case=case)

    def coded_project(self, slug: str = "proj") -> tuple[Project, User, Excerpt]:
        """A project with an owner, one case, one source and one excerpt coded H1.4."""
        owner = self.user(f"owner-{slug}")
        project = self.project(slug, owner)
        case = self.case(project)
        source = self.source(project, [case])
        excerpt = self.excerpt(owner, source, "Min koordinator ringede altid tilbage samme dag.",
                               [(self.code(project, "H1.4"), "supports")])
        self.session.commit()
        return project, owner, excerpt
