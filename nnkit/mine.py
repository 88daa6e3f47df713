"""The learner's own library: build exercises that pass are kept in ``mine/``.

When a checker passes a function or class the learner wrote, :func:`keep` copies its source,
verbatim, into ``mine/chNN.py`` (one module per chapter) under a header naming the chapter and
the exercise, and records in ``mine/record.json`` that this component is the learner's. Later
code asks for a component with :func:`use`, which returns the learner's version when there is
one and the course's reference otherwise, and says which it gave::

    from nnkit import mine
    softmax = mine.use("softmax", reference=nnkit.nn.functional.softmax)

Rules:

- ``mine/`` sits next to ``chapters/`` (found from the working folder); the environment
  variable ``NNKIT_MINE`` names another place (a class server gives each student their own).
- A worked solution never becomes the learner's work: code defined in a cell holding
  ``### BEGIN SOLUTION`` or starting with ``# Solution`` (the course's hidden solutions) is
  not kept.
- nnkit's own code is not the learner's either: passing ``nnkit.Value`` to a checker is not
  kept (the course's answers in ``nnkit.exercises.solutions`` are, so tests can play the
  learner).
- Keeping a component again replaces its block in the module and nothing else.
- A module that no longer loads (edited by hand, half written) is reported with its path and
  the reference is used instead: a chapter never stops because of ``mine/``.
- A kept function that calls another function of the learner's finds it when that one is
  kept in the same module too (``cross_entropy`` calling the learner's ``log_sum_exp``).
"""
import datetime
import inspect
import json
import linecache
import os
import re
import textwrap
import time
from pathlib import Path

__all__ = ["folder", "keep", "library", "race", "show", "use"]

SOLUTION_MARK = "### BEGIN SOLUTION"
RECORD = "record.json"
HEADER = '"""My own library: code I wrote in the nnkit course, saved when its checker passed."""\n'
PRELUDE = ("import math\n\nimport numpy as np\n\nimport nnkit\nfrom nnkit import nn\n"
           "from nnkit.exercises.engine_parts import TensorOps  # chapter 06: the course's part\n")


def folder():
    """Where ``mine/`` is: ``NNKIT_MINE``, else next to the ``chapters/`` folder we are in."""
    if os.environ.get("NNKIT_MINE"):
        return Path(os.environ["NNKIT_MINE"]).expanduser()
    here = Path.cwd()
    base = here.parent if here.name == "chapters" else here
    return base / "mine"


def _record(root):
    path = root / RECORD
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except ValueError:
        print(f"mine: {path} is not valid JSON; starting a new record (your modules are kept)")
        return {}


def _source_of(obj):
    """The source of ``obj`` and the whole cell (or file) it was defined in.

    Found through the code of its functions, which Python and Jupyter keep in ``linecache``:
    ``inspect.getsource`` cannot find a class defined in a notebook (its module, ``__main__``,
    has no file).
    """
    functions = _functions(obj)
    if not functions:
        raise OSError(f"no source for {obj!r}")
    lines = linecache.getlines(functions[0].__code__.co_filename)
    if not inspect.isclass(obj):
        return textwrap.dedent(inspect.getsource(obj)), "".join(lines)
    pattern = re.compile(rf"\s*class\s+{obj.__name__}\b")
    starts = [i for i, line in enumerate(lines) if pattern.match(line)]
    if not starts:
        raise OSError(f"no source for {obj!r}")
    block = inspect.getblock(lines[starts[-1]:])  # the last definition in the cell
    return textwrap.dedent("".join(block)), "".join(lines)


def _is_worked_solution(cell):
    first_line = cell.lstrip().split("\n", 1)[0].lower()
    return SOLUTION_MARK in cell or first_line.startswith("# solution")


def _block_pattern(name):
    return re.compile(rf"^# >>> {re.escape(name)} .*?^# <<< {re.escape(name)}\n", re.MULTILINE | re.DOTALL)


def keep(obj, chapter, exercise, name=None):
    """Save the learner's ``obj`` (a function or class) into ``mine/chNN.py``.

    Returns the path it was written to, or None when ``obj`` was not kept: a worked solution,
    or code whose source Python cannot find (typed at a bare prompt).
    """
    name = name or obj.__name__
    if getattr(obj, "__name__", "<lambda>") == "<lambda>":
        return None  # a lambda is a line inside other code, not a component to keep
    where = getattr(obj, "__module__", None) or ""
    if where.startswith("nnkit.") and not where.startswith("nnkit.exercises.solutions"):
        return None  # the library's own class (nnkit.Value), handed to a checker
    try:
        source, cell = _source_of(obj)
    except (OSError, TypeError):
        return None
    if _is_worked_solution(cell):
        return None
    root = folder()
    root.mkdir(parents=True, exist_ok=True)
    module = root / f"ch{int(chapter):02d}.py"
    text = module.read_text() if module.exists() else HEADER + "\n" + PRELUDE
    helpers = [textwrap.dedent(inspect.getsource(h)).rstrip() for h in _helpers(obj)]
    source = "\n\n\n".join(helpers + [source.rstrip()])
    imports = [line for line in _imports(obj) if line not in PRELUDE.splitlines()]
    if imports:  # the modules the code uses by the learner's names for them (F, np, math)
        source = "\n".join(imports) + "\n\n\n" + source
    if obj.__name__ != name:  # the learner's my_softmax is the library's softmax
        source = f"{source}\n\n{name} = {obj.__name__}"
    block = (f"# >>> {name} (chapter {int(chapter):02d}, exercise {exercise}), saved "
             f"{datetime.date.today().isoformat()}\n{source.rstrip()}\n# <<< {name}\n")
    pattern = _block_pattern(name)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip("\n") + "\n\n\n" + block
    _write(module, text)
    record = _record(root)
    record[name] = {"chapter": int(chapter), "exercise": exercise, "module": module.name,
                    "owner": "learner"}
    _write(root / RECORD, json.dumps(record, indent=1, sort_keys=True) + "\n")
    _write_init(root, record)
    return module


def _functions(obj):
    if inspect.isclass(obj):
        return [v for v in vars(obj).values() if inspect.isfunction(v)]
    return [obj] if inspect.isfunction(obj) else []


def _names_used(code):
    """Every global name a code object uses, inside its comprehensions and lambdas too."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names_used(const)
    return names


def _imports(obj):
    """``import`` lines for what ``obj`` uses from libraries, under the notebook's names for
    them: modules (``F``, ``np``) and library classes or functions (nnkit's ``Value``)."""
    lines = set()
    for function in _functions(obj) + _helpers(obj):
        for name in _names_used(function.__code__):
            found = function.__globals__.get(name)
            if inspect.ismodule(found):
                full = found.__name__
                lines.add(f"import {full}" if full == name else f"import {full} as {name}")
            elif (inspect.isclass(found) or inspect.isfunction(found)) \
                    and getattr(found, "__module__", "__main__") not in ("__main__", "builtins",
                                                                         function.__module__):
                # a library's class or function (nnkit's Value), imported in the notebook
                alias = "" if found.__name__ == name else f" as {name}"
                lines.add(f"from {found.__module__} import {found.__name__}{alias}")
    return sorted(lines)


def _helpers(obj):
    """Functions of the learner's that ``obj`` calls, defined in the same cell: kept with it.

    A ``fit`` that calls the learner's own ``_mode(model)`` would not run from ``mine/``
    without it. Only plain functions from the same cell (or file) are taken, one level deep.
    """
    functions = _functions(obj)
    if not functions:
        return []
    where, found = functions[0].__code__.co_filename, []
    for function in functions:
        for used in function.__code__.co_names:
            helper = function.__globals__.get(used)
            if inspect.isfunction(helper) and helper is not obj and helper not in found \
                    and helper.__name__ != "<lambda>" \
                    and helper.__code__.co_filename == where:
                found.append(helper)
    return found


def _write(path, text):
    """Write through a temporary file and a rename, so a crash never leaves half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _write_init(root, record):
    """``mine/__init__.py`` imports every component, so ``from mine import Linear`` works."""
    lines = ['"""My own library (written by nnkit.mine from record.json)."""']
    for name, entry in sorted(record.items(), key=lambda item: (item[1]["chapter"], item[0])):
        lines.append(f"from .{Path(entry['module']).stem} import {name}  "
                     f"# chapter {entry['chapter']:02d}, exercise {entry['exercise']}")
    _write(root / "__init__.py", "\n".join(lines) + "\n")


_loaded = {}  # path -> (modification time, namespace): one Module class per file, not per use


def _load(module_path):
    stamp = module_path.stat().st_mtime_ns
    if module_path in _loaded and _loaded[module_path][0] == stamp:
        return _loaded[module_path][1]
    namespace = {"__name__": f"mine.{module_path.stem}", "__file__": str(module_path)}
    # the learner's own file, run as an import would run it
    exec(compile(module_path.read_text(), str(module_path), "exec"), namespace)  # noqa: S102
    _loaded[module_path] = (stamp, namespace)
    return namespace


def use(name, reference, quiet=False):
    """The learner's ``name`` from ``mine/`` if they have passed it, else ``reference``.

    Prints which one it returns (``quiet=True`` does not), so a chapter shows whose code runs.
    """
    root = folder()
    entry = _record(root).get(name)
    if entry is not None:
        path = root / entry["module"]
        try:
            found = _load(path)[name]
        except Exception as error:  # noqa: BLE001  (a learner's file may hold anything)
            print(f"mine: {name} from {path} does not load ({type(error).__name__}: {error}); "
                  f"using the course's {name} instead. Fix the file or pass the exercise again.")
        else:
            if not quiet:
                print(f"mine: {name} is yours (chapter {entry['chapter']:02d}, "
                      f"exercise {entry['exercise']}, in {path})")
            return found
    if not quiet:
        print(f"mine: {name} is the course's (you have not passed its exercise yet)")
    return reference


def library():
    """Every component in ``mine/``: {name: {"chapter", "exercise", "module", "owner"}}."""
    return dict(sorted(_record(folder()).items(), key=lambda item: (item[1]["chapter"], item[0])))


def show():
    """Print the learner's library so far: each component, its chapter and exercise, its file."""
    components = library()
    if not components:
        print(f"Your library ({folder()}) is empty so far: pass a build exercise and its "
              f"checker keeps your code there.")
        return
    print(f"Your library so far, in {folder()}:")
    for name, entry in components.items():
        print(f"  {name:22s} chapter {entry['chapter']:02d}, exercise {entry['exercise']}  "
              f"({entry['module']})")


def race(contenders, repeat=3):
    """Time each of ``{label: run}`` (best of ``repeat`` calls) and print the ratios.

    Each ``run`` is called with no arguments. The fastest is the unit: a learner's stack at
    "12.0x" takes twelve times as long as the fastest contender. Returns {label: seconds}.
    Timings vary from run to run; the ratio is what to read.
    """
    if not contenders:
        raise ValueError("race() needs at least one contender: {label: function}. Received none.")
    seconds = {}
    for label, run in contenders.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        seconds[label] = best
    fastest = min(seconds.values())
    for label, spent in seconds.items():
        print(f"  {label:34s} {spent * 1000:9.1f} ms   {spent / fastest:6.1f}x")
    return seconds
