"""The one place that holds the course's public addresses.

Publishing is a one-line change: set REPOSITORY (and SITE when the website is
hosted), then run ``python3 docs/links.py`` to rewrite the README badges and
the Colab badge + install cell at the top of every chapter. tests/test_links.py
checks that the README and the chapters agree with this file.
"""
import re
import sys
from pathlib import Path

REPOSITORY = "nnkit-course/nnkit-course"  # placeholder GitHub owner/name until published
REF = "v0.1.0"  # the tag Colab installs from: "v" + nnkit.__version__, tested versions
SITE = f"https://{REPOSITORY.split('/')[0]}.github.io/{REPOSITORY.split('/')[1]}/"

ROOT = Path(__file__).resolve().parents[1]
GITHUB = f"https://github.com/{REPOSITORY}"
RAW = f"https://raw.githubusercontent.com/{REPOSITORY}/{REF}"
BINDER = f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/chapters/00_welcome.ipynb"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_MARK = "<!-- colab-badge -->"  # marks the badge line in a chapter's first markdown cell


def colab(chapter):
    """The address that opens ``chapters/<chapter>`` in Colab."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{REF}/chapters/{chapter}"


def install_cell():
    """The first code cell of every chapter: identical everywhere, a no-op where nnkit imports."""
    return (
        "# Colab or another bare Python: install the course at its tested versions.\n"
        "# In a checkout, JupyterLab or Binder nnkit is importable and this does nothing.\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        "if importlib.util.find_spec(\"nnkit\") is None:\n"
        f"    subprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", \"-c\",\n"
        f"                           \"{RAW}/constraints.txt\",\n"
        f"                           \"nnkit-course @ git+{GITHUB}@{REF}\"])\n"
        "if \"google.colab\" in sys.modules:  # Colab draws only its own widgets unless asked\n"
        "    from google.colab import output\n"
        "\n"
        "    output.enable_custom_widget_manager()  # for ipympl, draw-a-digit's canvas"
    )


def badge_line(chapter):
    # the mark goes last: a line that starts with an HTML comment is a raw HTML block
    # in Markdown, and the badge would show as text
    return f"[![Open In Colab]({COLAB_BADGE})]({colab(chapter)}) {BADGE_MARK}"


def readme_badges():
    return (f"[![Read online](https://img.shields.io/badge/read-online-blue)]({SITE}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({BINDER}) "
            f"[![Open In Colab]({COLAB_BADGE})]({colab('00_welcome.ipynb')})")


def apply_chapter(path):
    """Put the badge in the first markdown cell and the install cell first among code cells."""
    import nbformat  # the venv's; nbformat writes cells the way Jupyter does

    notebook = nbformat.read(path, as_version=4)
    cells = notebook["cells"]
    markdown = next(cell for cell in cells if cell["cell_type"] == "markdown")
    lines = [line for line in "".join(markdown["source"]).split("\n")
             if BADGE_MARK not in line]
    head = lines[:1] if lines and lines[0].startswith("# ") else []  # badge under the title
    rest = lines[len(head):]
    while rest and not rest[0].strip():
        rest = rest[1:]
    markdown["source"] = "\n".join([*head, "", badge_line(path.name), "", *rest]).lstrip("\n")
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    # found by its first line: nbstripout renumbers cell ids
    first_line = install_cell().split("\n")[0]
    if code and "".join(code[0]["source"]).startswith(first_line):
        code[0]["source"] = install_cell()
    else:
        cell = nbformat.v4.new_code_cell(install_cell(), id="colab-install")
        cells.insert(cells.index(code[0]) if code else len(cells), cell)
    nbformat.write(notebook, path)


def apply_readme(path):
    text = path.read_text()
    start, end = "<!-- badges: start -->", "<!-- badges: end -->"
    if start not in text:
        raise SystemExit(f"Expected the markers {start} ... {end} in {path}. Received none.")
    new = f"{start}\n{readme_badges()}\n{end}"
    path.write_text(re.sub(re.escape(start) + ".*?" + re.escape(end), new, text, flags=re.DOTALL))


if __name__ == "__main__":
    apply_readme(ROOT / "README.md")
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        apply_chapter(chapter)
    print(f"links: README and {len(list((ROOT / 'chapters').glob('*.ipynb')))} chapters "
          f"point at {REPOSITORY}@{REF}", file=sys.stderr)
