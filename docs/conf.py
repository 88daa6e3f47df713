"""Sphinx configuration of the course website (``python3 run.py site``).

Why Sphinx + MyST-NB + sphinx-book-theme: it is what Jupyter Book 1 wraps,
it installs from PyPI alone and builds with no network (Jupyter Book 2 /
mystmd downloads its themes at build time). See docs/about-site.md.

The source folder is the repository root (so chapters/ stays where learners
find it); this folder only holds the configuration and the site's own pages.
"""
import sys
from pathlib import Path

import jupyter_server_mathjax

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import links

import nnkit

project = "nnkit course"
author = "The nnkit course authors"
release = version = nnkit.__version__
root_doc = "docs/index"
include_patterns = ["docs/*.md", "docs/*.rst", "docs/generated/*.rst", "chapters/*.ipynb",
]
exclude_patterns = ["**/.ipynb_checkpoints", ".venv*", "_build"]

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.autosummary",
              "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

# execute each chapter once and cache the outputs (jupyter-cache): a rebuild
# after a prose edit only re-executes the notebooks whose code changed
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / ".site-cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_in_temp = False  # chapters read files next to them, like in JupyterLab
# nothing from a CDN: no widget embed script, so widgets show their saved picture
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]

# MathJax from a PyPI package (jupyter-server-mathjax bundles MathJax 2), served locally
html_static_path = ["_static", str(Path(jupyter_server_mathjax.__file__).parent / "static")]
mathjax_path = "MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# the package leaves out MathJax's web fonts: use the fonts the reader has
mathjax2_config = {"HTML-CSS": {"availableFonts": [], "preferredFont": None,
                                "webFont": None, "imageFont": None}}
html_extra_path = ["_extra"]  # index.html at the site root: a redirect to docs/index.html

autosummary_generate = True
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_custom_sections = [("Shape", "params_style")]

html_theme = "sphinx_book_theme"
html_title = "nnkit: neural networks from scratch"
html_context = {"default_mode": "light"}  # a fresh browser has no saved mode
html_theme_options = {
    "repository_url": links.GITHUB,
    "use_repository_button": False,
    "launch_buttons": {},
    "navigation_with_keys": False,
}
