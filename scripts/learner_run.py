"""Work through the chapters as a learner who passes every exercise, and show their library.

Each chapter runs top to bottom in a fresh kernel with the worked solutions' markers
(``### BEGIN SOLUTION`` / ``### END SOLUTION``, a first line ``# solution``) removed, so the solutions read as code the
learner typed: every build exercise that passes is kept in ``mine/``, and later chapters
use it ("... is yours"). The library goes to a temporary folder unless ``--mine`` names one.

    python3 scripts/learner_run.py                     chapters 01-14
    python3 scripts/learner_run.py 03 06 --mine /tmp/m  some chapters, a kept library

Prints, per chapter, its run time, the components it added and each "is yours" line the
chapter printed; exits 1 if a chapter fails.
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
# the hidden solutions' markers, and the "# solution" line some of them start with
MARKERS = re.compile(r"^(### (BEGIN|END) SOLUTION|# solution\b.*)\n?", re.MULTILINE | re.IGNORECASE)


def as_learner(path):
    """The chapter with every worked solution turned into the learner's own code."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = MARKERS.sub("", cell.source)
    return notebook


def printed(notebook):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            yield output.get("text", "")


def run(chapter, mine):
    path = next((ROOT / "chapters").glob(f"{chapter}_*.ipynb"))
    notebook = as_learner(path)
    before = set(json.loads((mine / "record.json").read_text())) \
        if (mine / "record.json").exists() else set()
    start = time.perf_counter()
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    after = json.loads((mine / "record.json").read_text()) \
        if (mine / "record.json").exists() else {}
    yours = sorted({line for text in printed(notebook) for line in text.splitlines()
                    if re.search(r"\bis yours\b", line)})
    return path.name, time.perf_counter() - start, sorted(set(after) - before), yours


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", default=[f"{n:02d}" for n in range(1, 15)])
    parser.add_argument("--mine", help="where the learner's library goes (default: a temporary "
                                       "folder)")
    args = parser.parse_args()
    mine = Path(args.mine or tempfile.mkdtemp(prefix="learner-mine-")).resolve()
    os.environ["NNKIT_MINE"] = str(mine)  # the kernels inherit it
    print(f"the learner's library: {mine}")
    for chapter in args.chapters:
        name, seconds, added, yours = run(chapter, mine)
        print(f"{name}: {seconds:.0f} s; kept {', '.join(added) or 'nothing'}")
        for line in yours:
            print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
