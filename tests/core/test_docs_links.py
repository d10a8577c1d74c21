"""Every relative link in the README and docs/ points at a file of this repository: a fresh
clone has nothing beside it (no `../shared/`)."""

import re

from django.conf import settings

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def markdown_files():
    root = settings.BASE_DIR
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def test_relative_links_in_the_readme_and_docs_resolve_inside_the_repository():
    root = settings.BASE_DIR.resolve()
    broken = []
    for page in markdown_files():
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            path = (page.parent / target).resolve()
            if not path.exists() or not path.is_relative_to(root):
                broken.append(f"{page.name}: {target}")
    assert broken == []
