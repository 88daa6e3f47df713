"""Every chapter notebook is committed clean, named, and set up for nbval.

These checks read the files only (nothing runs); running the chapters is the
job of nbval (`pytest --nbval-lax --nbval-current-env chapters/`) and of the
browser tests. New chapters are covered as soon as they exist.
"""

import importlib.util
import json
import pathlib
import re
import subprocess
import sys

import pytest

CHAPTERS = pathlib.Path(__file__).resolve().parent.parent / "chapters"
NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
CHECKED, KEPT, IGNORED = "nbval-check-output", "keep_output", "nbval-ignore-output"


def chapter_paths():
    return sorted(CHAPTERS.glob("*.ipynb"))


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def notebook_problems(notebook):
    """Everything wrong with one notebook (a parsed .ipynb dict), as readable sentences."""
    problems = []
    kernel = notebook.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec name must be 'python3'. Received: {kernel!r}")
    if "widgets" in notebook.get("metadata", {}):
        problems.append("notebook metadata holds widget state: strip it with nbstripout")
    for number, cell in enumerate(notebook["cells"]):
        where = f"cell {number} ({''.join(cell.get('source', ''))[:40]!r})"
        cell_tags = tags(cell)
        outputs = cell.get("outputs", [])
        if outputs and KEPT not in cell_tags:
            problems.append(f"{where} has outputs but no {KEPT!r} tag: strip it")
        if CHECKED in cell_tags and KEPT not in cell_tags:
            problems.append(f"{where} is tagged {CHECKED!r} but not {KEPT!r}: nbstripout clears it")
        if KEPT in cell_tags and CHECKED not in cell_tags:
            problems.append(f"{where} keeps its output but nbval never compares it: tag it {CHECKED!r}")
        if CHECKED in cell_tags and not outputs:
            problems.append(f"{where} is tagged {CHECKED!r} but has no stored output to compare")
        if CHECKED in cell_tags and IGNORED in cell_tags:
            problems.append(f"{where} is tagged both {CHECKED!r} and {IGNORED!r}")
        if CHECKED in cell_tags and cell.get("execution_count") is None:
            problems.append(f"{where} keeps an output but has no execution count")
        for output in outputs:
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                problems.append(f"{where} keeps a widget view, which nbval cannot compare")
    return problems


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_chapters():
    assert (CHAPTERS / "00_welcome.ipynb").exists()


@pytest.mark.parametrize("path", chapter_paths(), ids=lambda path: path.name)
def test_chapter_is_clean_and_ready_for_nbval(path):
    assert NAME_PATTERN.match(path.name), f"{path.name}: expected NN_lower_case_name.ipynb"
    assert notebook_problems(read(path)) == []


def test_chapter_numbers_are_unique():
    numbers = [path.name[:2] for path in chapter_paths()]
    assert len(numbers) == len(set(numbers)), f"two chapters share a number: {numbers}"


@pytest.mark.skipif(importlib.util.find_spec("nbstripout") is None,
                    reason="nbstripout is not installed")
def test_nbstripout_finds_nothing_to_strip():
    paths = [str(path) for path in chapter_paths()]
    run = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--keep-count", "--verify", *paths],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, f"run `nbstripout --keep-count` on:\n{run.stdout}{run.stderr}"


# ---- the checker itself must catch what it is meant to catch ---------------


def make_notebook(*cells, kernel="python3"):
    return {"metadata": {"kernelspec": {"name": kernel}}, "cells": list(cells)}


def make_cell(source="x = 1", tags=(), outputs=(), count=1):
    return {
        "cell_type": "code", "source": source, "execution_count": count,
        "metadata": {"tags": list(tags)}, "outputs": list(outputs),
    }


STREAM = {"output_type": "stream", "name": "stdout", "text": "42\n"}


def test_checker_accepts_a_clean_notebook():
    clean = make_notebook(make_cell(), make_cell(tags=[CHECKED, KEPT], outputs=[STREAM]))
    assert notebook_problems(clean) == []


@pytest.mark.parametrize(
    "notebook, expected",
    [
        (make_notebook(make_cell(), kernel="julia"), "kernelspec name must be 'python3'"),
        (make_notebook(make_cell(outputs=[STREAM])), "has outputs but no 'keep_output'"),
        (make_notebook(make_cell(tags=[CHECKED], outputs=[STREAM])), "but not 'keep_output'"),
        (make_notebook(make_cell(tags=[KEPT], outputs=[STREAM])), "nbval never compares it"),
        (make_notebook(make_cell(tags=[CHECKED, KEPT])), "no stored output"),
        (make_notebook(make_cell(tags=[CHECKED, KEPT, IGNORED], outputs=[STREAM])), "both"),
        (make_notebook(make_cell(tags=[CHECKED, KEPT], outputs=[STREAM], count=None)),
         "no execution count"),
        (
            make_notebook(make_cell(tags=[CHECKED, KEPT], outputs=[
                {"output_type": "display_data", "metadata": {},
                 "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "1"}}}])),
            "widget view",
        ),
    ],
)
def test_checker_reports_each_problem(notebook, expected):
    problems = notebook_problems(notebook)
    assert any(expected in problem for problem in problems), problems


def test_checker_reports_widget_state():
    notebook = make_notebook(make_cell())
    notebook["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert notebook_problems(notebook) == ["notebook metadata holds widget state: strip it with nbstripout"]


@pytest.mark.parametrize("name, ok", [
    ("00_welcome.ipynb", True), ("12_attention_and_transformers.ipynb", True),
    ("1_neuron.ipynb", False), ("01-neuron.ipynb", False), ("01_Neuron.ipynb", False),
    ("01_.ipynb", False),
])
def test_name_pattern(name, ok):
    assert bool(NAME_PATTERN.match(name)) is ok


UNNUMBERED_SECTIONS = ("Exercises", "Your library so far", "Check your understanding", "Summary", "Next", "Further reading")


@pytest.mark.parametrize("path", [p for p in sorted(CHAPTERS.glob("*.ipynb")) if not p.name.startswith("00")],
                         ids=lambda p: p.stem)
def test_one_heading_convention(path):
    """Sections are '## 1 · Title' numbered in order, then the fixed closing sections;
    exercises are '### Exercise 1 · Title'."""
    number = 0
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).split("\n"):
            if line.startswith("## "):
                numbered = re.match(r"## (\d+) · \S", line)
                if numbered:
                    number += 1
                    assert int(numbered[1]) == number, f"{path.name}: {line!r} should be {number}"
                else:
                    assert line[3:] in UNNUMBERED_SECTIONS, (
                        f"{path.name}: expected '## {number + 1} · Title' or one of "
                        f"{UNNUMBERED_SECTIONS}. Received: {line!r}")
            if line.startswith("### Exercise"):
                assert re.match(r"### Exercise \d+[a-z]? · \S", line), (
                    f"{path.name}: expected '### Exercise N · Title'. Received: {line!r}")


def test_exercises_carry_their_nbgrader_marks():
    # the chapters double as nbgrader sources (docs/teaching.md): re-run the marking script
    # after adding or editing an exercise
    pytest.importorskip("nbformat")
    paths = [str(p) for p in sorted(CHAPTERS.glob("*.ipynb"))]
    run = subprocess.run([sys.executable, str(CHAPTERS.parent / "scripts" / "nbgrader_mark.py"),
                          "--check", *paths], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sum(int(line.split(": ")[1].split()[0]) for line in run.stdout.splitlines()
               if ": " in line and "exercises" in line) >= 60


def _section(texts, title):
    """The text of the section '## title', up to the next '## ' heading ('' if absent)."""
    whole = "\n".join(texts)
    start = whole.find(f"## {title}\n")
    if start < 0:
        return ""
    end = whole.find("\n## ", start + 3)
    return whole[start:end if end >= 0 else None]


TEACHING_CHAPTERS = [p for p in sorted(CHAPTERS.glob("*.ipynb")) if "01" <= p.name[:2] <= "14"]


@pytest.mark.parametrize("path", TEACHING_CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_a_time_estimate_questions_with_answers_and_further_reading(path):
    cells = json.loads(path.read_text())["cells"]
    texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    intro = "\n".join(texts[:3])
    assert re.search(r"\*\*?(Time|Reading)[*:]+ .*(minutes|hours)", intro), (
        f"{path.name}: expected a time estimate ('**Time**: about N minutes ...') in the intro")
    questions = _section(texts, "Check your understanding")
    folded = questions.split("<summary>Answers</summary>")  # one folded block of answers...
    asked = re.findall(r"^\d+\. ", folded[0], flags=re.MULTILINE)
    answers = (len(re.findall(r"^\d+\. ", folded[1], flags=re.MULTILINE)) if len(folded) == 2
               else questions.count("<details><summary>Answer</summary>"))  # ...or one each
    assert len(asked) >= 3 and answers == len(asked), (
        f"{path.name}: expected '## Check your understanding' with at least 3 numbered "
        f"questions, each with a folded answer. Received {len(asked)} questions, {answers} answers")
    reading = _section(texts, "Further reading")
    assert len(re.findall(r"^- ", reading, flags=re.MULTILINE)) >= 3, (
        f"{path.name}: expected '## Further reading' with at least 3 entries")
