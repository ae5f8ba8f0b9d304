"""The README stays a short welcome, and every relative link in it and in docs/*.md reaches something.

A link is checked the way GitHub renders it: the target file (relative to the page) must exist, and a
`#fragment` must name a heading of that page (GitHub's slugs: lower case, punctuation dropped, spaces
to hyphens, repeated headings numbered -1, -2 ...). Links inside code are not links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[4]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_BYTES = 8 * 1024

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`+[^`\n]*`+")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = text.replace("`", "").strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto: ...
            continue
        path_part, _, fragment = target.partition("#")
        destination = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target} (no file {destination})")
        elif fragment and destination.suffix == ".md" and unquote(fragment) not in anchors(destination):
            broken.append(f"{target} (no heading #{unquote(fragment)} in {destination.name})")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_is_at_most_8_kb() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move detail to docs/"


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    reachable: set[Path] = set()
    todo = [README.resolve()]
    while todo:
        page = todo.pop()
        if page in reachable:
            continue
        reachable.add(page)
        for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
            path_part = target.partition("#")[0]
            if path_part.endswith(".md") and not re.match(r"^[a-z][a-z0-9+.-]*:", path_part):
                destination = (page.parent / unquote(path_part)).resolve()
                if destination.exists():
                    todo.append(destination)
    unreachable = [str(p.relative_to(ROOT)) for p in PAGES if p.resolve() not in reachable]
    assert unreachable == []


def test_the_checker_catches_a_broken_file_and_a_broken_heading(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## Set up (zh: 设置)\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#set-up-zh-设置) [top](#a-page) [gone](missing.md) [bad](other.md#nope)\n"
        "`[in code](missing-too.md)` [web](https://example.com/x.md)\n\n# A page\n",
        encoding="utf-8",
    )
    assert [link.split(" ")[0] for link in broken_links(page)] == ["missing.md", "other.md#nope"]
