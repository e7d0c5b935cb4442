"""``make lab`` and a plain ``jupyter lab`` get the same classroom settings, in either language.

Cheap checks (no server, no browser): the browser suite starts real servers with
:func:`convlab.course.lab.lab_command` and looks at the result.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from convlab.course import lab


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_korean_settings_are_the_classroom_settings_plus_the_korean_interface():
    base = _read(lab.settings_dir("en") / "overrides.d" / "convlab.json")
    korean = _read(lab.settings_dir("ko") / "overrides.json")
    locale = korean.pop("@jupyterlab/translation-extension:plugin")
    assert korean == base and locale == {"locale": "ko_KR"}


def test_the_korean_language_pack_is_installed_where_jupyterlab_looks():
    from jupyterlab_server.translation_utils import get_language_packs

    packs, message = get_language_packs()
    assert "ko_KR" in packs, message


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_lab_command_opens_the_first_lesson_of_its_language(tmp_path, lang):
    (tmp_path / lang).mkdir()
    (tmp_path / lang / "00_start_here.ipynb").write_text("{}")
    command = lab.lab_command(tmp_path, "--no-browser", lang=lang)
    assert f"--LabApp.default_url=/lab/tree/{lang}/00_start_here.ipynb" in command
    assert f"--LabApp.app_settings_dir={lab.settings_dir(lang)}" in command
    assert command[-1] == "--no-browser"
    with pytest.raises(ValueError, match="lang must be"):
        lab.lab_command(tmp_path, lang="fr")


def test_installed_settings_are_read_by_jupyter_server_itself(tmp_path):
    from jupyter_server.config_manager import BaseJSONConfigManager

    written = lab.install_settings(tmp_path)
    assert all(path.is_file() for path in written)
    config = BaseJSONConfigManager(config_dir=str(tmp_path / "etc" / "jupyter"))
    extensions = config.get("jupyter_server_config")["ServerApp"]["jpserver_extensions"]
    assert extensions == {"convlab.course.lab": True}
    # ... and the launcher passes the same extension on its command line.
    assert any(option.startswith("--ServerApp.jpserver_extensions=")
               and "'convlab.course.lab': True" in option for option in lab.server_options())


def test_the_extension_sets_jupyterlabs_options_but_keeps_the_users():
    config = Config()
    config.LabApp.extension_manager = "pypi"  # the user's own choice
    lab._link_jupyter_server_extension(SimpleNamespace(config=config))
    assert config.LabApp.extension_manager == "pypi"
    assert config.LabApp.custom_css is True
    assert config.LabApp.check_for_updates_class.endswith("NeverCheckForUpdate")


@pytest.mark.parametrize("env,lang", [({"LANG": "ko_KR.UTF-8"}, "ko"), ({"LANG": "en_US.UTF-8"}, "en"),
                                      ({"LC_ALL": "ko_KR.UTF-8", "LANG": "C"}, "ko"), ({}, "en")])
def test_the_default_language_follows_the_system_locale(monkeypatch, env, lang):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert lab.system_lang() == lang


def test_the_extension_sends_kernel_messages_without_nagles_delay():
    import asyncio
    from unittest import mock

    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection)

    class Connection:   # stands for the server's class: records the order of the calls
        calls: list = []

        async def connect(self):
            self.calls.append("connect")
            return "connected"

    settings = {"static_custom_path": [], "kernel_websocket_connection_class": Connection}
    lab._load_jupyter_server_extension(SimpleNamespace(web_app=SimpleNamespace(settings=settings)))
    wrapped = settings["kernel_websocket_connection_class"]
    assert issubclass(wrapped, Connection) and wrapped is not Connection
    connection = wrapped()
    connection.websocket_handler = mock.Mock()
    connection.websocket_handler.set_nodelay.side_effect = lambda on: Connection.calls.append(on)
    assert asyncio.run(connection.connect()) == "connected"
    assert Connection.calls == [True, "connect"]    # before the first kernel message
    # loading twice (or a class already wrapped) wraps once; the real class is wrapped too
    assert lab.prompt_connection_class(wrapped) is wrapped
    real = lab.prompt_connection_class(ZMQChannelsWebsocketConnection)
    assert issubclass(real, ZMQChannelsWebsocketConnection)


def test_the_extension_leaves_the_busy_tab_icon_out_of_every_page_and_keeps_other_hooks():
    def users_hook(handler, page_config):       # a hook set before the course's extension
        page_config["disabledExtensions"] = page_config["disabledExtensions"] + ["users:own"]
        return page_config

    settings = {"static_custom_path": [], "page_config_hook": users_hook}
    server = SimpleNamespace(web_app=SimpleNamespace(settings=settings))
    lab._load_jupyter_server_extension(server)
    lab._load_jupyter_server_extension(server)              # loading twice hooks in once
    hook = settings["page_config_hook"]
    page = hook(None, {"disabledExtensions": ["a:b"], "other": 1})
    assert page == {"disabledExtensions": ["a:b", "users:own",
                                           "@jupyterlab/application-extension:faviconbusy"],
                    "other": 1}
    # page_config.json's own form ({name: true}), and a page with nothing disabled yet
    assert lab.quiet_page_config()(None, {"disabledExtensions": {"x:y": True, "z:w": False}}) == {
        "disabledExtensions": ["x:y", "@jupyterlab/application-extension:faviconbusy"]}
    assert lab.quiet_page_config()(None, {})["disabledExtensions"] == list(lab.QUIET_PLUGINS)
