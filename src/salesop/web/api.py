"""The search box as an API: GET /api/v1/search?q=..."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field, field_validator

from salesop.core.api import READ_ERRORS
from salesop.web.search import KINDS, MAX_LENGTH, MIN_LENGTH, Words, search

router = Router(tags=["search"])

Kind = Literal["company", "contact", "lead", "deal", "ticket", "contract"]
assert set(Kind.__args__) == set(KINDS)  # noqa: S101 (the schema names every kind searched)


class SearchQuery(Schema):
    q: str = Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        description="A name or part of one, a phone number in any format, an email, a WeChat "
        "id, a ticket or contract number.",
    )
    kind: list[Kind] = Field(default=[], description="Only these kinds (default: all).")
    limit: int = Field(default=5, ge=1, le=20, description="At most this many of each kind.")

    @field_validator("q")
    @classmethod
    def words(cls, q: str) -> str:
        if len(Words.of(q).text) < MIN_LENGTH:
            raise ValueError(_("at least %(n)d characters besides spaces") % {"n": MIN_LENGTH})
        return q


class SearchHit(Schema):
    kind: Kind
    id: int
    title: str
    detail: str = Field(description="What tells it apart: its company, status, owner...")
    url: str = Field(description="Its page.")


class SearchOut(Schema):
    q: str
    items: list[SearchHit] = Field(
        description="The records the caller may see that match, by kind (the kind with the "
        "best match first), best first within a kind."
    )
    more: list[Kind] = Field(
        description="The kinds of which more match than `limit`: add a word to narrow them."
    )


@router.get("/search", response={200: SearchOut, **READ_ERRORS}, operation_id="search")
def search_records(request, query: Query[SearchQuery]):
    results = search(request.user, query.q, shown=query.limit, kinds=query.kind)
    return {
        "q": results.words.text,
        "items": [hit for group in results.groups for hit in group.hits],
        "more": [group.kind for group in results.groups if group.more],
    }
