import json

from hypothesis import given
from hypothesis import strategies as st

from studio.core.streamjson import PageObject, PlanStreamParser, RootValue, extract_json_object

PLAN = {
    "title": 'The "Brave" Hedgehog',
    "style": {"art_style": "watercolour", "palette": "warm {ochre}", "medium": "ink [and] wash"},
    "characters": [{"name": "Pip", "description": "a small hedgehog, blue scarf"}],
    "pages": [
        {
            "text": f'Page {i} says \\ and " and }} ]',
            "scene": "a {brace} scene",
            "characters": ["Pip"],
        }
        for i in range(1, 6)
    ],
}


def feed_all(text: str, size: int) -> list[RootValue | PageObject]:
    parser = PlanStreamParser()
    out: list[RootValue | PageObject] = []
    for i in range(0, len(text), size):
        out.extend(parser.feed(text[i : i + size]))
    return out


def test_each_page_is_reported_once_with_its_value_whatever_the_chunking() -> None:
    text = json.dumps(PLAN, indent=1)
    for size in (1, 3, 17, len(text)):
        items = feed_all(text, size)
        pages = [i for i in items if isinstance(i, PageObject)]
        roots = {i.key: i.value for i in items if isinstance(i, RootValue)}
        assert [p.value for p in pages] == PLAN["pages"]
        assert [p.index for p in pages] == list(range(5))
        assert roots["title"] == PLAN["title"]
        assert roots["style"] == PLAN["style"]
        assert roots["characters"] == PLAN["characters"]


def test_a_page_is_reported_as_soon_as_its_object_closes() -> None:
    text = json.dumps(PLAN)
    first_page = json.dumps(PLAN["pages"][0])
    first_page_end = text.index(first_page) + len(first_page)
    parser = PlanStreamParser()
    early = parser.feed(text[:first_page_end])
    assert [i.index for i in early if isinstance(i, PageObject)] == [0]
    rest = parser.feed(text[first_page_end:])
    assert [i.index for i in rest if isinstance(i, PageObject)] == [1, 2, 3, 4]


def test_prose_and_code_fences_around_the_json_are_ignored() -> None:
    text = "Here you go:\n```json\n" + json.dumps(PLAN) + "\n```"
    items = feed_all(text, 7)
    assert len([i for i in items if isinstance(i, PageObject)]) == 5
    assert json.loads(extract_json_object(text)) == PLAN


@given(st.text(max_size=300), st.integers(min_value=1, max_value=50))
def test_garbage_never_raises(text: str, size: int) -> None:
    feed_all(text, size)
