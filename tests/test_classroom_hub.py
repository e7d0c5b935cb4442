"""A real JupyterHub with the project's config (deploy/jupyterhub/jupyterhub_config.py, its test
profile): two students log in through the REST API, the nbgitpuller link pulls the course into
each home, lesson 00 runs in one student's server through the kernel API, and neither student can
reach the other's server or files. Everything is shut down afterwards.
"""
from __future__ import annotations

import inspect
import json
import os
import secrets
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from classroom_harness import ROOT, course_clone, free_port, need, running, wait_for
from convlab.classroom import pull_link

pytestmark = pytest.mark.classroom

CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
STUDENTS = ("alice", "bob")
LESSON = "convlab/notebooks/ko/00_start_here.ipynb"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    need("configurable-http-proxy", "the hub's proxy (pip install -e '.[classroom]')")
    data = tmp_path_factory.mktemp("hub")
    port, admin = free_port(), secrets.token_hex(16)
    env = dict(os.environ, CONVLAB_HUB_PROFILE="test", CONVLAB_HUB_DATA=str(data),
               CONVLAB_LANG="ko", CONVLAB_HUB_PORT=str(port),
               CONVLAB_HUB_INTERNAL_PORT=str(free_port()),
               CONVLAB_PROXY_API_PORT=str(free_port()), CONVLAB_HUB_ADMIN_TOKEN=admin,
               CONVLAB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    log = data / "hub.log"
    with running([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], log, cwd=data,
                 env=env):
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: requests.get(f"{url}/hub/api/", timeout=2).ok, 60, "the hub starting",
                 log)
        yield {"url": url, "admin": admin, "data": data, "log": log,
               "origin": course_clone(data)}


def api(hub, method: str, path: str, token: str, **kwargs) -> requests.Response:
    return requests.request(method, hub["url"] + path, timeout=30,
                            headers={"Authorization": f"token {token}"}, **kwargs)


@pytest.fixture(scope="module")
def students(hub):
    """The teacher adds the class; each student logs in (REST API) and starts a server."""
    made = api(hub, "POST", "/hub/api/users", hub["admin"], json={"usernames": list(STUDENTS)})
    assert made.status_code == 201, made.text
    tokens = {}
    for name in STUDENTS:
        login = requests.post(f"{hub['url']}/hub/api/users/{name}/tokens", timeout=30,
                              json={"auth": {"username": name, "password": "first-day"}})
        assert login.status_code == 201, login.text
        tokens[name] = login.json()["token"]
        started = api(hub, "POST", f"/hub/api/users/{name}/server", tokens[name])
        assert started.status_code in (201, 202), started.text
    for name in STUDENTS:
        wait_for(lambda: api(hub, "GET", f"/hub/api/users/{name}", tokens[name]).json()
                 ["servers"].get("", {}).get("ready"), 60, f"{name}'s server", hub["log"])
    return tokens


def pull(hub, name: str, token: str) -> list[dict]:
    """Follow the teacher's link as the student's browser would (the login page, then the
    student's own server), then run the pull that page starts (nbgitpuller's page streams the
    same events from ``/git-pull/api``)."""
    origin, branch = hub["origin"]
    link = pull_link(hub["url"], f"file://{origin}", "ko", branch)
    browser = requests.Session()
    login = browser.get(link, timeout=30)
    assert urlsplit(login.url).path == "/hub/login", login.url
    page = browser.post(login.url, timeout=60, data={
        "username": name, "password": "first-day", "_xsrf": browser.cookies.get("_xsrf")})
    target = urlsplit(page.url)
    assert page.ok and target.path == f"/user/{name}/git-pull", (page.status_code, page.url)
    events = []
    with api(hub, "GET", f"{target.path}/api?{target.query}", token, stream=True) as stream:
        for line in stream.iter_lines(decode_unicode=True):
            if line and line.startswith("data: "):
                events.append(json.loads(line[len("data: "):]))
                if events[-1].get("phase") in ("finished", "error"):
                    break
    return events


def test_the_link_pulls_the_course_into_each_students_home(hub, students):
    for name, token in students.items():
        events = pull(hub, name, token)
        assert events and events[-1]["phase"] == "finished", events[-3:]
        assert (hub["data"] / "home" / name / LESSON).is_file()


def run_cells(hub, name: str, token: str, cells: list[str]) -> list[dict]:
    """Run code cells in a new kernel of the student's server (Jupyter's kernel API over its
    websocket); return per cell its stdout and any error."""
    import websocket

    kernel = api(hub, "POST", f"/user/{name}/api/kernels", token,
                 json={"name": "python3", "path": LESSON})
    assert kernel.status_code == 201, kernel.text
    kernel_id = kernel.json()["id"]
    ws = websocket.create_connection(
        f"ws://{hub['url'][len('http://'):]}/user/{name}/api/kernels/{kernel_id}/channels",
        header=[f"Authorization: token {token}"], timeout=120)
    session, results = uuid.uuid4().hex, []
    try:
        for source in cells:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session,
                           "username": name, "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": source, "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False,
                            "stop_on_error": True}}))
            result = {"stdout": "", "error": None}
            while True:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream" and msg["content"]["name"] == "stdout":
                    result["stdout"] += msg["content"]["text"]
                elif kind == "error":
                    result["error"] = f"{msg['content']['ename']}: {msg['content']['evalue']}"
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    break
            results.append(result)
    finally:
        ws.close()
        api(hub, "DELETE", f"/user/{name}/api/kernels/{kernel_id}", token)
    return results


def test_lesson_00_runs_in_a_students_server(hub, students):
    import torch.nn as nn

    home = hub["data"] / "home" / "alice"
    if not (home / LESSON).is_file():
        pull(hub, "alice", students["alice"])
    notebook = json.loads((home / LESSON).read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    cells.append("import os, torch\nprint(os.environ['OMP_NUM_THREADS'], torch.get_num_threads())")
    start = time.perf_counter()
    results = run_cells(hub, "alice", students["alice"], cells)
    print(f"lesson 00 in alice's server: {time.perf_counter() - start:.1f} s")
    errors = [(cells[i][:60], r["error"]) for i, r in enumerate(results) if r["error"]]
    assert not errors, errors
    stdout = "".join(r["stdout"] for r in results)
    parameters = inspect.signature(nn.Conv2d).parameters   # PyTorch itself says how many
    defaults = [p for p in parameters.values() if p.default is not p.empty]
    assert f"nn.Conv2d의 인자는 {len(parameters)}개이고, 그중 {len(defaults)}개에" in stdout
    assert "convlab의 결과가 F.conv2d와 같습니다" in stdout
    # the config's CPU limit reaches PyTorch: one thread per student
    assert results[-1]["stdout"].split() == ["1", "1"]


@pytest.mark.parametrize("path", ["/user/{other}/api/contents/convlab",
                                  "/user/{other}/api/kernels",
                                  "/user/{other}/files/" + LESSON,
                                  "/hub/api/users/{other}"])
def test_a_student_cannot_reach_the_others_server_or_files(hub, students, path):
    for name, other in (("alice", "bob"), ("bob", "alice")):
        reply = api(hub, "GET", path.format(other=other), students[name], allow_redirects=False)
        assert reply.status_code in (403, 404), (name, path, reply.status_code)
        own = api(hub, "GET", path.format(other=name), students[name], allow_redirects=False)
        if "/files/" not in path:
            assert own.status_code == 200, (name, path, own.status_code)


def test_every_students_server_has_the_course_settings_and_korean_font(hub, students):
    for name, token in students.items():
        css = api(hub, "GET", f"/user/{name}/custom/convlab-korean.css", token)
        assert css.status_code == 200 and "ConvlabKorean" in css.text, (name, css.status_code)
        font = api(hub, "GET", f"/user/{name}/custom/ConvlabKorean.woff", token)
        assert font.status_code == 200 and font.content[:4] == b"wOFF"
        settings = api(hub, "GET", f"/user/{name}/lab/api/settings/"
                       "@jupyterlab/translation-extension:plugin", token)
        assert settings.status_code == 200, settings.text
        # CONVLAB_LANG=ko: the course's overrides make Korean the interface's default
        plugin = settings.json()
        locale = plugin["settings"].get("locale", plugin["schema"]["properties"]["locale"]
                                        ["default"])
        assert locale == "ko_KR", (name, locale)
