"""Sphinx configuration of the course website (``python3 run.py site``).

Why Sphinx + MyST-NB + sphinx-book-theme: it is what Jupyter Book 1 wraps,
it installs from PyPI alone and builds with no network (Jupyter Book 2 /
mystmd downloads its themes at build time). See docs/about-site.md.

The source folder is the repository root (so chapters/ stays where learners
find it); this folder only holds the configuration and the site's own pages.
"""
import inspect
import os
import re
import sys
import types
from pathlib import Path

import jupyter_server_mathjax
from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]
# the chapters run in kernels started from here: a non-interactive backend set for the
# tests (MPLBACKEND=Agg) would make plt.show() draw nothing on the site
os.environ.pop("MPLBACKEND", None)
sys.path.insert(0, str(ROOT / "docs"))
import links

import nnkit
import nnkit.nn
import nnkit.nn.functional
import nnkit.optim

project = "nnkit course"
author = "The nnkit course authors"
release = version = nnkit.__version__
root_doc = "docs/index"
include_patterns = ["docs/*.md", "docs/*.rst", "docs/generated/*.rst", "chapters/*.ipynb",
]
exclude_patterns = ["**/.ipynb_checkpoints", ".venv*", "_build",
                    "docs/_api_listing.rst"]  # included by docs/api.rst

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.autosummary",
              "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
myst_enable_extensions = ["dollarmath", "amsmath", "substitution"]
# the public addresses live in docs/links.py only (publishing is a one-line change there)
myst_substitutions = {"binder_link": f"[Binder]({links.BINDER})"}
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
# The package ships MathJax 2 with one web font, STIX-Web (served with the site). The
# fast preview would ask for TeX fonts the package leaves out: it is off. MyST marks
# pages mathjax_ignore and each formula "math": typeset those.
mathjax2_config = {
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web",
                 "imageFont": None},
    "fast-preview": {"disabled": True},
    "tex2jax": {"processClass": "tex2jax_process|mathjax_process|math|output_area"},
}
html_extra_path = ["_extra"]  # index.html at the site root: a redirect to docs/index.html

# the listing is an included file, which autosummary does not scan on its own
autosummary_generate = ["docs/_api_listing.rst"]
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


# --- the API reference: one autosummary entry per public name --------------------------
# Generated from the modules' own lists (``__all__``), so a new public name can never be
# missing from the reference. docs/api.rst includes the file written here.

def public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:  # nnkit.nn.functional: its public functions
        names = [n for n, v in vars(module).items() if not n.startswith("_")
                 and inspect.isfunction(v) and v.__module__ == module.__name__]
    return [n for n in names if not isinstance(getattr(module, n), types.ModuleType)]


API_MODULES = {  # section title -> module
    "nnkit": nnkit, "nnkit.nn": nnkit.nn, "nnkit.nn.functional": nnkit.nn.functional,
    "nnkit.optim": nnkit.optim, "nnkit.datasets": nnkit.datasets, "nnkit.models": nnkit.models,
}


def write_api_listing():
    lines = []
    for title, module in API_MODULES.items():
        lines += [title, "-" * len(title), "", f".. currentmodule:: {module.__name__}", "",
                  ".. autosummary::", "   :toctree: generated", "", *(
                      f"   {name}" for name in public_names(module)), ""]
    path = Path(__file__).parent / "_api_listing.rst"  # git-ignored, written at each build
    text = "\n".join(lines)
    if not path.exists() or path.read_text() != text:  # unchanged: no rebuild of the page
        path.write_text(text)


write_api_listing()


def api_targets():
    """Inline-code spellings a chapter uses -> the API page of that name."""
    targets = {}
    for title, module in API_MODULES.items():
        short = title.replace("nnkit.nn.functional", "F").replace("nnkit.", "")
        for name in public_names(module):
            page = f"docs/generated/{module.__name__}.{name}"
            for spelling in (f"{title}.{name}", f"{short}.{name}" if short != title else None,
                             name if title in ("nnkit", "nnkit.nn", "nnkit.optim") else None):
                if spelling:
                    targets.setdefault(spelling, page)
    return targets


TARGETS = api_targets()


def link_first_use(app, doctree, docname):
    """In a chapter, link the first inline-code use of each public name to its API page."""
    if not docname.startswith("chapters/"):
        return
    seen = set()
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, nodes.reference):
            continue
        spelling = literal.astext().strip().removesuffix("()")
        spelling = spelling.split("(")[0] if spelling.endswith(")") else spelling
        page = TARGETS.get(spelling)
        if page is None or page in seen:
            continue
        seen.add(page)
        uri = app.builder.get_relative_uri(docname, page)
        reference = nodes.reference("", "", internal=True, refuri=uri,
                                    reftitle=f"API reference: {page.split('/')[-1]}")
        literal.replace_self(reference)
        reference += literal


def local_badges(app, doctree, docname):
    """The Colab badge image is drawn from the site's own copy: no page loads another host."""
    for image in doctree.findall(nodes.image):
        if image["uri"] == links.COLAB_BADGE:
            image["uri"] = app.builder.get_relative_uri(docname, "_static/colab-badge.svg")
            image["uri"] = image["uri"].removesuffix(".html")


CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https://maxcdn[^"]*font-awesome[^"]*">')


def no_cdn(app, doctree, docname):
    """matplotlib's animation player links Font Awesome 4 from a CDN for its button icons;
    the theme already serves Font Awesome, whose "fa fa-play" names still draw them."""
    for raw in doctree.findall(nodes.raw):
        if CDN_STYLESHEET.search(raw.astext()):
            raw.children = [nodes.Text(CDN_STYLESHEET.sub("", raw.astext()))]


def setup(app):
    app.connect("doctree-resolved", no_cdn)
    app.connect("doctree-resolved", link_first_use)
    app.connect("doctree-resolved", local_badges)
