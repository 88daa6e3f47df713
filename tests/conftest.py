"""Shared test setup for the whole suite."""

import os
import pathlib
import tempfile

import pytest

# widgets render with Agg; never try to open a window while testing
os.environ.setdefault("MPLBACKEND", "Agg")
# checkers keep passing build exercises in the learner's library (nnkit.mine): the tests'
# functions go to a folder of their own, never into the repository's mine/
os.environ.setdefault("NNKIT_MINE", tempfile.mkdtemp(prefix="nnkit-mine-tests-"))

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "classroom: nbgrader student copies and grading (slow; -m 'not classroom')"
    )
    config.addinivalue_line(
        "markers", "site: builds the course website and opens it in Chromium (slow; -m 'not site')"
    )
    config.addinivalue_line(
        "markers", "browser: runs JupyterLab in headless Chromium (slow; deselect with -m 'not browser')"
    )


@pytest.fixture(scope="session")
def repo_root():
    """The repository's root folder."""
    return REPO_ROOT
