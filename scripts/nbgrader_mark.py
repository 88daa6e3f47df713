"""Mark the chapters' exercises in nbgrader's format: one source of notebooks serves a
learner working alone (the checkers answer on the spot) and a class (nbgrader makes student
copies without the worked solutions and grades submissions).

    python3 scripts/nbgrader_mark.py chapters/*.ipynb          mark (idempotent)
    python3 scripts/nbgrader_mark.py --check chapters/*.ipynb  exit 1 if one is not marked

An exercise is a stub cell (``raise NotImplementedError  # your code here`` and one
``check.name(answer)`` line), followed by its hidden worked solution. For each:

- the stub is the learner's answer. It carries no nbgrader mark: nbgrader would replace an
  unmarked-up solution cell's whole code by its stub, and autograding keeps what a student
  wrote in unmarked cells;
- the worked solution sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``: a student
  copy gets the code stub of classroom/nbgrader_config.py there instead;
- a locked, graded cell follows: ``check.name(answer).grade()``. It is silent for a learner
  (the stub already showed the verdict) and fails under ``nbgrader autograde`` when the
  answer does not pass (see CheckResult.grade).
"""
import argparse
import sys
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def nbgrader(grade_id, solution, grade, locked):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    return {**meta, "points": 1} if grade else meta


def exercises(cells):
    """(stub index, solution index, check line) for each exercise, in order."""
    found = []
    for i, cell in enumerate(cells[:-1]):
        checks = [line for line in cell.source.splitlines() if line.startswith("check.")]
        after = cells[i + 1]
        hidden = after.metadata.get("jupyter", {}).get("source_hidden") or \
            after.source.startswith(("# Solution", BEGIN))
        if (cell.cell_type == "code" and "raise NotImplementedError" in cell.source
                and len(checks) == 1 and after.cell_type == "code" and hidden):
            found.append((i, i + 1, checks[0]))
    return found


def mark(path):
    """Mark one chapter; return the number of exercises and whether anything changed."""
    notebook = nbformat.read(path, as_version=4)
    cells, chapter, changed = notebook.cells, Path(path).name[:2], False
    for number, (stub, solution, check) in reversed(list(enumerate(exercises(cells), 1))):
        name = f"ch{chapter}-ex{number}"
        if cells[stub].metadata.pop("nbgrader", None) is not None:
            changed = True
        meta = nbgrader(f"{name}-solution", True, False, False)
        if cells[solution].metadata.get("nbgrader") != meta:
            cells[solution].metadata["nbgrader"] = meta
            changed = True
        # a learner sees the worked solution only when they open it (JupyterLab's collapsed input)
        if not cells[solution].metadata.get("jupyter", {}).get("source_hidden"):
            cells[solution].metadata.setdefault("jupyter", {})["source_hidden"] = True
            changed = True
        body = cells[solution].source
        if not body.startswith(BEGIN):
            cells[solution].source = f"{BEGIN}\n{body.rstrip()}\n{END}"
            changed = True
        test = f"{check}.grade()  # graded by nbgrader; silent otherwise"
        following = cells[solution + 1] if solution + 1 < len(cells) else None
        # the graded cell already there, perhaps under an older number (exercises renumbered)
        is_test = following is not None and (following.source == test or following.metadata.get(
            "nbgrader", {}).get("grade_id", "").endswith("-test"))
        if not is_test:
            cell = nbformat.v4.new_code_cell(test)
            cells.insert(solution + 1, cell)
            following, changed = cell, True
        meta = nbgrader(f"{name}-test", False, True, True)
        if following.source != test or following.metadata.get("nbgrader") != meta:
            following.source, following.metadata["nbgrader"] = test, meta
            changed = True
    if changed:
        nbformat.write(notebook, path)
    return len(exercises(cells)), changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if unmarked")
    args = parser.parse_args(argv)
    unmarked = []
    for path in args.notebooks:
        if args.check:
            before = Path(path).read_bytes()
            count, changed = mark(path)
            Path(path).write_bytes(before)
        else:
            count, changed = mark(path)
        print(f"{path}: {count} exercises{' (changed)' if changed else ''}")
        if changed:
            unmarked.append(path)
    if args.check and unmarked:
        print(f"not marked: {unmarked}. Run python3 scripts/nbgrader_mark.py on them.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
