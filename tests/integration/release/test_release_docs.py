"""Release readiness of the documentation: the linters Galaxy and the Ansible docsite use, and docs/.

* ``antsibull-docs lint-collection-docs --plugin-docs`` (plugin and role docs, markup, references)
  and ``antsibull-changelog lint`` pass, and the changelog has the 0.1.0 release with its summary;
* every relative link of the Markdown pages resolves (file and, where given, heading);
* docs/troubleshooting.md names every error code the modules classify or raise themselves, so a
  code added to module_utils without documentation fails here;
* the README's example playbook is at most 10 lines and passes ``--syntax-check``, like the user
  guide's first-rotation inventory with the collection's ``credrotate.cloud.rotate`` playbook;
* the sample policies are valid JSON.
"""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from harness import REPO

pytestmark = pytest.mark.integration

BIN = os.path.dirname(sys.executable)
COLLECTION = os.path.join(REPO, ".collections", "ansible_collections", "credrotate", "cloud")
PAGES = (["README.md", "roles/rotation/README.md", "tests/emulator/README.md"]
         + sorted(os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "*.md"))))
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# Codes the modules recognise by pattern or by DTS/DCS answer rather than from a table.
PATTERN_CODES = (
    "passwordFailed", "locked", "Throttling", "Throttling.User", "Throttling.Api", "DTS.Msg.Throttling.User",
    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "InvalidSecurityToken.Expired", "Forbidden.RAM",
    "SignatureNonceUsed", "DTS.Msg.OperationDenied.JobStatusModifying", "DTS.Msg.CheckJobFailed.ServerUnAvailable",
    "InvalidApi.NotFound", "InvalidAction.NotFound", "InvalidParameter", "LedgerError",
)


def run(command, cwd, **env):
    environ = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    environ.update(PATH=BIN + os.pathsep + os.environ.get("PATH", ""), NO_COLOR="1", ANSIBLE_NOCOLOR="1")
    environ.update(env)
    return subprocess.run(command, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=600, check=False)


def read(path):
    with open(os.path.join(REPO, path)) as handle:
        return handle.read()


def blocks(path, language):
    return [body for lang, body in FENCE.findall(read(path)) if lang == language]


def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    return set(slug(m) for m in re.findall(r"^#+\s+(.*)$", read(path), re.M))


def test_antsibull_docs_lint_collection_docs():
    assert os.path.isdir(COLLECTION), "conftest.py links the collection under .collections"
    done = run([os.path.join(BIN, "antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."], COLLECTION)
    assert done.returncode == 0, done.stdout


def test_antsibull_changelog_lint_and_release():
    done = run([os.path.join(BIN, "antsibull-changelog"), "lint"], REPO)
    assert done.returncode == 0, done.stdout
    changes = yaml.safe_load(read("changelogs/changelog.yaml"))
    release = (changes.get("releases") or {}).get("0.1.0") or {}
    assert (release.get("changes") or {}).get("release_summary"), "0.1.0 needs a release_summary"
    config = yaml.safe_load(read("changelogs/config.yaml"))
    for output in config.get("output") or []:
        assert "v0.1.0" in read(output["file"]), "%s is not up to date: antsibull-changelog generate" % output["file"]


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(read(page)):
        if re.match(r"^[a-z]+:", target):
            continue
        path, anchor = (target.split("#", 1) + [""])[:2]
        resolved = os.path.normpath(os.path.join(REPO, os.path.dirname(page), path)) if path else \
            os.path.join(REPO, page)
        if not os.path.exists(resolved):
            broken.append("%s (no such file)" % target)
        elif anchor and resolved.endswith(".md") and anchor not in anchors(os.path.relpath(resolved, REPO)):
            broken.append("%s (no such heading)" % target)
    assert not broken, "%s: broken links: %s" % (page, ", ".join(broken))


def test_troubleshooting_names_every_error_code():
    from ansible_collections.credrotate.cloud.plugins.module_utils import _alibaba, _dts_api, _huawei_errors

    codes = set(PATTERN_CODES)
    for name in ("TOKEN_EXPIRED", "AUTH", "THROTTLED", "BUSY", "PRECONDITION", "POLICY", "NOT_FOUND", "SERVER"):
        codes.update(getattr(_huawei_errors, name))
    codes.update(_huawei_errors.LEGACY_CODES)
    codes.update(_huawei_errors.LEGACY_CODES.values())
    codes.update(_alibaba.AUTH_CODES)
    codes.update(_alibaba.SERVER_CODES)
    codes.add(_dts_api.PASSWORD_SAME)
    # The modules' own codes: the first argument of an error class, and result codes set literally.
    for path in glob.glob(os.path.join(REPO, "plugins", "module_utils", "*.py")):
        source = read(path)
        codes.update(re.findall(r'[A-Za-z]+Error\(\s*"([A-Za-z][\w.]+)"', source))
        codes.update(re.findall(r'(?:problem_code|error_code)\s*=\s*"([A-Za-z][\w.]+)"', source))
    page = read("docs/troubleshooting.md")
    missing = sorted(code for code in codes if "`%s`" % code not in page)
    assert not missing, "docs/troubleshooting.md does not mention: %s" % ", ".join(missing)


# The syntax check runs the README's playbook (hosts: credentials) with a stand-in inventory, localhost only.
@pytest.mark.allow_warnings(r"^\[WARNING\]: Could not match supplied host pattern, ignoring: credentials$")
def test_readme_playbook_is_short_and_valid(tmp_path):
    playbooks = blocks("README.md", "yaml")
    assert playbooks, "README.md has no example playbook"
    playbook = playbooks[0]
    assert len(playbook.strip().splitlines()) <= 10, "the README's example playbook is longer than 10 lines"
    (tmp_path / "site.yml").write_text(playbook)
    done = run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "localhost,", "site.yml"],
               str(tmp_path), ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"))
    assert done.returncode == 0, done.stdout


def test_user_guide_first_rotation_runs_the_collection_playbook(tmp_path):
    inventories = [b for b in blocks("docs/user-guide.md", "yaml") if "rotation_credential" in b]
    assert inventories, "the user guide has no example inventory"
    (tmp_path / "inventory.yml").write_text(inventories[0])
    done = run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "inventory.yml",
                "credrotate.cloud.rotate"], str(tmp_path), ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"))
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("page", ["docs/huaweicloud.md", "docs/alicloud.md"])
def test_sample_policies_are_json(page):
    policies = blocks(page, "json")
    assert policies, "%s has no sample policy" % page
    for policy in policies:
        document = json.loads(policy)
        assert document["Statement"] and all(s["Effect"] == "Allow" for s in document["Statement"])
