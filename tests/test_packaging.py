"""The distribution: a regular (non-editable) install must carry the data.

An editable install reads the data straight from the source tree; a wheel
only holds what pyproject.toml lists, so build one and look inside.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnkit.datasets import integrity

ROOT = Path(__file__).resolve().parents[1]


def source_packages():
    """Every folder with an __init__.py under nnkit/ and widgets/."""
    return sorted(
        str(init.parent.relative_to(ROOT)).replace("\\", "/")
        for top in ("nnkit", "widgets")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # build from a copy so the build does not leave build/ or *.egg-info here
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc")
    for top in ("nnkit", "widgets"):
        shutil.copytree(ROOT / top, source / top, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = out.glob("nnkit_course-*.whl")
    return path


def test_wheel_holds_every_data_file_and_provenance(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in integrity.MANIFEST:
        assert f"nnkit/datasets/files/{name}" in names
    assert "nnkit/datasets/files/PROVENANCE.md" in names


def test_wheel_holds_every_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in source_packages():
        # the folder widgets/ is installed as the import package nnkit_widgets
        installed = "nnkit_widgets" + package[len("widgets"):] if package.startswith("widgets") \
            else package
        assert f"{installed}/__init__.py" in names
    assert not any(name.startswith(("tests/", "chapters/", "binder/")) for name in names)


def test_installed_wheel_verifies_and_loads_its_data(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, timeout=600,
    )
    # import only the data modules from the install: the package's own
    # __init__ may import things (numba kernels) this test does not need
    script = (
        "import sys, pathlib; sys.path.insert(0, sys.argv[1]);"
        "from nnkit.datasets import integrity, mnist;"
        "assert pathlib.Path(integrity.__file__).is_relative_to(sys.argv[1]), integrity.__file__;"
        "assert all(error is None for _, error in integrity.check_all());"
        "print(mnist('test')[0].shape)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        check=False, capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(10000, 28, 28)"


# ---------------------------------------------------------------- what a published project carries

def test_the_version_lives_in_one_place_and_the_wheel_carries_it(wheel):
    import nnkit

    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()
    assert f"nnkit_course-{nnkit.__version__}-" in wheel.name


def test_license_and_changelog_exist_and_agree_with_the_metadata():
    import nnkit

    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = {text = "MIT"}' in (ROOT / "pyproject.toml").read_text()
    assert f"## {nnkit.__version__}" in (ROOT / "CHANGELOG.md").read_text()


def _pins(path):
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.lower().split("==") for line in lines if "==" in line)


def test_binder_pins_the_same_versions_as_the_constraints_file():
    binder, tested = _pins(ROOT / "binder" / "requirements.txt"), _pins(ROOT / "constraints.txt")
    assert binder, "binder/requirements.txt pins nothing"
    for name, version in binder.items():
        assert tested.get(name) == version, (f"binder pins {name}=={version}, constraints.txt "
                                             f"has {tested.get(name)}: run `python3 run.py pin`")


def test_local_installs_use_the_constraints_file():
    text = (ROOT / "run.py").read_text()
    assert '"-c", CONSTRAINTS' in text and 'CONSTRAINTS = "constraints.txt"' in text


def test_torch_extra_is_the_version_run_py_installs():
    # one pin for PyTorch: pyproject's optional extra and `run.py setup --with-torch` agree,
    # and torch stays out of the default install (read as text: tomllib needs Python 3.11)
    import re

    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text()
    extra = re.search(r'^torch = \["([^"]+)"\]$', pyproject, re.MULTILINE)
    assert extra is not None and extra.group(1) == "torch==2.13.0"
    dependencies = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.MULTILINE | re.DOTALL)
    assert "torch" not in dependencies.group(1)
    pin = re.search(r'^TORCH = "([^"]+)"', (root / "run.py").read_text(), re.MULTILINE)
    assert pin.group(1) == extra.group(1)


def test_a_learners_own_widgets_py_does_not_hide_the_course_widgets(tmp_path):
    # a notebook's folder comes first on sys.path: a learner's widgets.py there must not
    # break `from nnkit_widgets... import ...` in the chapters
    (tmp_path / "widgets.py").write_text("raise RuntimeError('the learner', 's own file')\n")
    script = ("import sys; sys.path.insert(0, ''); "
              "from nnkit_widgets.neuron import NeuronExplorer; "
              "print(NeuronExplorer.__module__)")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nnkit_widgets.neuron"
