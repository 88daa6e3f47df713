"""Published addresses in one place (docs/links.py), the Colab install cell, the
tested-version pins, the version in one place, and the widgets' import name."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import tomllib

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


def run_cell(python_flags, cwd):
    """Run the install cell with subprocess.check_call recorded, not executed."""
    script = (
        "import json, subprocess\n"
        "calls = []\n"
        "subprocess.check_call = lambda command, **kwargs: calls.append(command) or 0\n"
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


def pins(path):
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


def test_binder_pins_agree_with_constraints():
    constraints = pins(ROOT / "constraints.txt")
    binder = pins(ROOT / "binder" / "requirements.txt")
    assert binder, "binder/requirements.txt pins nothing"
    for name, version in binder.items():
        assert constraints.get(name) == version, (
            f"{name}: binder pins {version}, constraints.txt {constraints.get(name)}; "
            "regenerate with `python3 run.py pin` and update binder/requirements.txt")


def test_every_runtime_dependency_is_pinned_for_binder():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    binder = pins(ROOT / "binder" / "requirements.txt")
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower()
        assert name in binder, f"Expected {name} pinned in binder/requirements.txt"


def test_version_lives_in_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nnkit.__version__"}
    from importlib.metadata import version
    assert version("nnkit-course") == nnkit.__version__
def test_a_learners_widgets_py_does_not_shadow_the_course_widgets(tmp_path):
    (tmp_path / "widgets.py").write_text("raise ImportError('the learner widgets.py')\n")
    script = "import nnkit_widgets; print(nnkit_widgets.NeuronExplorer.__name__)"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "NeuronExplorer"
