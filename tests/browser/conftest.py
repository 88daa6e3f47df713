"""Fixtures for the browser tests: one JupyterLab server and one Chromium per session."""

import importlib.util
import os
import pathlib
import shutil
import tempfile

import pytest
from harness import CHROMIUM, CHROMIUM_FLAGS, LabServer

HERE = pathlib.Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SCREENSHOTS = HERE / "screenshots"


def _missing():
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    for module in ("playwright", "pytest_playwright"):
        if importlib.util.find_spec(module) is None:
            return f"Python package {module} not installed (pip install pytest-playwright)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    for item in items:
        if HERE in pathlib.Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.fixture(scope="session")
def lab_root():
    """A fresh copy of the chapters and fixture notebooks: the tests save notebooks there."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="nnkit-lab-root-"))
    shutil.copytree(REPO_ROOT / "chapters", root / "chapters",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(HERE / "fixtures", root / "fixtures")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(lab_root):
    server = LabServer(lab_root).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
