"""Drive JupyterLab in headless Chromium: start a server, Run All, check what a learner sees.

The recipe (Chromium flags, a fresh workspace and settings folder, the waits for an idle
kernel and for each cell's prompt) is what proved robust on 2-core CI machines.
Course widgets are found by the CSS classes that ``widgets.base.Widget`` sets:
``nnkit-widget`` (the whole widget), ``nnkit-view`` (its picture, which must
change when a control moves), ``nnkit-error`` (its red error box, which must
stay empty) and ``nnkit-passive`` (a control exempt from the "must change"
rule). ``LivePlot`` boxes carry ``nnkit-live`` and only need a picture.
"""

import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the conftest skips every browser test then
    PlaywrightTimeout = TimeoutError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# JupyterLab user settings: no news toast over the page; every cell kept in the DOM
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
KERNEL_IDLE = r"Python 3 \(ipykernel\) \| Idle"
CONTROLS = "[role=slider], select, button, input[type=checkbox]"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A JupyterLab server on loopback, with fresh settings and workspaces, in its own folder."""

    def __init__(self, root, python=None):
        self.root = pathlib.Path(root)
        self.python = python or os.environ.get("NNKIT_LAB_PYTHON") or sys.executable
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="nnkit-lab-"))
        self.process = None

    def start(self, timeout=90):
        settings = self.home / "settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces")}
        command = [
            self.python, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={settings}",
        ]
        self.log_path = self.home / "server.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up(timeout)
        return self

    def _wait_until_up(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early; log:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s; log in {self.log_path}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def shut_down_kernels(self):
        """End every session and its kernel, so that chapters do not pile up in memory."""
        with urllib.request.urlopen(self.url("api/sessions"), timeout=10) as reply:
            sessions = json.loads(reply.read())
        for session in sessions:
            request = urllib.request.Request(self.url(f"api/sessions/{session['id']}"),
                                             method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.home, ignore_errors=True)


# ---- running a notebook ------------------------------------------------------

# true once every code cell's prompt reads [N]:, or an error stopped Run All
ALL_CELLS_RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  const ran = prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
  const busy = prompts.some(p => p.textContent.includes('*'));
  const failed = [...document.querySelectorAll('.jp-OutputArea-output')]
    .some(o => o.textContent.includes('Traceback (most recent call last)'));
  return prompts.length > 0 && (ran || (failed && !busy));
}"""


def open_notebook(page, server, path, timeout=60):
    """Open a notebook (path relative to the server root) and wait for its kernel to be idle.

    Each notebook gets a workspace of its own: in the shared default workspace
    JupyterLab would restore the tabs of earlier tests, and their widgets
    would be checked again, hidden behind the current notebook.
    """
    workspace = re.sub(r"[^A-Za-z0-9_-]", "-", path)
    page.goto(server.url(f"lab/workspaces/{workspace}/tree/{path}"))
    status = page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(KERNEL_IDLE))
    status.first.wait_for(timeout=timeout * 1000)


def run_all(page, timeout=240):
    """Run All from the menu and wait until every cell has run; returns the seconds taken."""
    start = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_function(ALL_CELLS_RAN, timeout=timeout * 1000, polling=500)
    return time.monotonic() - start


def save(page, path, timeout=30):
    """Save the notebook from the page and return the saved .ipynb as a dict."""
    before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.stat().st_mtime_ns != before:
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:  # caught mid-write: read again
                pass
        time.sleep(0.2)
    raise RuntimeError(f"{path.name} was not saved within {timeout} s")
