# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Build the collection's docsite (``make docsite``): modules, plugins, the role and the guides, one site.

    python tests/tools/build_docsite.py [--dest build/docsite]

It does what ``antsibull-docs sphinx-init`` sets up for a collection, offline: ``sphinx-init
--use-current`` writes the Sphinx project into DEST, ``antsibull-docs collection --use-current
--fail-on-error`` writes the RST of every plugin, the role and the extra docs (the guides of
``docs/docsite/extra-docs.yml``), and ``sphinx-build -W --keep-going`` makes ``DEST/build/html``.
The collection is taken from this checkout (``.collections``).

Without network, Sphinx cannot download the intersphinx inventories (the Ansible docsite, Python,
Jinja), so the references the generated plugin pages make into the Ansible docsite stay
unresolved. Those warnings, and only those, are tolerated: a warning about anything of this
collection, or of any other kind, fails the build. The theme is ``sphinx_ansible_theme`` when it is
installed, else Sphinx's own ``alabaster`` (same content, another look).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
COLLECTION = "credrotate.cloud"
OWN_LABELS = "ansible_collections.credrotate.cloud."
WARNING = re.compile(r"WARNING: (.*)$")
# What only the missing intersphinx inventories cause (see the module docstring).
OFFLINE = (
    re.compile(r"^failed to reach any of the inventories with the following issues:$"),
    re.compile(r"^undefined label: '(?!%s)[^']+' \[ref\.ref\]$" % re.escape(OWN_LABELS)),
)


def theme():
    return "sphinx_ansible_theme" if importlib.util.find_spec("sphinx_ansible_theme") else "alabaster"


def environment(dest):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"),
               ANSIBLE_HOME=os.path.join(dest, "ansible-home"), NO_COLOR="1")
    return env


def step(command, dest, log):
    done = subprocess.run(command, cwd=dest, env=environment(dest), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, universal_newlines=True, timeout=900, check=False)
    log.append("$ %s\n%s" % (" ".join(command), done.stdout))
    return done


def problems_in(sphinx_output):
    """The warnings of a sphinx-build output that missing network does not explain."""
    problems = []
    for line in sphinx_output.splitlines():
        match = WARNING.search(line)
        if match and not any(pattern.match(match.group(1).strip()) for pattern in OFFLINE):
            problems.append(line.strip())
    return problems


def build(dest):
    """Build the docsite into ``dest`` (emptied first): ``(problems, log)``; no problems means success."""
    dest = os.path.abspath(dest)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    log, problems = [], []
    antsibull = os.path.join(BIN, "antsibull-docs")
    done = step([antsibull, "sphinx-init", "--use-current", "--fail-on-error", "--sphinx-theme", theme(),
                 "--dest-dir", dest, COLLECTION], dest, log)
    if done.returncode != 0:
        return ["antsibull-docs sphinx-init failed (exit %d)" % done.returncode], log
    rst = os.path.join(dest, "rst")
    os.makedirs(rst, exist_ok=True)
    os.chmod(rst, 0o755)  # antsibull-docs wants it writable by its owner only (as sphinx-init's build.sh does)
    done = step([antsibull, "--config-file", "antsibull-docs.cfg", "collection", "--use-current", "--fail-on-error",
                 "--cleanup", "everything", "--dest-dir", rst, COLLECTION], dest, log)
    if done.returncode != 0:
        return ["antsibull-docs collection failed (exit %d)" % done.returncode], log
    done = step([os.path.join(BIN, "sphinx-build"), "-M", "html", rst, os.path.join(dest, "build"), "-c", dest,
                 "-W", "--keep-going"], dest, log)
    problems.extend(problems_in(done.stdout))
    if not os.path.isfile(os.path.join(dest, "build", "html", "index.html")):
        problems.append("sphinx-build wrote no build/html/index.html (exit %d)" % done.returncode)
    return problems, log


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--dest", default=os.path.join(REPO, "build", "docsite"))
    args = parser.parse_args(argv)
    problems, log = build(args.dest)
    with open(os.path.join(os.path.abspath(args.dest), "build.log"), "w") as handle:
        handle.write("\n".join(log))
    for problem in problems:
        print("docsite: %s" % problem)
    if problems:
        print("docsite: FAILED; the whole log: %s" % os.path.join(args.dest, "build.log"))
        return 1
    print("docsite: %s (theme %s; the Ansible docsite references stay unresolved offline)"
          % (os.path.join(os.path.abspath(args.dest), "build", "html", "index.html"), theme()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
