# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's docsite: modules, plugins, the role and the Markdown guides, rendered as one site.

* every guide of docs/ (not the index, docs/README.md) has its RST form under docs/docsite/rst,
  listed in docs/docsite/extra-docs.yml, and that RST is what ``tests/tools/md2rst.py`` makes of
  the Markdown today (``make docsite-rst`` after editing a guide);
* ``tests/tools/build_docsite.py`` (``make docsite``) builds the site offline with antsibull-docs and
  Sphinx, and no warning is left but those that only the missing intersphinx inventories cause (the
  filter itself is checked on sample lines); the site has a page per module, plugin, the role and
  guide, and the collection's index links every guide.

``antsibull-docs lint-collection-docs --plugin-docs`` (which also checks the extra docs) runs in
``test_release_docs.py`` and ``make lint``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import subprocess
import sys

import pytest
import yaml

from harness import REPO

pytestmark = pytest.mark.integration

TOOLS = os.path.join(REPO, "tests", "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

import build_docsite  # noqa: E402 pylint: disable=wrong-import-position
import md2rst  # noqa: E402 pylint: disable=wrong-import-position


def test_every_guide_is_in_the_docsite():
    found = glob.glob(os.path.join(REPO, "docs", "**", "*.md"), recursive=True)
    guides = sorted(os.path.relpath(p, REPO) for p in found)
    guides.remove(os.path.join("docs", "README.md"))
    assert sorted(md2rst.PAGES) == guides
    with open(os.path.join(REPO, "docs", "docsite", "extra-docs.yml")) as handle:
        index = yaml.safe_load(handle)
    listed = [entry for section in index["sections"] for entry in section["toctree"]]
    assert sorted(listed) == sorted(md2rst.PAGES.values())
    rst = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(REPO, "docs", "docsite", "rst", "*.rst")))
    assert rst == sorted(md2rst.PAGES.values())


def test_the_rst_is_generated_from_the_current_markdown():
    done = subprocess.run([sys.executable, os.path.join(TOOLS, "md2rst.py"), "--check"], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120,
                          check=False)
    assert done.returncode == 0, "the RST of the guides is stale; run `make docsite-rst`:\n" + done.stdout


def test_only_missing_network_is_forgiven():
    output = "\n".join([
        "WARNING: failed to reach any of the inventories with the following issues:",
        "/x/rst/collections/credrotate/cloud/rotate_module.rst:59: WARNING: undefined label: 'action_plugins' [ref.ref]",
        "/x/rst/collections/credrotate/cloud/docsite/running.rst:9: WARNING: undefined label: "
        "'ansible_collections.credrotate.cloud.docsite.running.nowhere' [ref.ref]",
        "/x/rst/collections/credrotate/cloud/docsite/ad_hoc.rst:3: WARNING: Inline literal start-string without "
        "end-string. [docutils]",
    ])
    problems = build_docsite.problems_in(output)
    assert len(problems) == 2, problems
    assert "docsite.running.nowhere" in problems[0] and "Inline literal" in problems[1]


def test_the_docsite_builds_offline_without_a_real_warning(tmp_path):
    problems, log = build_docsite.build(str(tmp_path / "docsite"))
    assert not problems, "\n".join(problems) + "\n\n" + "\n".join(log)[-8000:]
    html = tmp_path / "docsite" / "build" / "html" / "collections" / "credrotate" / "cloud"
    expected = ["rotation_role.html"]
    expected += ["%s_module.html" % os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO, "plugins", "modules",
                                                                                             "*.py"))]
    expected += ["docsite/%s.html" % name for name in md2rst.PAGES.values()]
    missing = [page for page in expected if not (html / page).is_file()]
    assert not missing, "the docsite has no %s" % ", ".join(missing)
    index = (html / "index.html").read_text()
    unlinked = [name for name in md2rst.PAGES.values() if 'href="docsite/%s.html"' % name not in index]
    assert not unlinked, "the collection's index does not link %s" % ", ".join(unlinked)
