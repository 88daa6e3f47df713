#!/usr/bin/env python3
"""Set up and open the nnkit course, or run its tests. Needs only python3.

    python3 run.py lab     create .venv if needed, install the course, open JupyterLab
    python3 run.py test    create .venv if needed, install the dev tools, run every test
    python3 run.py site    build the course website (every chapter with its outputs) into
                           docs/_build/html; chapters are executed once, then cached
    python3 run.py pin     rewrite constraints.txt (the tested versions) from .venv

Both are safe to repeat: an install is skipped while pyproject.toml (and the
options) are unchanged since the last successful one. Extra arguments go to
JupyterLab or pytest, for example ``python3 run.py test -k mnist`` or
``python3 run.py test tests/test_datasets.py`` (naming a path replaces the
default runs: ``pytest tests``, then ``pytest chapters --nbval-lax``).

Options of ``test``:
    --with-torch     also install PyTorch (torch==2.13.0, a large download),
                     which the oracle tests compare nnkit with; they skip without it
    --binder-check   build a second venv (.venv-binder) the way Binder does
                     (JupyterLab, then only binder/requirements.txt) and let the
                     browser tests run the chapters in it (NNKIT_LAB_PYTHON)
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BINDER_VENV = ROOT / ".venv-binder"
TORCH = "torch==2.13.0"  # the version the oracle tests were written against; = the torch extra
STAMP = "nnkit-setup.json"  # inside a venv: what was installed, from which files
CONSTRAINTS = "constraints.txt"  # the tested versions, for local installs and Binder


def say(message):
    print(f"[run.py] {message}", flush=True)


def fail(message):
    print(f"[run.py] error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def check_python():
    if not ((3, 10) <= sys.version_info[:2] < (3, 14)):
        version = ".".join(map(str, sys.version_info[:3]))
        fail(f"the course needs Python 3.10 to 3.13. Received: Python {version} "
             f"({sys.executable}). Run this script with a supported python3.")


def run(command, step, hint="", **kwargs):
    """Run a command, print how long it took; stop with a message on failure."""
    say(f"{step}: {' '.join(str(part) for part in command)}")
    start = time.perf_counter()
    status = subprocess.call([str(part) for part in command], cwd=ROOT, **kwargs)
    say(f"{step}: done in {time.perf_counter() - start:.1f} s (exit status {status})")
    if status != 0:
        fail(f"{step} failed with exit status {status}. {hint}".strip())


def venv_python(venv):
    windows = venv / "Scripts" / "python.exe"
    return windows if windows.exists() else venv / "bin" / "python"


def make_venv(venv):
    """Create ``venv`` unless it already holds a working Python."""
    python = venv_python(venv)
    if python.exists() and subprocess.call([str(python), "-c", "pass"]) == 0:
        return python
    say(f"creating the virtual environment {venv.name}")
    status = subprocess.call([sys.executable, "-m", "venv", "--clear", str(venv)])
    if status != 0:
        fail(f"could not create {venv}. On Debian or Ubuntu install the venv module "
             "first (`sudo apt install python3-venv`), then run this again.")
    return venv_python(venv)


def fingerprint(files, options):
    digest = hashlib.sha256(json.dumps(sorted(options)).encode())
    for name in files:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def installed(venv, key):
    try:
        return key in json.loads((venv / STAMP).read_text())
    except (OSError, ValueError):
        return False


def remember(venv, key):
    try:
        keys = json.loads((venv / STAMP).read_text())
    except (OSError, ValueError):
        keys = []
    (venv / STAMP).write_text(json.dumps(sorted(set(keys) | {key}), indent=1))


def setup_course(extra, with_torch=False, force=False):
    """Make .venv and install the course with the ``extra`` (course or dev)."""
    python = make_venv(VENV)
    files = ["pyproject.toml", CONSTRAINTS]
    key = fingerprint(files, [extra])
    # the dev extra includes everything the course extra installs
    done = installed(VENV, key) or installed(VENV, fingerprint(files, ["dev"]))
    if force or not done:
        # -c: the versions the course was tested with (python3 run.py pin writes them)
        run([python, "-m", "pip", "install", "-c", CONSTRAINTS, "-e", f".[{extra}]"],
            f"install .[{extra}]")
        remember(VENV, key)
    else:
        say(f"install .[{extra}]: already done for this pyproject.toml, skipped")
    torch_key = fingerprint([], [TORCH])
    if with_torch and (force or not installed(VENV, torch_key)):
        run([python, "-m", "pip", "install", TORCH], "install PyTorch")
        remember(VENV, torch_key)
    elif with_torch:
        say(f"install {TORCH}: already done, skipped")
    return python


def setup_binder(force=False):
    """Make .venv-binder as Binder would: JupyterLab, then binder/requirements.txt only."""
    python = make_venv(BINDER_VENV)
    key = fingerprint(["binder/requirements.txt", "pyproject.toml"], ["binder"])
    if force or not installed(BINDER_VENV, key):
        run([python, "-m", "pip", "install", "jupyterlab"], "binder venv: install JupyterLab")
        run([python, "-m", "pip", "install", "-r", "binder/requirements.txt"],
            "binder venv: install binder/requirements.txt")
        remember(BINDER_VENV, key)
    else:
        say("binder venv: already set up for this binder/requirements.txt, skipped")
    return python


def setup_proxy(force=False):
    """npm install configurable-http-proxy (JupyterHub's proxy) into classroom/proxy.

    Only the JupyterHub test needs it (it skips without it, and fails under CI); a learner
    without Node.js loses nothing else.
    """
    folder = ROOT / "classroom" / "proxy"
    npm = shutil.which("npm")
    if npm is None:
        say("npm not found: JupyterHub's proxy is not installed, so the hub test will skip "
            "(install Node.js with npm to run it)")
        return
    key = fingerprint(["classroom/proxy/package-lock.json"], ["proxy"])
    if force or not installed(VENV, key) or not (folder / "node_modules").is_dir():
        # ci: exactly the versions in package-lock.json
        run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(folder)],
            "npm ci (JupyterHub's proxy, into classroom/proxy)")
        remember(VENV, key)
    else:
        say("npm ci (JupyterHub's proxy): already done, skipped")


def command_lab(args, extra_args):
    python = setup_course("course", force=args.reinstall)
    target = "chapters/00_welcome.ipynb"
    if not (ROOT / target).exists():
        target = "chapters"
    if getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra_args:
        # containers and cloud VMs often log in as root, and Jupyter refuses to start then
        say("running as root: passing --allow-root to JupyterLab")
        extra_args = [*extra_args, "--allow-root"]
    say("opening JupyterLab; stop it with Ctrl+C")
    try:
        # one learner on this machine: keep freed memory between training steps (3-5x faster
        # convolution steps); nnkit leaves malloc alone unless asked (see nnkit/memory.py)
        env = {"NNKIT_KEEP_FREED_MEMORY": "1", **os.environ}
        return subprocess.call([str(python), "-m", "jupyterlab", target, *extra_args], cwd=ROOT,
                               env=env)
    except KeyboardInterrupt:
        return 0


def command_setup(args):
    """Install the dev tools (and the options' extras); return (python, env)."""
    python = setup_course("dev", with_torch=args.with_torch, force=args.reinstall)
    setup_proxy(force=args.reinstall)  # for the JupyterHub test (tests/classroom/test_hub.py)
    env = dict(os.environ)
    if args.binder_check:
        env["NNKIT_LAB_PYTHON"] = str(setup_binder(force=args.reinstall))
    return python, env


def command_pin(args, extra_args):
    """Write constraints.txt from what .venv holds now (after a passing `run.py test`)."""
    python = venv_python(VENV)
    if not python.exists():
        fail("no .venv yet: run `python3 run.py test` first, then pin what it tested")
    listed = [str(python), "-m", "pip", "list", "--format=freeze", "--exclude-editable"]
    frozen = subprocess.run(listed, capture_output=True, text=True, check=True).stdout.split()
    # torch is installed by its own exact command (TORCH), never through the constraints;
    # the packaging tools are the venv's own
    skip = ("torch", "pip", "setuptools", "wheel")
    pins = sorted((line for line in frozen if "==" in line and line.split("==")[0] not in skip),
                  key=str.lower)
    header = ["# The versions `python3 run.py test` passed with; run.py installs with",
              "# `pip install -c constraints.txt`, and binder/requirements.txt pins the same.",
              "# Regenerate after a passing test run: python3 run.py pin"]
    (ROOT / CONSTRAINTS).write_text("\n".join(header + pins) + "\n")
    say(f"wrote {CONSTRAINTS}: {len(pins)} pinned packages")
    return 0


def command_site(args, extra_args):
    """Build the course website (chapters executed once, then cached) into docs/_build/html."""
    python = setup_course("dev", force=args.reinstall)  # dev includes the site extra
    out = Path(args.out).resolve() if args.out else ROOT / "docs" / "_build" / "html"
    run([python, "-m", "sphinx", "-b", "html", "-c", "docs", "-q", ".", out, *extra_args],
        "build the website", hint="See the Sphinx messages above.")
    say(f"website: {out / 'index.html'} (serve it with `{python} -m http.server -d {out}`)")
    return 0


def command_test(args, extra_args):
    python, env = command_setup(args)
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "chapters").glob("*.ipynb"))
    if notebooks:
        run([python, "-m", "nbstripout", "--keep-count", "--verify", *notebooks],
            "check that the notebooks are committed without outputs",
            hint="Strip them with `.venv/bin/nbstripout --keep-count chapters/*.ipynb`.")
    # naming a path replaces the default runs; options are passed through
    if any((ROOT / arg).exists() for arg in extra_args if not arg.startswith("-")):
        runs = [["--nbval-lax", "--nbval-current-env", *extra_args]]
    else:
        # two runs: nbval must not collect the notebooks under tests/ (fixtures
        # of the browser tests, some broken on purpose)
        runs = [["tests", *extra_args],
                ["chapters", "--nbval-lax", "--nbval-current-env", *extra_args]]
    # each run gets an empty library of its own: the chapters run as a fresh learner's would,
    # not with the mine/ of whoever runs them, nor with what the tests' checkers kept
    statuses = [pytest(python, arguments,
                       {**(env or os.environ), "NNKIT_MINE": tempfile.mkdtemp(prefix="nnkit-mine-")})
                for arguments in runs]
    if all(status == 5 for status in statuses):  # "no tests were collected"
        fail("pytest collected no tests")
    failed = [status for status in statuses if status not in (0, 5)]
    return failed[0] if failed else 0


def pytest(python, arguments, env):
    command = [str(python), "-m", "pytest", *arguments]
    say(f"pytest: {' '.join(command)}")
    start = time.perf_counter()
    status = subprocess.call(command, cwd=ROOT, env=env)
    say(f"pytest: done in {time.perf_counter() - start:.1f} s (exit status {status})")
    return status


def main(argv=None):
    check_python()
    parser = argparse.ArgumentParser(
        prog="python3 run.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{lab,test,setup,site,pin}")
    lab = commands.add_parser("lab", help="set up and open the course in JupyterLab")
    test = commands.add_parser("test", help="set up and run the whole test suite")
    setup = commands.add_parser("setup", help="only set up what `test` needs (used by .ci/run)")
    site = commands.add_parser("site", help="build the course website into docs/_build/html")
    site.add_argument("--out", help="the output folder (default docs/_build/html)")
    commands.add_parser("pin", help="write constraints.txt: the versions in .venv (after tests)")
    for sub in (test, setup):
        sub.add_argument("--with-torch", action="store_true", help=f"also install {TORCH}")
        sub.add_argument("--binder-check", action="store_true",
                         help="run the browser tests in a Binder-like venv (.venv-binder)")
    for sub in (lab, test, setup, site):
        sub.add_argument("--reinstall", action="store_true",
                         help="install again even when nothing changed")
    args, extra_args = parser.parse_known_args(argv)
    if extra_args[:1] == ["--"]:
        extra_args = extra_args[1:]
    if args.command == "setup":
        if extra_args:
            parser.error(f"unrecognized arguments: {' '.join(extra_args)}")
        command_setup(args)
        return 0
    if args.command == "pin":
        return command_pin(args, extra_args)
    if args.command == "site":
        return command_site(args, extra_args)
    handler = command_lab if args.command == "lab" else command_test
    return handler(args, extra_args)


if __name__ == "__main__":
    sys.exit(main())
