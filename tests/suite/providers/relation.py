"""Providers of the suite's ``feature.relation`` group (sync and async)."""

from __future__ import annotations

from typing import ClassVar, Dict, Optional

from rhosocial.activerecord.model import AsyncActiveRecord
from rhosocial.activerecord.relation.async_descriptors import AsyncBelongsTo, AsyncHasMany, AsyncHasOne
from rhosocial.activerecord.testsuite.feature.relation import interfaces as _ifaces
from rhosocial.activerecord.testsuite.feature.relation.fixtures import models as M

from .base import AsyncProviderBase, SyncProviderBase
from .json_text import attach

# str fields over jsonb columns (see json_text.py)
for _model, _field in ((M.User, "settings"), (M.AsyncUser, "settings"), (M.Post, "metadata"),
                       (M.AsyncPost, "metadata"), (M.Comment, "meta"), (M.AsyncComment, "meta")):
    attach(_model, [_field])

# The suite ships only sync Employee/Department/Author/Book/Chapter/Profile models; the async
# provider's contract still asks for them, so here are their async twins (same tables).


class AsyncEmployee(AsyncActiveRecord):
    __table_name__ = "employees"
    id: Optional[int] = None
    username: str
    department_id: int
    department: ClassVar[AsyncBelongsTo["AsyncDepartment"]] = AsyncBelongsTo(
        foreign_key="department_id", inverse_of="employees")


class AsyncDepartment(AsyncActiveRecord):
    __table_name__ = "departments"
    id: Optional[int] = None
    name: str
    description: str = ""
    employees: ClassVar[AsyncHasMany["AsyncEmployee"]] = AsyncHasMany(
        foreign_key="department_id", inverse_of="department")


class AsyncAuthor(AsyncActiveRecord):
    __table_name__ = "authors"
    id: Optional[int] = None
    name: str
    books: ClassVar[AsyncHasMany["AsyncBook"]] = AsyncHasMany(foreign_key="author_id", inverse_of="author")
    profile: ClassVar[AsyncHasOne["AsyncAuthorProfile"]] = AsyncHasOne(foreign_key="author_id", inverse_of="author")


class AsyncBook(AsyncActiveRecord):
    __table_name__ = "books"
    id: Optional[int] = None
    title: str
    author_id: int
    author: ClassVar[AsyncBelongsTo["AsyncAuthor"]] = AsyncBelongsTo(foreign_key="author_id", inverse_of="books")
    chapters: ClassVar[AsyncHasMany["AsyncChapter"]] = AsyncHasMany(foreign_key="book_id", inverse_of="book")


class AsyncChapter(AsyncActiveRecord):
    __table_name__ = "chapters"
    id: Optional[int] = None
    title: str
    book_id: int
    book: ClassVar[AsyncBelongsTo["AsyncBook"]] = AsyncBelongsTo(foreign_key="book_id", inverse_of="chapters")


class AsyncAuthorProfile(AsyncActiveRecord):
    __table_name__ = "profiles"
    id: Optional[int] = None
    bio: str
    author_id: int
    author: ClassVar[AsyncBelongsTo["AsyncAuthor"]] = AsyncBelongsTo(foreign_key="author_id", inverse_of="profile")


SYNC = {
    "employee": [(M.Employee, "employees"), (M.Department, "departments")],
    "author": [(M.Author, "authors"), (M.Book, "books"), (M.Chapter, "chapters"), (M.Profile, "profiles")],
    "user": [(M.User, "users")], "post": [(M.Post, "posts")], "comment": [(M.Comment, "comments")],
    "boundary": [(M.BoundaryOwner, "relation_boundary_owners"), (M.BoundaryProfile, "relation_boundary_profiles"),
                 (M.BoundaryPost, "relation_boundary_posts")],
}
ASYNC = {
    "employee": [(AsyncEmployee, "employees"), (AsyncDepartment, "departments")],
    "author": [(AsyncAuthor, "authors"), (AsyncBook, "books"), (AsyncChapter, "chapters"),
               (AsyncAuthorProfile, "profiles")],
    "user": [(M.AsyncUser, "users")], "post": [(M.AsyncPost, "posts")], "comment": [(M.AsyncComment, "comments")],
    "boundary": [(M.AsyncBoundaryOwner, "relation_boundary_owners"),
                 (M.AsyncBoundaryProfile, "relation_boundary_profiles"),
                 (M.AsyncBoundaryPost, "relation_boundary_posts")],
}

# Named datasets for the relation boundary tests: rows inserted by plain SQL, ids fixed.
MISSING_OWNER_ID = 9999
DATASETS = {
    "null_foreign_key": (
        ["INSERT INTO relation_boundary_profiles (id, bio, owner_id) VALUES (1, 'no owner', NULL)"],
        {"profile_id": 1}),
    "orphan_foreign_key": (
        [f"INSERT INTO relation_boundary_posts (id, title, owner_id) VALUES (1, 'orphan', {MISSING_OWNER_ID})"],
        {"post_id": 1, "missing_owner_id": MISSING_OWNER_ID}),
    "owner_without_children": (
        ["INSERT INTO relation_boundary_owners (id, name) VALUES (1, 'lonely')"],
        {"owner_id": 1}),
    "multiple_has_one_matches": (
        ["INSERT INTO relation_boundary_owners (id, name) VALUES (1, 'popular')",
         "INSERT INTO relation_boundary_profiles (id, bio, owner_id) VALUES (1, 'first', 1), (2, 'second', 1)"],
        {"owner_id": 1, "first_profile_id": 1, "second_profile_id": 2}),
}
_BOUNDARY_TABLES = ["relation_boundary_owners", "relation_boundary_profiles", "relation_boundary_posts"]


def _dataset(name: str):
    try:
        statements, ids = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown relation boundary dataset {name!r}") from None
    # keep the sequences ahead of the explicit ids so later inserts by the test do not collide
    fix = [f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), 100, false)" for t in _BOUNDARY_TABLES]
    return statements + fix, dict(ids)


class RelationProvider(SyncProviderBase, _ifaces.IRelationSyncProvider):
    def _do(self, key, scenario):
        return self._setup(scenario, "relation", SYNC[key])

    def setup_employee_department_fixtures(self, scenario_name): return self._do("employee", scenario_name)
    def setup_author_book_fixtures(self, scenario_name): return self._do("author", scenario_name)
    def setup_user_model(self, scenario_name): return self._do("user", scenario_name)
    def setup_post_model(self, scenario_name): return self._do("post", scenario_name)
    def setup_comment_model(self, scenario_name): return self._do("comment", scenario_name)
    def setup_relation_boundary_fixtures(self, scenario_name): return self._do("boundary", scenario_name)

    def load_relation_boundary_dataset(self, scenario_name: str, dataset_name: str) -> Dict[str, int]:
        statements, ids = _dataset(dataset_name)
        backend = self._shared_backend()
        from rhosocial.activerecord.backend.options import ExecutionOptions
        from rhosocial.activerecord.backend.schema import StatementType

        for sql in statements:
            backend.execute(sql, options=ExecutionOptions(
                stmt_type=StatementType.DQL if sql.startswith("SELECT") else StatementType.DML))
        return ids


class AsyncRelationProvider(AsyncProviderBase, _ifaces.IRelationAsyncProvider):
    async def _do(self, key, scenario):
        return await self._setup(scenario, "relation", ASYNC[key])

    async def setup_employee_department_fixtures(self, scenario_name): return await self._do("employee", scenario_name)
    async def setup_author_book_fixtures(self, scenario_name): return await self._do("author", scenario_name)
    async def setup_user_model(self, scenario_name): return await self._do("user", scenario_name)
    async def setup_post_model(self, scenario_name): return await self._do("post", scenario_name)
    async def setup_comment_model(self, scenario_name): return await self._do("comment", scenario_name)
    async def setup_relation_boundary_fixtures(self, scenario_name): return await self._do("boundary", scenario_name)

    async def load_relation_boundary_dataset(self, scenario_name: str, dataset_name: str) -> Dict[str, int]:
        statements, ids = _dataset(dataset_name)
        backend = await self._shared_backend()
        from rhosocial.activerecord.backend.options import ExecutionOptions
        from rhosocial.activerecord.backend.schema import StatementType

        for sql in statements:
            await backend.execute(sql, options=ExecutionOptions(
                stmt_type=StatementType.DQL if sql.startswith("SELECT") else StatementType.DML))
        return ids
