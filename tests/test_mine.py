"""nnkit.mine: the learner's passed build exercises kept in mine/, used later with a fallback."""
import importlib.util
import json

import numpy as np
import pytest

from nnkit import mine

LEARNER = '''
import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Scale:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return self.k * x
'''

SOLUTION = '''### BEGIN SOLUTION
# Solution
import numpy as np


def softmax(z):
    return np.full(np.shape(z), 0.25)
### END SOLUTION
'''


def _load(tmp_path, name, text):
    """Define functions in a file of their own, as a notebook cell does."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def place(tmp_path, monkeypatch):
    root = tmp_path / "my-library"
    monkeypatch.setenv("NNKIT_MINE", str(root))
    return root


def reference_softmax(z):
    return np.zeros_like(z)


def test_a_fresh_learner_gets_the_course_version_and_is_told(place, capsys):
    assert mine.use("softmax", reference_softmax) is reference_softmax
    assert "softmax is the course's" in capsys.readouterr().out
    assert mine.library() == {} and not place.exists()


def test_kept_code_is_saved_verbatim_and_used_later(place, tmp_path, capsys):
    cell = _load(tmp_path, "cell_1", LEARNER)
    path = mine.keep(cell.softmax, chapter=2, exercise=5)
    assert path == place / "ch02.py"
    text = path.read_text()
    assert "def softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))" in text
    assert "# >>> softmax (chapter 02, exercise 5)" in text
    assert text.count("import numpy as np") == 1  # the module's own import, not repeated
    used = mine.use("softmax", reference_softmax)
    assert "softmax is yours (chapter 02, exercise 5" in capsys.readouterr().out
    np.testing.assert_allclose(used(np.array([1000.0, 1000.0])), [0.5, 0.5])
    assert mine.library() == {"softmax": {"chapter": 2, "exercise": 5, "module": "ch02.py",
                                          "owner": "learner"}}


def test_a_class_is_kept_and_other_components_survive_a_new_version(place, tmp_path):
    first = _load(tmp_path, "cell_2", LEARNER)
    mine.keep(first.softmax, 2, 5)
    mine.keep(first.Scale, 3, 1)
    assert mine.use("Scale", None, quiet=True)(2)(3) == 6
    better = _load(tmp_path, "cell_3", LEARNER.replace("self.k * x", "x * self.k  # commuted"))
    mine.keep(better.Scale, 3, 1)
    text = (place / "ch03.py").read_text()
    assert text.count("class Scale") == 1 and "# commuted" in text
    assert mine.use("softmax", None, quiet=True) is not None  # chapter 02's module untouched
    assert set(mine.library()) == {"softmax", "Scale"}


def test_a_worked_solution_is_never_kept_nor_overwrites_the_learners(place, tmp_path):
    solution = _load(tmp_path, "cell_4", SOLUTION)
    assert mine.keep(solution.softmax, 2, 5) is None
    unmarked = _load(tmp_path, "cell_4b", "# solution\n" + LEARNER)  # older, unmarked form
    assert mine.keep(unmarked.softmax, 2, 5) is None
    assert mine.library() == {}
    learner = _load(tmp_path, "cell_5", LEARNER)
    mine.keep(learner.softmax, 2, 5)
    assert mine.keep(solution.softmax, 2, 5) is None
    assert "np.full" not in (place / "ch02.py").read_text()


def test_a_broken_module_names_the_file_and_the_course_version_runs(place, tmp_path, capsys):
    learner = _load(tmp_path, "cell_6", LEARNER)
    module = mine.keep(learner.softmax, 2, 5)
    module.write_text(module.read_text() + "\ndef oops(:\n")  # edited by hand, half written
    assert mine.use("softmax", reference_softmax) is reference_softmax
    out = capsys.readouterr().out
    assert str(module) in out and "SyntaxError" in out and "using the course's softmax" in out


def test_a_broken_record_is_reported_and_the_modules_are_kept(place, tmp_path, capsys):
    learner = _load(tmp_path, "cell_7", LEARNER)
    module = mine.keep(learner.softmax, 2, 5)
    (place / "record.json").write_text("{not json")
    assert mine.use("softmax", reference_softmax, quiet=True) is reference_softmax
    assert "record.json is not valid JSON" in capsys.readouterr().out
    mine.keep(learner.softmax, 2, 5)  # passing again records it again
    assert json.loads((place / "record.json").read_text())["softmax"]["owner"] == "learner"
    assert module.exists()


def test_the_default_place_is_next_to_the_chapters_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NNKIT_MINE", raising=False)
    (tmp_path / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "chapters")
    assert mine.folder() == tmp_path / "mine"
    monkeypatch.chdir(tmp_path)
    assert mine.folder() == tmp_path / "mine"


def test_the_librarys_own_code_is_not_kept_as_the_learners(place):
    import nnkit
    from nnkit.nn import functional as F
    assert mine.keep(nnkit.Value, 5, "5") is None           # handed to a checker as is
    assert mine.keep(nnkit.nn.Linear, 3, "6") is None
    assert mine.keep(F.softmax, 2, "5", name="softmax") is None
    assert mine.library() == {}


def test_code_without_a_source_file_is_not_kept(place):
    namespace = {}
    exec("def f(x):\n    return x\n", namespace)  # noqa: S102  (a bare prompt: no source)
    assert mine.keep(namespace["f"], 1, 1) is None


def test_a_passing_build_exercise_is_kept_by_its_checker_and_a_failing_one_is_not(place, tmp_path):
    from nnkit.exercises import ch02
    wrong = _load(tmp_path, "cell_8", LEARNER.replace("z.max(axis=-1, keepdims=True)", "z.min()"))
    assert not ch02.softmax(wrong.softmax) and mine.library() == {}
    right = _load(tmp_path, "cell_9", LEARNER)
    result = ch02.softmax(right.softmax)
    assert result and f"Kept in your library: {place / 'ch02.py'}" in repr(result)
    assert mine.library()["softmax"]["owner"] == "learner"
    solution = _load(tmp_path, "cell_10", SOLUTION.replace("np.full(np.shape(z), 0.25)",
                                                          "np.exp(z - z.max(-1, keepdims=True)) "
                                                          "/ np.exp(z - z.max(-1, keepdims=True))"
                                                          ".sum(-1, keepdims=True)"))
    passed = ch02.softmax(solution.softmax)
    assert passed and "Kept" not in repr(passed)  # the worked solution passes, is not kept
    assert "z.max(axis=-1, keepdims=True)" in (place / "ch02.py").read_text()


def test_a_learners_own_name_is_kept_under_the_components_name_and_lambdas_are_not(place, tmp_path):
    cell = _load(tmp_path, "cell_11", LEARNER.replace("def softmax(z)", "def my_softmax(z)"))
    mine.keep(cell.my_softmax, 2, 5, name="softmax")
    used = mine.use("softmax", None, quiet=True)
    assert used.__name__ == "my_softmax" and used(np.array([0.0, 0.0]))[0] == 0.5
    assert mine.keep(lambda z: z, 2, 5, name="softmax") is None
    assert mine.use("softmax", None, quiet=True).__name__ == "my_softmax"


def test_show_lists_the_library_or_says_it_is_empty(place, tmp_path, capsys):
    mine.show()
    assert "is empty so far" in capsys.readouterr().out
    cell = _load(tmp_path, "cell_12", LEARNER)
    mine.keep(cell.softmax, 2, 5)
    mine.keep(cell.Scale, 3, 1)
    mine.show()
    lines = capsys.readouterr().out.splitlines()
    assert str(place) in lines[0]
    assert "softmax" in lines[1] and "chapter 02, exercise 5" in lines[1]
    assert "Scale" in lines[2] and "chapter 03, exercise 1" in lines[2]


def test_components_of_one_module_share_their_classes(tmp_path, monkeypatch):
    """Linear and Sequential used separately still derive from the same Module class."""
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path / "mine"))
    from nnkit.exercises.solutions import ch03 as course
    for cls in (course.Module, course.Linear, course.Sequential):
        mine.keep(cls, 3, "6")
    Module = mine.use("Module", reference=None, quiet=True)
    Linear = mine.use("Linear", reference=None, quiet=True)
    Sequential = mine.use("Sequential", reference=None, quiet=True)
    model = Sequential(Linear(2, 3))
    assert isinstance(model, Module) and isinstance(model.layers[0], Module)
    assert Module is not course.Module  # loaded from the learner's file, not the course's


def test_a_partial_library_mixes_the_learners_and_the_courses(place, tmp_path, capsys):
    cell = _load(tmp_path, "cell_p", LEARNER)
    mine.keep(cell.softmax, chapter=2, exercise=5)
    capsys.readouterr()
    assert mine.use("softmax", reference_softmax) is not reference_softmax
    assert mine.use("relu", reference_softmax) is reference_softmax
    out = capsys.readouterr().out
    assert "softmax is yours" in out and "relu is the course's" in out


def test_the_library_imports_as_a_package_and_leaves_no_temporary_files(place, tmp_path,
                                                                          monkeypatch):
    cell = _load(tmp_path, "cell_i", LEARNER)
    mine.keep(cell.softmax, chapter=2, exercise=5)
    mine.keep(cell.Scale, chapter=3, exercise=1)
    monkeypatch.syspath_prepend(str(place.parent))
    import importlib
    package = importlib.import_module(place.name)  # `from mine import softmax` in a notebook
    np.testing.assert_allclose(package.softmax(np.zeros(2)), [0.5, 0.5])
    assert package.Scale(3)(2) == 6
    assert not list(place.glob("*.tmp"))
