"""JupyterHub for a class taking the course on one machine (see docs/teaching.md).

    jupyterhub -f classroom/jupyterhub_config.py      # as root, students are unix users

Each student gets a single-user JupyterLab whose processes use one CPU's worth of
threads (Numba, OpenMP, OpenBLAS, MKL, nnkit), a private Numba compile cache and a
private `mine/` folder (NNKIT_MINE) in their home, and a copy of the chapters on first
start. The data sets ship inside the installed nnkit package: one copy in the hub's
environment, readable by every student and writable by none when root installed it.

Memory: `mem_limit` is only advisory for local spawners (JupyterHub passes it on as
MEM_LIMIT); what this file really enforces is `prlimit --data`, a per-process cap on
private memory (heap and anonymous mappings) for the server and each kernel. A student
with two kernels may use twice the cap. Containers (DockerSpawner, Kubernetes) enforce
a true per-user total; see classroom/z2jh-values.yaml.

Settings a teacher may change come from the environment:
NNKIT_HUB_MEM_LIMIT (default 2G), NNKIT_HUB_COURSE (the course folder whose
chapters/ are copied, default this repository).
"""
import os
import pathlib
import pwd
import shutil

from jupyterhub.spawner import SimpleLocalProcessSpawner

c = get_config()  # noqa: F821  (JupyterHub provides get_config when it loads this file)

COURSE = pathlib.Path(os.environ.get("NNKIT_HUB_COURSE",
                                     pathlib.Path(__file__).resolve().parent.parent))
MEM_LIMIT = os.environ.get("NNKIT_HUB_MEM_LIMIT", "2G")
UNITS = {"K": 2**10, "M": 2**20, "G": 2**30}


def memory_bytes(text):
    """'2G' -> 2147483648; the format of JupyterHub's mem_limit."""
    number, unit = text[:-1], text[-1:].upper()
    if unit not in UNITS or not number.isdigit():
        raise ValueError(f"NNKIT_HUB_MEM_LIMIT: Expected a whole number with K, M or G "
                         f"(like 2G). Received: {text!r}")
    return int(number) * UNITS[unit]


def home(spawner):
    """The student's home: the spawner's own (SimpleLocalProcessSpawner), else the unix one."""
    return getattr(spawner, "home_dir", None) or pwd.getpwnam(spawner.user.name).pw_dir


def prepare_home(spawner):
    """Make the private folders and copy the chapters once (a student's edits stay)."""
    root = pathlib.Path(home(spawner))
    made = [root / "mine", root / ".cache" / "numba"]
    for folder in made:
        folder.mkdir(parents=True, exist_ok=True)
    chapters = root / "chapters"
    if not chapters.exists() and (COURSE / "chapters").is_dir():
        shutil.copytree(COURSE / "chapters", chapters)
        made.append(chapters)
    # a root hub made these for a unix user; the simple spawner runs all as the hub's user
    if os.geteuid() == 0 and not isinstance(spawner, SimpleLocalProcessSpawner):
        user = pwd.getpwnam(spawner.user.name)
        for top in made:
            for path in [top, *top.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)


ONE_CORE = {name: "1" for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                                   "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                   "NNKIT_NUM_THREADS")}
c.Spawner.environment = {
    **ONE_CORE,
    # callables get the spawner: each student's own cache and library folder
    "NUMBA_CACHE_DIR": lambda spawner: os.path.join(home(spawner), ".cache", "numba"),
    "NNKIT_MINE": lambda spawner: os.path.join(home(spawner), "mine"),
}
c.Spawner.pre_spawn_hook = prepare_home
c.Spawner.mem_limit = MEM_LIMIT
# "--": the server's own options must not be read as prlimit's
c.Spawner.cmd = ["prlimit", f"--data={memory_bytes(MEM_LIMIT)}", "--", "jupyterhub-singleuser"]
c.Spawner.default_url = "/lab/tree/chapters/00_welcome.ipynb"
# first start imports numba and builds the kernel spec: slow on a busy machine
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.Authenticator.allow_all = False  # list the class in Authenticator.allowed_users
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the students' servers
# the proxy from npm: `npm install` in classroom/proxy puts it here
proxy = pathlib.Path(__file__).resolve().parent / "proxy/node_modules/.bin/configurable-http-proxy"
if proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(proxy)]
