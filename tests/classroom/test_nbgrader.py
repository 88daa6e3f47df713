"""Student copies and grading with nbgrader, from the same chapters learners use.

Three chapters are copied into a temporary course folder with classroom/nbgrader_config.py.
``nbgrader generate_assignment`` must leave no worked solution in the student copies; the
student copies must run to the end, saying "NOT YET" on the unsolved exercises; ``nbgrader
autograde`` must give full marks to a submission with the right answers and none to one
handed in untouched. Skipped when nbgrader is not installed (the dev extra installs it)."""
import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")
import nbclient

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ["03_layers_and_forward_pass", "05_backpropagation", "07_optimizers"]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
pytestmark = pytest.mark.classroom


def nbgrader(course, *args):
    # nbgrader calls helper programs (alembic) by name: this Python's scripts come first
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def solutions(notebook):
    """grade id of each worked solution -> its code (markers removed)."""
    return {grade_id(c): c.source.replace(BEGIN + "\n", "").replace("\n" + END, "")
            for c in notebook.cells if grade_id(c).endswith("-solution")}


def answers(notebook):
    """grade id of each worked solution -> the learner's answer cell, the one above it."""
    return {grade_id(c): notebook.cells[i - 1] for i, c in enumerate(notebook.cells)
            if grade_id(c).endswith("-solution")}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "classroom" / "nbgrader_config.py", course)
    for chapter in CHAPTERS:
        (course / "source" / chapter).mkdir(parents=True)
        shutil.copy(ROOT / "chapters" / f"{chapter}.ipynb", course / "source" / chapter)
        nbgrader(course, "generate_assignment", chapter, "--force")
    return course


def read(course, folder, chapter):
    return nbformat.read(course / folder / chapter / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_copies_hold_no_worked_solution(course, chapter):
    source, student = read(course, "source", chapter), read(course, "release", chapter)
    text = "\n".join(cell.source for cell in student.cells)
    assert BEGIN not in text and "The worked solution is not part of this copy." in text
    # what the chapter shows anyway: stubs (def line, check call), prose and other code
    shown = "\n".join(c.source for c in source.cells if not grade_id(c).endswith("-solution"))
    assert all("raise NotImplementedError" in c.source for c in answers(student).values())
    assert solutions(source)
    for solution in solutions(source).values():
        own = [line.strip() for line in solution.splitlines()
               if len(line.strip()) > 12 and line.strip() not in shown]
        assert own, solution
        leaked = [line for line in own if line in text]
        assert leaked == [], f"{chapter}: solution lines left in the student copy: {leaked}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_copies_run_to_the_end_saying_not_yet(course, chapter, tmp_path):
    student = read(course, "release", chapter)
    nbclient.NotebookClient(student, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = "\n".join(str(output.get("data", {}).get("text/plain", output.get("text", "")))
                      for cell in student.cells for output in cell.get("outputs", []))
    assert shown.count("[NOT YET]") >= len(answers(student)) > 0


def submit(course, student, chapter, notebook):
    folder = course / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{chapter}.ipynb")


def test_autograde_gives_full_marks_to_right_answers_and_none_to_untouched(course):
    from nbgrader.api import Gradebook

    for chapter in CHAPTERS:
        source, student = read(course, "source", chapter), read(course, "release", chapter)
        right = copy.deepcopy(student)
        for solution_id, answer in answers(right).items():
            answer.source = solutions(source)[solution_id]
        submit(course, "alice", chapter, right)
        submit(course, "bob", chapter, student)
    for student in ("alice", "bob"):
        nbgrader(course, "db", "student", "add", student)
    for chapter in CHAPTERS:
        nbgrader(course, "autograde", chapter, "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for chapter in CHAPTERS:
            alice = gradebook.find_submission(chapter, "alice")
            bob = gradebook.find_submission(chapter, "bob")
            assert alice.max_score >= 3
            assert alice.score == alice.max_score, f"{chapter}: right answers lost points"
            assert bob.score == 0, f"{chapter}: an untouched copy got {bob.score} points"
