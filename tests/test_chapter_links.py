"""Links between chapters point at notebooks that exist, and the README lists every chapter."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
LINK = re.compile(r"\]\((?!https?:)([^)#\s]+\.ipynb)(#[^)]*)?\)")  # not web addresses


def markdown_of(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_links_to_other_notebooks_resolve(chapter):
    broken = [target for target, _ in LINK.findall(markdown_of(chapter))
              if not (chapter.parent / target).resolve().exists()]
    assert broken == [], f"{chapter.name} links to missing notebooks: {broken}"


def test_chapters_are_numbered_without_gaps():
    numbers = [int(p.name[:2]) for p in CHAPTERS]
    assert numbers == list(range(len(numbers)))


def test_readme_links_every_chapter():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in CHAPTERS if f"chapters/{p.name}" not in readme]
    assert missing == [], f"README.md does not link {missing}"


def test_differences_from_pytorch_page_exists_and_is_linked():
    page = "docs/differences-from-pytorch.md"
    assert (ROOT / page).exists()
    assert f"]({page})" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"](../{page})" in markdown_of(ROOT / "chapters" / "15_where_next.ipynb")
