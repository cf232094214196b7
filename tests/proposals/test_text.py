"""Hostile text in titles, summaries, bodies and comments: stored cleanly, rendered inert."""

import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from proposals import services
from proposals.models import BODY_MAX, COMMENT_MAX, SUMMARY_MAX, TITLE_MAX, Category, Proposal
from proposals.text import clean_text, render_markdown
from tests.factories import make_pool, make_resident

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "md_js_link": "[x](javascript:alert(1))",
    "md_js_link_upper": "[x](JaVaScRiPt:alert(1))",
    "a_js": '<a href="javascript:alert(1)">x</a>',
    "a_js_entity": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "img_onerror": "<img src=x onerror=alert(1)>",
    "svg_script": "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "iframe": '<iframe src="https://evil.test/"></iframe>',
    "style": "<style>body { display: none }</style>",
    "md_data_link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md_data_image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "a_data": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "nested_script": "<<script>script>alert(1)<</script>/script>",
    "div_onclick": '<div onclick="alert(1)">x</div>',
    "p_onmouseover": "<p onmouseover=alert(1)>x</p>",
}
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f"
ON_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


class _Tags(HTMLParser):
    """Collect the live tags and attributes of rendered HTML (escaped text is not a tag)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "svg", "iframe", "style", "img", "object", "embed"), html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            if name in ("href", "src"):
                scheme = (value or "").strip().lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), html
    assert not ON_ATTRIBUTE.search(html), html


def make_category() -> Category:
    category, _ = Category.objects.get_or_create(slug="parks", defaults={"name_en": "Parks"})
    return category


def proposal_fields(**overrides) -> dict:
    return {
        "title": "Benches by the pond",
        "summary": "Four benches along the path around the pond.",
        "body": "The path has **no benches** at all.",
        "category": make_category(),
        "author_cost": Decimal("8000"),
        **overrides,
    }


@pytest.fixture
def pool():
    return make_pool(phase="submission")


@pytest.fixture
def author(pool):
    return make_resident(pool.district)


# --- the renderer --------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_render_markdown_hostile_payload_is_inert(payload):
    html = render_markdown(f"Before\n\n{payload}\n\nAfter")

    assert_inert(html)
    assert "Before" in html and "After" in html


def test_render_markdown_all_payloads_together_are_inert():
    assert_inert(render_markdown("\n\n".join(PAYLOADS.values())))


@pytest.mark.parametrize(
    "source",
    [
        "[the plan](https://example.org/plan)",
        "<https://example.org/plan>",
        "[write to us](mailto:parks@example.org)",
    ],
)
def test_render_markdown_links_get_nofollow(source):
    html = render_markdown(source)

    links = re.findall(r"<a\s[^>]*>", html)
    assert links, html
    for link in links:
        assert re.search(r'rel="[^"]*\bnofollow\b', link), link
        assert "dofollow" not in link
        assert "target=" not in link


def test_render_markdown_keeps_harmless_formatting():
    html = render_markdown("### Plan\n\n- **three** benches\n- one *tree*\n\n> quote")

    assert "<h3>Plan</h3>" in html
    assert "<li><strong>three</strong> benches</li>" in html
    assert "<em>tree</em>" in html
    assert "<blockquote>" in html


def test_render_markdown_of_hostile_text_stays_fast():
    """Markdown that makes the parser backtrack must not hold a worker for long.

    Python-Markdown parses runs of unclosed `[` (and `[a](b` repeated) in quadratic time:
    a body of BODY_MAX such characters takes minutes. Run in a child process so a slow
    renderer fails this test after a few seconds instead of hanging the suite.
    """
    code = (
        "from proposals.text import render_markdown\n"
        f"render_markdown('[' * {BODY_MAX})\n"
        f"render_markdown('[a](b' * {BODY_MAX // 5})\n"
    )
    try:
        subprocess.run(  # noqa: S603 — our own interpreter and a fixed script
            [sys.executable, "-c", code], cwd=REPO, check=True, timeout=3, capture_output=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"rendering {BODY_MAX} characters of unclosed links took over 3 s")


# --- plain-text cleaning -------------------------------------------------------------------


def test_clean_text_strips_bidi_and_control_characters_but_keeps_newlines():
    dirty = f"a{BIDI}b{CONTROLS}c\n\td"

    assert clean_text(dirty) == "abc\n\td"


# --- through the services: title, summary, body --------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_proposal_create_hostile_text_stored_as_text_and_body_rendered_inert(pool, author, payload):
    proposal = services.proposal_create(
        pool=pool,
        author=author,
        **proposal_fields(title=payload[:TITLE_MAX], summary=payload, body=payload),
    )

    proposal.refresh_from_db()
    # Title and summary are plain text: kept as typed, escaped by the templates.
    assert proposal.title == payload[:TITLE_MAX]
    assert proposal.summary == payload
    assert proposal.body == payload
    assert_inert(proposal.body_html)


def test_proposal_update_rerenders_body_inert(pool, author):
    draft = services.proposal_create(pool=pool, author=author, **proposal_fields())

    services.proposal_update(proposal=draft, actor=author, body="\n\n".join(PAYLOADS.values()))

    draft.refresh_from_db()
    assert_inert(draft.body_html)


def test_proposal_create_links_in_body_get_nofollow(pool, author):
    proposal = services.proposal_create(
        pool=pool, author=author, **proposal_fields(body="See [the plan](https://example.org).")
    )

    assert 'href="https://example.org"' in proposal.body_html
    assert re.search(r'<a [^>]*rel="[^"]*nofollow', proposal.body_html)


@pytest.mark.parametrize("field", ["title", "summary", "body", "address"])
def test_proposal_create_strips_bidi_and_control_characters(pool, author, field):
    proposal = services.proposal_create(
        pool=pool, author=author, **proposal_fields(**{field: f"Ben{BIDI}ches{CONTROLS} here"})
    )

    proposal.refresh_from_db()
    assert getattr(proposal, field) == "Benches here"
    if field == "body":
        assert proposal.body_html == "<p>Benches here</p>"


def test_proposal_update_strips_bidi_and_control_characters(pool, author):
    draft = services.proposal_create(pool=pool, author=author, **proposal_fields())

    services.proposal_update(proposal=draft, actor=author, title=f"\u202eevil\u2066{CONTROLS}")

    assert Proposal.objects.get(pk=draft.pk).title == "evil"


HUGE = "A" * 100_000


@pytest.mark.parametrize(("field", "limit"), [("title", TITLE_MAX), ("summary", SUMMARY_MAX)])
def test_proposal_create_100k_short_field_refused(pool, author, field, limit):
    with pytest.raises(ValidationError) as excinfo:
        services.proposal_create(pool=pool, author=author, **proposal_fields(**{field: HUGE}))

    assert field in excinfo.value.message_dict
    assert not Proposal.objects.exists()


def test_proposal_create_100k_body_refused_or_truncated(pool, author):
    try:
        proposal = services.proposal_create(pool=pool, author=author, **proposal_fields(body=HUGE))
    except ValidationError as error:
        assert "body" in error.message_dict
        assert not Proposal.objects.exists()
    else:
        proposal.refresh_from_db()
        assert len(proposal.body) <= BODY_MAX, f"stored a body of {len(proposal.body)} characters"


def test_proposal_update_100k_body_refused_or_truncated(pool, author):
    draft = services.proposal_create(pool=pool, author=author, **proposal_fields())
    try:
        services.proposal_update(proposal=draft, actor=author, body=HUGE)
    except ValidationError as error:
        assert "body" in error.message_dict
    draft.refresh_from_db()
    assert len(draft.body) <= BODY_MAX, f"stored a body of {len(draft.body)} characters"


def test_proposal_create_checks_body_length_before_rendering(pool, author, monkeypatch):
    """Rendering is the expensive step: an over-long body is refused before it."""
    rendered_lengths = []

    def spy(source: str) -> str:
        rendered_lengths.append(len(source))
        return "<p>x</p>"

    monkeypatch.setattr(services, "render_markdown", spy)
    with pytest.raises(ValidationError):
        services.proposal_create(pool=pool, author=author, **proposal_fields(body=HUGE))

    assert all(length <= BODY_MAX for length in rendered_lengths), rendered_lengths


# --- comments ------------------------------------------------------------------------------


@pytest.fixture
def proposal(pool, author):
    return services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_comment_post_hostile_text_stored_as_plain_text(proposal, author, payload):
    comment = services.comment_post(proposal=proposal, author=author, body=payload)

    comment.refresh_from_db()
    assert comment.body == payload  # plain text, escaped when shown


def test_comment_post_strips_bidi_and_control_characters(proposal, author):
    comment = services.comment_post(
        proposal=proposal, author=author, body=f"Good{BIDI} idea{CONTROLS}\nreally"
    )

    assert comment.body == "Good idea\nreally"


def test_comment_post_100k_refused_or_truncated(proposal, author):
    try:
        comment = services.comment_post(proposal=proposal, author=author, body=HUGE)
    except ValidationError as error:
        assert "body" in error.message_dict
    else:
        comment.refresh_from_db()
        assert len(comment.body) <= COMMENT_MAX, f"stored a comment of {len(comment.body)}"


def test_comment_post_just_over_limit_refused(proposal, author):
    with pytest.raises(ValidationError):
        services.comment_post(proposal=proposal, author=author, body="a" * (COMMENT_MAX + 1))


# --- the public pages ----------------------------------------------------------------------
# /proposals/<pk>/ and /proposals/ are built alongside these tests; they pass once they land.

TITLE = "<script>alert('t')</script><img src=x onerror=alert(1)>"
SUMMARY = '<svg onload=alert(3)></svg><a href="javascript:alert(4)">s</a><iframe src=//evil.test>'
COMMENT = "<script>alert('c')</script><style>*{color:red}</style>[x](javascript:alert(6))"
LIVE_TAGS = [
    "<script>alert(",
    "<img src=x onerror",
    "<svg onload",
    'href="javascript:',
    "<iframe src=//evil",
    "<style>*{color",
    "<style>body",
    "onerror=alert(1)>",
]


@pytest.fixture
def hostile_proposal(pool, author):
    proposal = services.proposal_create(
        pool=pool,
        author=author,
        submit=True,
        **proposal_fields(title=TITLE, summary=SUMMARY, body="\n\n".join(PAYLOADS.values())),
    )
    services.comment_post(proposal=proposal, author=make_resident(pool.district), body=COMMENT)
    return proposal


def assert_only_escaped(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"live {name} on <{tag}>"
            if name in ("href", "src"):
                assert not (value or "").strip().lower().startswith("javascript:"), tag
        assert tag not in ("iframe", "svg"), f"live <{tag}> on the page"
    for tag in LIVE_TAGS:
        if tag.startswith("<"):
            assert tag not in html, f"live {tag!r} on the page"
    assert "alert('c')</script>" not in html
    assert "&lt;script&gt;alert(" in html


def test_detail_page_shows_hostile_text_only_escaped(client, hostile_proposal):
    response = client.get(f"/proposals/{hostile_proposal.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert_only_escaped(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the title
    assert "&lt;svg onload=alert(3)&gt;" in html  # the summary
    assert "&lt;script&gt;alert(&#x27;c&#x27;)&lt;/script&gt;" in html  # the comment


def test_list_page_shows_hostile_text_only_escaped(client, hostile_proposal):
    response = client.get("/proposals/")

    assert response.status_code == 200
    html = response.content.decode()
    assert_only_escaped(html)
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in html  # the title


def test_render_markdown_shows_raw_html_as_text():
    html = render_markdown('<a href="https://example.org/plan" rel="dofollow">the plan</a>')

    assert "<a" not in html
    assert "&lt;a href=" in html
