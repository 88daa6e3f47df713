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
    for name in ("pyproject.toml", "setup.py", "README.md"):
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
        # widgets/ installs as nnkit_widgets (setup.py): a learner's widgets.py cannot shadow it
        installed_as = package.replace("widgets", "nnkit_widgets", 1) if package.startswith(
            "widgets") else package
        assert f"{installed_as}/__init__.py" in names
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
