"""A real JupyterHub on localhost with the course's config: several students at once.

classroom/jupyterhub_config.py with the test spawner and authenticator swapped in
(SimpleLocalProcessSpawner: every student runs as this unix user, homes under a
temporary folder; DummyAuthenticator: any name, one shared password). Nine students log
in at once through the login form, one runs chapter 05 alone, then the other eight run it together,
each in a kernel reached through the hub's proxy (REST + kernel websocket). Prints each
run's time and the kernel's peak memory (run pytest with -s to see them). About a minute.
"""
import asyncio
import json
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("jupyterhub", reason="JupyterHub is in the classroom extra")
psutil = pytest.importorskip("psutil")
requests = pytest.importorskip("requests")
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

pytestmark = pytest.mark.classroom

REPO = pathlib.Path(__file__).resolve().parents[2]
PROXY = REPO / "classroom" / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
CHAPTER = "05_backpropagation"
SOLO, CLASS = "solo", ["ada", "alan", "grace", "edsger", "barbara", "donald", "frances", "john"]
PASSWORD = secrets.token_hex(8)
PROBE = """import json, os, resource, psutil, nnkit.datasets
print(json.dumps({"env": {k: os.environ.get(k) for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS", "NNKIT_NUM_THREADS", "NUMBA_CACHE_DIR", "NNKIT_MINE", "HOME")},
    "rlimit_data": resource.getrlimit(resource.RLIMIT_DATA)[0], "cwd": os.getcwd(),
    "data": os.path.dirname(nnkit.datasets.__file__),
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "server_rss": psutil.Process().parent().memory_info().rss}))"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """The hub process, its address and an admin token (a service's)."""

    def __init__(self, folder):
        self.folder, self.homes = folder, folder / "homes"
        self.url, self.token = f"http://127.0.0.1:{_free_port()}", secrets.token_hex(16)
        self.user_tokens, self.process, self.children = {}, None, []

    def config(self):
        lines = [
            f"load_subconfig({str(REPO / 'classroom' / 'jupyterhub_config.py')!r})",
            "c.JupyterHub.spawner_class = 'simple'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(self.homes)!r} + '/{{username}}'",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.DummyAuthenticator.password = {PASSWORD!r}",
            "c.Authenticator.allow_all = True",
            f"c.JupyterHub.bind_url = {self.url!r}",
            f"c.JupyterHub.hub_port = {_free_port()}",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{_free_port()}'",
            f"c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]",
            f"c.ConfigurableHTTPProxy.pid_file = {str(self.folder / 'proxy.pid')!r}",
            f"c.JupyterHub.db_url = 'sqlite:///{self.folder / 'hub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(self.folder / 'cookie_secret')!r}",
            f"c.JupyterHub.services = [{{'name': 'classroom-test', 'api_token': {self.token!r}}}]",
            ("c.JupyterHub.load_roles = [{'name': 'classroom-test', 'services': ['classroom-test'],"
             " 'scopes': ['admin:users', 'admin:servers', 'tokens', 'access:servers']}]"),
            # the test machine may run as root; jupyter_server refuses root without this
            "c.Spawner.args = ['--ServerApp.allow_root=True']",
        ]
        path = self.folder / "jupyterhub_test_config.py"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self):
        bin_dir = str(pathlib.Path(sys.executable).parent)
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
        self.log = open(self.folder / "hub.log", "w")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.config())], cwd=self.folder,
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait(lambda: requests.get(f"{self.url}/hub/api/", timeout=5).ok, "the hub")

    def wait(self, ready, what, timeout=180):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.process.poll() is None, f"the hub exited: {self.read_log()}"
            try:
                if ready():
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{what} not ready after {timeout} s: {self.read_log()}")

    def api(self, method, path, **kwargs):
        reply = requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                                 headers={"Authorization": f"token {self.token}"}, **kwargs)
        assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.text else None

    def read_log(self):
        return (self.folder / "hub.log").read_text()[-3000:]

    def stop(self):
        """Stop the hub (it stops the servers and the proxy); return what outlived it."""
        if self.process is None or self.process.poll() is not None:
            return []
        self.children = psutil.Process(self.process.pid).children(recursive=True)
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()
        _, alive = psutil.wait_procs(self.children, timeout=30)
        for process in alive:  # leave nothing behind even when the test fails
            process.kill()
        return alive


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not PROXY.exists():
        message = (f"configurable-http-proxy not installed: `python3 run.py setup` installs it "
                   f"into {PROXY.parents[2]} when npm is on the PATH")
        if os.environ.get("CI"):  # CI runs the hub test: a missing proxy is a failure there
            pytest.fail(message)
        pytest.skip(message)
    hub = Hub(tmp_path_factory.mktemp("hub"))
    hub.start()
    yield hub
    hub.stop()


def _log_in(hub, name):
    """Log in through the form as a browser does; the hub then starts the server."""
    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=30)
    session.post(f"{hub.url}/hub/login", timeout=180,
                 data={"username": name, "password": PASSWORD, "_xsrf": session.cookies["_xsrf"]})
    hub.wait(lambda: hub.api("GET", f"/users/{name}")["servers"].get("", {}).get("ready"),
             f"{name}'s server")
    token = hub.api("POST", f"/users/{name}/tokens",
                    json={"scopes": [f"access:servers!user={name}"], "expires_in": 3600})
    hub.user_tokens[name] = token["token"]


def _user_api(hub, name, method, path, as_user=None, **kwargs):
    token = hub.user_tokens[as_user or name]
    return requests.request(method, f"{hub.url}/user/{name}/api{path}", timeout=60,
                            headers={"Authorization": f"token {token}"}, **kwargs)


async def _run_cells(hub, name, sources):
    """Run each source in a new kernel of `name`'s server; return (seconds, last output)."""
    session = _user_api(hub, name, "POST", "/sessions", json={
        "path": f"chapters/{CHAPTER}.ipynb", "type": "notebook", "kernel": {"name": "python3"}})
    assert session.ok, session.text
    kernel = session.json()["kernel"]["id"]
    url = f"{hub.url.replace('http', 'ws')}/user/{name}/api/kernels/{kernel}/channels"
    socket_ = await websocket_connect(HTTPRequest(
        url, headers={"Authorization": f"token {hub.user_tokens[name]}"}, request_timeout=60))
    start, output = time.perf_counter(), ""
    try:
        for source in sources:
            output = await _execute(socket_, source)
    finally:
        socket_.close()
        _user_api(hub, name, "DELETE", f"/kernels/{kernel}")
    return time.perf_counter() - start, output


async def _execute(socket_, code):
    msg_id = uuid.uuid4().hex
    await socket_.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    stdout, reply, idle = "", None, False
    # the reply (shell) may come before the output (iopub); idle comes after all output
    while reply is None or not idle:
        raw = await asyncio.wait_for(socket_.read_message(), 300)
        assert raw is not None, "the kernel's websocket closed"
        if isinstance(raw, bytes):  # a message with binary buffers: widget data, not ours
            continue
        message = json.loads(raw)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream" and content["name"] == "stdout":
            stdout += content["text"]
        if kind == "execute_reply":
            reply = content
            assert reply["status"] == "ok", f"{reply.get('ename')}: {reply.get('evalue')}"
        idle = idle or (kind == "status" and content["execution_state"] == "idle")
    return stdout


def _chapter_cells():
    notebook = json.loads((REPO / "chapters" / f"{CHAPTER}.ipynb").read_text())
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def _run_chapter(hub, names):
    """Every user in `names` runs the chapter, all at once; {name: (seconds, probe)}."""
    cells = [*_chapter_cells(), PROBE]

    async def together():
        return await asyncio.gather(*(_run_cells(hub, name, cells) for name in names))

    # a thread of its own: the browser tests earlier in the session leave an event loop
    # running in this one, where asyncio.run refuses to start
    with ThreadPoolExecutor(1) as pool:
        results = pool.submit(asyncio.run, together()).result()
    return {name: (seconds, json.loads(out)) for name, (seconds, out) in zip(names, results)}


def test_a_class_logs_in_at_once_and_runs_a_chapter_through_the_hub(hub):
    with ThreadPoolExecutor(len(CLASS) + 1) as pool:
        list(pool.map(lambda name: _log_in(hub, name), [SOLO, *CLASS]))
    alone = _run_chapter(hub, [SOLO])
    together = _run_chapter(hub, CLASS)
    solo_time = alone[SOLO][0]
    print(f"\nchapter {CHAPTER} through the hub on {os.cpu_count()} cores:")
    for name, (seconds, probe) in {**alone, **together}.items():
        print(f"  {name:7s} {seconds:6.1f} s ({seconds / solo_time:.1f}x alone), kernel peak "
              f"{probe['peak_kb'] / 1024:.0f} MiB, server {probe['server_rss'] / 2**20:.0f} MiB")
    for name, (_, probe) in {**alone, **together}.items():
        own = str(hub.homes / name)
        assert probe["env"]["HOME"] == own and probe["cwd"] == f"{own}/chapters"
        assert probe["env"]["NUMBA_CACHE_DIR"] == f"{own}/.cache/numba"
        assert probe["env"]["NNKIT_MINE"] == f"{own}/mine"
        assert all(probe["env"][key] == "1" for key in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                                                        "OPENBLAS_NUM_THREADS",
                                                        "NNKIT_NUM_THREADS"))
        assert probe["rlimit_data"] == 2 * 2**30  # prlimit --data from the 2G mem_limit
    assert len({probe["data"] for _, probe in together.values()}) == 1  # one shared copy


def test_each_students_files_stay_their_own(hub):
    owner, other = CLASS[0], CLASS[1]
    put = _user_api(hub, owner, "PUT", "/contents/mine/notes.py",
                    json={"type": "file", "format": "text", "content": "secret = 42\n"})
    assert put.status_code == 201, put.text
    assert (hub.homes / owner / "mine" / "notes.py").read_text() == "secret = 42\n"
    assert _user_api(hub, owner, "GET", "/contents/mine/notes.py").ok
    # another student's token opens neither the owner's server nor the file in their own
    assert _user_api(hub, owner, "GET", "/contents/mine/notes.py", as_user=other).status_code == 403
    assert _user_api(hub, owner, "PUT", "/contents/mine/notes.py", as_user=other,
                     json={"type": "file", "format": "text", "content": "x"}).status_code == 403
    assert _user_api(hub, other, "GET", "/contents/mine/notes.py").status_code == 404
    escape = _user_api(hub, other, "GET", f"/contents/..%2F{owner}%2Fmine%2Fnotes.py")
    assert escape.status_code in (400, 403, 404), escape.status_code
    assert (hub.homes / owner / "mine" / "notes.py").read_text() == "secret = 42\n"


def test_stopping_the_hub_leaves_no_process_behind(hub):
    servers = [n for n in [SOLO, *CLASS] if hub.api("GET", f"/users/{n}")["servers"]]
    assert len(servers) == len(CLASS) + 1
    alive = hub.stop()
    assert len(hub.children) >= len(servers) + 1  # the proxy and each student's server
    assert not alive, f"still running after the hub stopped: {alive}"
