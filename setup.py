"""Package list for setuptools (the rest of the metadata is in pyproject.toml).

The widgets live in the widgets/ folder but install as ``nnkit_widgets``: a
learner's own ``widgets.py`` next to the notebooks (the notebook's folder comes
first on sys.path) cannot shadow that name. pyproject.toml cannot rename a
found package, so the list is computed here; editable installs (``pip install
-e .``, Binder's ``-e .``) map ``nnkit_widgets`` to widgets/ the same way.
"""
from setuptools import find_packages, setup

NNKIT = find_packages(include=["nnkit", "nnkit.*"])
WIDGETS = ["nnkit_widgets" + name[len("widgets"):]
           for name in find_packages(include=["widgets", "widgets.*"])]

setup(packages=NNKIT + WIDGETS, package_dir={"nnkit_widgets": "widgets"})
