"""Galaxy accepts the collection: `ansible-galaxy collection build`, then galaxy-importer on the tarball.

galaxy-importer pins versions that clash with ours (attrs<24, flake8<7), so it runs from its own
venv, ``tests/output/venv-importer``, built here from ``tests/requirements-importer.txt`` on first
use and rebuilt when that file changes (pip needs the package index then; later runs reuse it).
``tests/galaxy-importer.cfg`` (GALAXY_IMPORTER_CONFIG) turns off the container step (ansible-test)
and keeps the rest of what Galaxy checks on upload: metadata, file checksums, ansible-doc of
every plugin, the README and docs/ rendering, the changelog, ansible-lint and flake8.

The import must succeed with no ERROR and no WARNING at all: a flake8 warning fails it too, even
one whose code ``ansible-test sanity --test pep8`` ignores (Galaxy shows every warning on the
collection's import log). The test runs within ``make integration`` (so ``make test``); the import
itself is offline (no container, ansible-lint offline); only building the importer's venv the
first time needs the package index.
"""

import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from harness import REPO

pytestmark = pytest.mark.integration

REQUIREMENTS = os.path.join(REPO, "tests", "requirements-importer.txt")
CONFIG = os.path.join(REPO, "tests", "galaxy-importer.cfg")
VENV = os.path.join(REPO, "tests", "output", "venv-importer")
STAMP = os.path.join(VENV, ".installed")
VENV_LOCK = os.path.join(REPO, "tests", "output", "venv-importer.lock")
PLUGIN_DIRS = {"modules": "module", "lookup": "lookup", "filter": "filter"}


def clean_env(**extra):
    """The environment minus anything that would point Ansible or Python at this checkout or venv."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(("ANSIBLE_", "GALAXY_IMPORTER_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH"))
    env.update(NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(extra)
    return env


def requirements_digest():
    with open(REQUIREMENTS, "rb") as handle:
        data = handle.read()
    return hashlib.sha256(data + sys.version.encode()).hexdigest()


def importer_venv():
    """``tests/output/venv-importer`` with tests/requirements-importer.txt installed (built once, under a lock)."""
    os.makedirs(os.path.dirname(VENV), exist_ok=True)
    with open(VENV_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = requirements_digest()
        if os.path.isfile(STAMP):
            with open(STAMP) as handle:
                if handle.read().strip() == digest:
                    return VENV
        shutil.rmtree(VENV, ignore_errors=True)
        python = os.path.join(VENV, "bin", "python")
        for command in ([sys.executable, "-m", "venv", VENV],
                        [python, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS],
                        [python, "-m", "pip", "check"]):
            done = subprocess.run(command, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True, timeout=900, check=False)
            assert done.returncode == 0, "%s failed:\n%s" % (" ".join(command), done.stdout[-4000:])
        with open(STAMP, "w") as handle:
            handle.write(digest + "\n")
    return VENV


def build(out_dir):
    """``ansible-galaxy collection build`` of this checkout into ``out_dir``: the tarball's path."""
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    done = subprocess.run([galaxy, "collection", "build", "--output-path", out_dir, REPO], cwd=out_dir,
                          env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout
    tarballs = glob.glob(os.path.join(out_dir, "*.tar.gz"))
    assert len(tarballs) == 1, done.stdout
    return tarballs[0]


def plugin_files():
    """``{(content_type, name)}`` of every documented plugin in plugins/ (modules, lookups, filters)."""
    found = set()
    for directory, content_type in PLUGIN_DIRS.items():
        for path in glob.glob(os.path.join(REPO, "plugins", directory, "*.py")):
            name = os.path.basename(path)[:-3]
            if not name.startswith("_"):
                found.add((content_type, name))
    return found


def problems_in(output, result):
    """Everything wrong with one import: its log lines and its result, as sentences."""
    problems = []
    if "Importer processing completed successfully" not in output:
        problems.append("the importer did not complete")
    for line in output.splitlines():
        if line.startswith("ERROR:") or line.startswith("Traceback"):
            problems.append("importer error: %s" % line)
        elif line.startswith("WARNING:"):
            problems.append("importer warning: %s" % line)
    if result is None:
        problems.append("no importer_result.json")
        return problems

    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        galaxy = yaml.safe_load(handle)
    metadata = result.get("metadata") or {}
    for key in ("namespace", "name", "version", "license", "tags", "repository", "documentation", "issues"):
        if metadata.get(key) != galaxy.get(key):
            problems.append("metadata %s is %r, galaxy.yml says %r" % (key, metadata.get(key), galaxy.get(key)))
    with open(os.path.join(REPO, "meta", "runtime.yml")) as handle:
        requires = yaml.safe_load(handle)["requires_ansible"]
    if result.get("requires_ansible") != requires:
        problems.append("requires_ansible is %r, meta/runtime.yml says %r" % (result.get("requires_ansible"), requires))

    documented = dict(((c["content_type"], c["content_name"]), c) for c in result["docs_blob"]["contents"])
    for key in sorted(plugin_files()):
        if not (documented.get(key) or {}).get("doc_strings"):
            problems.append("%s %s has no documentation in the import (ansible-doc failed?)" % key)
    role = documented.get(("role", "rotation")) or {}
    if not role.get("readme_html"):
        problems.append("the rotation role's README was not rendered")
    if not (result["docs_blob"].get("collection_readme") or {}).get("html"):
        problems.append("README.md was not rendered")
    rendered = dict((f["name"], f.get("html")) for f in result["docs_blob"].get("documentation_files") or [])
    for path in sorted(glob.glob(os.path.join(REPO, "docs", "*.md"))):
        if not rendered.get(os.path.basename(path)):
            problems.append("docs/%s is not among Galaxy's documentation files" % os.path.basename(path))
    return problems


def test_galaxy_importer_accepts_the_built_collection(tmp_path):
    venv = importer_venv()
    tarball = build(str(tmp_path))
    work = tmp_path / "import"
    for directory in (work, tmp_path / "home"):
        directory.mkdir()
    env = clean_env(
        PATH=os.path.join(venv, "bin") + os.pathsep + os.environ.get("PATH", ""),
        GALAXY_IMPORTER_CONFIG=CONFIG,
        GALAXY_IMPORTER_TMP_ROOT_DIR=str(tmp_path),
        GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        HOME=str(tmp_path / "home"),
    )
    done = subprocess.run([os.path.join(venv, "bin", "python"), "-m", "galaxy_importer.main", tarball],
                          cwd=str(work), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=900, check=False)
    result_path = work / "importer_result.json"
    result = json.loads(result_path.read_text()) if result_path.exists() else None

    problems = problems_in(done.stdout, result)
    assert done.returncode == 0 and not problems, "galaxy-importer (exit %s):\n%s\n\n--- output ---\n%s" % (
        done.returncode, "\n".join(problems), done.stdout[-20000:])


def test_any_importer_warning_is_a_problem():
    """A flake8 warning that ansible-test's pep8 ignores (W503) still fails the import check."""
    output = ("WARNING: plugins/module_utils/_huawei.py:55:5: W503 line break before binary operator\n"
              "Importer processing completed successfully\n")
    problems = problems_in(output, None)
    assert "importer warning: WARNING: plugins/module_utils/_huawei.py:55:5: W503 line break before binary operator" \
        in problems
