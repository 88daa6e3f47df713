"""Published addresses in one place (docs/links.py), the Colab badge and install
cell of every chapter, and the website's landing page listing every chapter."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nnkit

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
spec = importlib.util.spec_from_file_location("links", ROOT / "docs" / "links.py")
links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(links)


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def test_readme_badges_come_from_links_py():
    readme = (ROOT / "README.md").read_text()
    assert links.readme_badges() in readme
    # no second copy of an address that publishing would have to change
    assert readme.count("mybinder.org/v2/gh/") == 1
    assert readme.count("colab.research.google.com/github/") == 1


def test_every_chapter_has_its_colab_badge_and_the_identical_install_cell():
    assert CHAPTERS
    for path in CHAPTERS:
        notebook = cells(path)
        first_markdown = next(c for c in notebook if c["cell_type"] == "markdown")
        first_code = next(c for c in notebook if c["cell_type"] == "code")
        assert links.colab(path.name) in source(first_markdown), path.name
        assert source(first_code) == links.install_cell(), path.name


def test_install_ref_is_the_version():
    assert links.REF == f"v{nnkit.__version__}"


def run_cell(python_flags, cwd, colab=False):
    """Run the install cell with subprocess.check_call recorded, not executed; with
    ``colab``, a stand-in google.colab module records the widget-manager call."""
    fake_colab = (
        "import sys, types\n"
        "output = types.SimpleNamespace(enable_custom_widget_manager="
        "lambda: calls.append('custom widget manager'))\n"
        "sys.modules['google'] = types.ModuleType('google')\n"
        "sys.modules['google.colab'] = types.SimpleNamespace(output=output)\n"
    )
    script = (
        "import json, subprocess\n"
        "calls = []\n"
        "subprocess.check_call = lambda command, **kwargs: calls.append(command) or 0\n"
        + (fake_colab if colab else "") +
        f"exec({links.install_cell()!r})\n"
        "print(json.dumps(calls))\n"
    )
    result = subprocess.run([sys.executable, *python_flags, "-c", script], cwd=cwd,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_install_cell_does_nothing_where_nnkit_imports():
    assert run_cell([], ROOT / "chapters") == []


def test_install_cell_installs_the_pinned_course_in_a_bare_python(tmp_path):
    # -I -S: no site-packages and no current folder, so nnkit is not importable,
    # as in a fresh Colab runtime; the pip call is recorded, so no network is used
    (calls,) = run_cell(["-I", "-S"], tmp_path)
    assert calls[1:4] == ["-m", "pip", "install"]
    assert f"{links.RAW}/constraints.txt" in calls
    assert calls[-1] == f"nnkit-course @ git+{links.GITHUB}@{links.REF}"


def test_install_cell_in_colab_installs_and_turns_on_third_party_widgets(tmp_path):
    install, widgets = run_cell(["-I", "-S"], tmp_path, colab=True)
    assert install[-1] == f"nnkit-course @ git+{links.GITHUB}@{links.REF}"
    assert widgets == "custom widget manager"


def test_the_landing_page_lists_every_chapter():
    index = (ROOT / "docs" / "index.md").read_text()
    for path in CHAPTERS:
        assert f"](../chapters/{path.name})" in index, f"docs/index.md does not list {path.name}"
    assert "mybinder.org" not in index, "docs/index.md: take the Binder address from docs/links.py"
