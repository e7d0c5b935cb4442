"""JupyterHub for a class on one school server: every student gets a JupyterLab of their own
with the convlab course, its classroom settings and its Korean font (docs/teaching.md).

Run it from the course's environment (where ``pip install -e ".[classroom]"`` put JupyterHub and
convlab):  ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py``. Settings come from the
environment, so this file stays as it is:

- ``CONVLAB_HUB_PROFILE``: ``school`` (default) or ``test`` (what tests/test_classroom_hub.py
  runs: any password, every student's server a local process under a temporary folder);
- ``CONVLAB_LANG``: ``ko`` (default) or ``en``, the lessons and JupyterLab's interface;
- ``CONVLAB_COURSE_REPO``: the course's git repository; when set, logging in pulls the course
  (nbgitpuller) into ``~/convlab`` and opens the first lesson;
- ``CONVLAB_HUB_DATA``: where the hub keeps its database, cookie secret and (test) homes.
"""
import os
import shutil
import sys
from pathlib import Path

from convlab.classroom.links import lesson_path, pull_query
from convlab.course.lab import server_options, settings_dir

c = get_config()  # noqa: F821 - JupyterHub provides it

PROFILE = os.environ.get("CONVLAB_HUB_PROFILE", "school")
LANG = os.environ.get("CONVLAB_LANG", "ko")
REPO = os.environ.get("CONVLAB_COURSE_REPO")
DATA = Path(os.environ.get("CONVLAB_HUB_DATA", "/srv/convlab-hub"))
DATA.mkdir(parents=True, exist_ok=True)

# --- Limits per student: measured with `python -m convlab.classroom memory` -------------------
# Peak resident memory of each lesson's kernel, run top to bottom (ko, PyTorch 2.14 CPU), MiB:
#   00: 750  01: 803  02: 658  03: 638  04: 792  05: 766  06: 673  07: 941  08: 670  09: 785
# and 118 MiB for the student's own JupyterLab server. The guarantee holds the heaviest lesson
# (lesson 07, which trains a network: 941 + 118 = 1059 MiB); the limit leaves room for a second
# lesson's kernel left open (1059 + 941 = 2000 MiB). Rerun the command after a lesson changes (it runs every lesson of the
# manifest) and update these numbers and docs/teaching.md together.
MEM_GUARANTEE = "1100M"
MEM_LIMIT = "2G"
CPU_GUARANTEE = 0.1     # students read more than they compute
CPU_LIMIT = 1.0         # one core each: PyTorch starts one thread (OMP_NUM_THREADS below)
IDLE_TIMEOUT = 3600     # seconds without activity before a student's server is stopped

c.Spawner.mem_guarantee = MEM_GUARANTEE
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_guarantee = CPU_GUARANTEE
c.Spawner.cpu_limit = CPU_LIMIT

# --- Every student's server: the course's settings, language and font ------------------------
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = [*server_options(), f"--LabApp.app_settings_dir={settings_dir(LANG)}"]
c.Spawner.environment = {
    "OMP_NUM_THREADS": str(max(1, int(CPU_LIMIT))),   # threads PyTorch starts with
    "CONVLAB_LANG": LANG,
}
c.Spawner.notebook_dir = "~"
if REPO:   # each login pulls the course (never overwriting a student's edits) and opens it
    c.Spawner.default_url = "/git-pull?" + pull_query(REPO, LANG)
else:
    c.Spawner.default_url = f"/lab/tree/{lesson_path(LANG)}"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120

# --- The idle culler: stops servers nobody used for IDLE_TIMEOUT seconds ---------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}",
                "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

# --- The hub's own files and the proxy ---------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{DATA / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(DATA / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(DATA / "jupyterhub-proxy.pid")
# configurable-http-proxy: npm's when installed, else the Python one from the classroom extra
c.ConfigurableHTTPProxy.command = [os.environ.get("CONVLAB_PROXY") or shutil.which(
    "configurable-http-proxy", path=os.pathsep.join(
        [os.environ.get("PATH", ""), os.path.dirname(sys.executable)])) or
    "configurable-http-proxy"]

if PROFILE == "school":
    # Students are listed by the teacher (class list, one name a line) and choose their own
    # password at their first login; the teacher is the admin.
    c.JupyterHub.bind_url = os.environ.get("CONVLAB_HUB_URL", "http://:8000")
    c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
    c.FirstUseAuthenticator.dbm_path = str(DATA / "passwords.dbm")
    c.FirstUseAuthenticator.create_users = False
    c.FirstUseAuthenticator.min_password_length = 8
    roster = DATA / "students.txt"
    if roster.is_file():
        c.Authenticator.allowed_users = {
            line.strip() for line in roster.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}
    c.Authenticator.admin_users = set(os.environ.get("CONVLAB_TEACHERS", "teacher").split(","))
    # One systemd unit per student: the limits above are enforced (cgroups), each student is a
    # separate dynamic user whose home is /var/lib/private/<name>.
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = True
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
    c.SystemdSpawner.unit_extra_properties = {"TasksMax": "256"}
elif PROFILE == "test":
    # A real hub on localhost with temporary homes; the tests log students in and out.
    c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ['CONVLAB_HUB_PORT']}"
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = int(os.environ["CONVLAB_HUB_INTERNAL_PORT"])
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['CONVLAB_PROXY_API_PORT']}"
    c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}   # start both servers at once
    c.JupyterHub.authenticator_class = "dummy"
    c.Authenticator.allow_all = True
    c.JupyterHub.spawner_class = "simple"      # SimpleLocalProcessSpawner: one local process each
    c.SimpleLocalProcessSpawner.home_dir_template = str(DATA / "home" / "{username}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        c.Spawner.args.append("--allow-root")  # CI runs as root
    c.JupyterHub.services.append({"name": "classroom-admin",
                                  "api_token": os.environ["CONVLAB_HUB_ADMIN_TOKEN"]})
    c.JupyterHub.load_roles.append({"name": "classroom-admin",
                                    "scopes": ["admin:users", "admin:servers"],
                                    "services": ["classroom-admin"]})
else:
    raise ValueError(f"CONVLAB_HUB_PROFILE={PROFILE!r}: use 'school' or 'test'")
