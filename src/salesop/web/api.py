"""The search box as an API: GET /api/v1/search?q=..."""

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from salesop.core.api import READ_ERRORS
from salesop.web.search import MAX_LENGTH, MIN_LENGTH, search

router = Router(tags=["search"])

Kind = Literal["company", "contact", "lead", "deal", "ticket", "contract"]


class SearchQuery(Schema):
    q: str = Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        description="A name or part of one, a phone number in any format, an email, a WeChat "
        "id, a ticket or contract number. Fewer than two characters besides spaces and "
        "control characters find nothing.",
    )
    kind: list[Kind] = Field(default=[], description="Only these kinds (default: all).")
    limit: int = Field(default=5, ge=1, le=20, description="At most this many of each kind.")


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
