#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest without building it (that needs the network).

usage: check-manifest.py MANIFEST APP_ID
"""

import json
import sys


def main():
    path, app_id = sys.argv[1], sys.argv[2]
    errors = []

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: cannot parse: {e}")
        return 1

    def expect(cond, message):
        if not cond:
            errors.append(message)

    expect(manifest.get("id", manifest.get("app-id")) == app_id, f"the app id is not {app_id}")
    expect(manifest.get("runtime") == "org.gnome.Platform", "the runtime is not org.gnome.Platform")
    expect(manifest.get("sdk") == "org.gnome.Sdk", "the sdk is not org.gnome.Sdk")
    # GNOME 43 ships GTK 4.8 and libadwaita 1.2, the versions Confab is pinned to.
    expect(str(manifest.get("runtime-version")) == "43", "the runtime version is not 43")
    expect(manifest.get("command") == "confab", "the command is not confab")

    finish_args = manifest.get("finish-args", [])
    for arg in ("--share=network", "--socket=wayland", "--socket=fallback-x11",
                "--socket=pulseaudio", "--device=all"):
        expect(arg in finish_args, f"finish-args lack {arg}")

    modules = manifest.get("modules", [])
    expect(isinstance(modules, list) and modules, "there are no modules")
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    for needed in ("libnice", "gstreamer", "confab"):
        expect(needed in names, f"no module {needed}")
    expect(names and names[-1] == "confab", "confab is not the last module")

    for module in modules:
        if not isinstance(module, dict):
            errors.append("a module is not an object")
            continue
        name = module.get("name", "?")
        expect(module.get("sources"), f"module {name} has no sources")
        for source in module.get("sources", []):
            kind = source.get("type")
            if kind == "git":
                expect(source.get("url") and (source.get("tag") or source.get("commit")),
                       f"module {name}: a git source needs a url and a tag or commit")
            elif kind == "archive":
                expect(source.get("url") and source.get("sha256"),
                       f"module {name}: an archive source needs a url and a sha256")
            elif kind != "dir":
                errors.append(f"module {name}: unexpected source type {kind}")

    by_name = {m.get("name"): m for m in modules if isinstance(m, dict)}
    if "libnice" in by_name:
        expect("-Dgstreamer=enabled" in by_name["libnice"].get("config-opts", []),
               "libnice is built without its GStreamer plugin")
    if "gstreamer" in by_name:
        opts = by_name["gstreamer"].get("config-opts", [])
        expect("-Dgst-plugins-bad:webrtc=enabled" in opts, "GStreamer is built without webrtc")
    if "confab" in by_name:
        opts = by_name["confab"].get("config-opts", [])
        expect("-Dserver=false" in opts, "the flatpak builds the server")
        expect("-Dtests=false" in opts, "the flatpak builds the tests")

    for e in errors:
        print(f"{path}: {e}")
    if not errors:
        print(f"{path}: ok ({len(modules)} modules: {', '.join(names)})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
