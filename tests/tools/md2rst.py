# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Markdown guides of docs/ as the collection's extra docs (docs/docsite/rst/*.rst).

antsibull-docs builds a collection's docsite from its plugin and role documentation plus the
reStructuredText pages under ``docs/docsite/rst/`` that ``docs/docsite/extra-docs.yml`` lists;
it reads no Markdown. The guides are written once, in Markdown (Galaxy and GitHub render those),
and this script writes their RST form:

    python tests/tools/md2rst.py            # rewrite docs/docsite/rst/ (make docsite-rst)
    python tests/tools/md2rst.py --check    # exit 1, naming the stale files, if any is out of date

``PAGES`` maps each guide to its RST name. A page starts with the label
``ansible_collections.credrotate.cloud.docsite.<name>`` and every heading gets
``...docsite.<name>.<anchor>`` (the GitHub anchor of the heading), so a Markdown link
``page.md#anchor`` becomes a ``:ref:`` to the same place. A link to the role's README goes to the
role's docsite page; a link to any other file of the repository goes to that file on GitHub
(``repository`` in galaxy.yml). It uses markdown-it-py (CommonMark and tables, as GitHub renders
them); a Markdown construct without an RST equivalent here (raw HTML, images) is an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import os
import posixpath
import re
import sys
import unicodedata

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join("docs", "docsite", "rst")
LABEL_PREFIX = "ansible_collections.credrotate.cloud.docsite."
ROLE_LABEL = "ansible_collections.credrotate.cloud.rotation_role"
# Markdown guide (relative to the repository) -> RST page name (docs/docsite/rst/<name>.rst).
PAGES = {
    "docs/running.md": "running",
    "docs/user-guide.md": "user_guide",
    "docs/ad-hoc.md": "ad_hoc",
    "docs/huaweicloud.md": "huaweicloud",
    "docs/alicloud.md": "alicloud",
    "docs/security.md": "security",
    "docs/troubleshooting.md": "troubleshooting",
    "docs/awx/README.md": "awx",
    "docs/secret-stores.md": "secret_stores",
    "docs/fleet.md": "fleet",
    "docs/scale.md": "scale",
    "docs/eda.md": "eda",
}
# Heading levels 1..6 -> the RST underline character (level 1 also gets an overline).
UNDERLINES = "==-^~\""
LANGUAGES = {"": "text", "text": "text", "sh": "shell", "bash": "shell", "console": "console", "yaml": "yaml",
             "yml": "yaml", "json": "json", "python": "python", "ini": "ini"}
# Characters after which (or before which) RST inline markup may start (or end) without an escape.
OPEN_OK = " \n\t'\"([{<-/:"
CLOSE_OK = " \n\t'\")]}>-/:.,;!?\\"


class ConversionError(Exception):
    """A Markdown construct this converter does not translate."""


def slug(text):
    """GitHub's anchor for a heading's text."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def escape(text):
    """Plain text with RST's inline markup characters made literal."""
    text = text.replace("\\", "\\\\")
    for char in "*`|":
        text = text.replace(char, "\\" + char)
    # A word ending in "_" would be a reference ("name_"); "_" before a backtick a target.
    return re.sub(r"_(?=\W|$)", r"\\_", text)


def literal(text):
    """An inline literal: ``text`` (a literal cannot hold two backticks in a row; none here does)."""
    if "``" in text or text != text.strip() or not text:
        raise ConversionError("cannot write %r as an RST inline literal" % text)
    return "``%s``" % text


class Converter:
    def __init__(self, source, name, repository):
        self.source = source  # e.g. docs/user-guide.md
        self.name = name
        self.repository = repository.rstrip("/")
        self.headings = []

    # -- links --

    def target(self, href):
        """``(kind, value)`` for a link: ``("ref", label)`` or ``("url", url)``."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            return "url", href
        path, _sep, anchor = href.partition("#")
        if not path:
            return "ref", LABEL_PREFIX + self.name + ("." + anchor if anchor else "")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.source), path))
        if resolved in PAGES:
            return "ref", LABEL_PREFIX + PAGES[resolved] + ("." + anchor if anchor else "")
        if resolved == "roles/rotation/README.md" and not anchor:
            return "ref", ROLE_LABEL
        if resolved.startswith("..") or not os.path.exists(os.path.join(REPO, resolved)):
            raise ConversionError("%s: the link %r points at nothing in the repository" % (self.source, href))
        kind = "tree" if os.path.isdir(os.path.join(REPO, resolved)) else "blob"
        return "url", "%s/%s/main/%s%s" % (self.repository, kind, resolved, "#" + anchor if anchor else "")

    # -- inline --

    def inline(self, node):
        """``[(markup?, text)]`` segments of an inline node's children."""
        out = []
        for child in node.children:
            kind = child.type
            if kind == "text":
                out.append((False, escape(child.content)))
            elif kind == "softbreak":
                out.append((False, " "))
            elif kind == "hardbreak":
                out.append((False, "\n"))
            elif kind == "code_inline":
                out.append((True, literal(child.content)))
            elif kind in ("strong", "em"):
                inner = self.join(self.inline(child))
                mark = "**" if kind == "strong" else "*"
                if re.search(r"(?<!\\)[*`]", inner):
                    out.append((False, inner))  # RST cannot nest markup: keep the inner markup only
                else:
                    out.append((True, mark + inner + mark))
            elif kind == "link":
                out.append((True, self.link(child)))
            else:
                raise ConversionError("%s: no RST for the inline Markdown %r" % (self.source, kind))
        return out

    def link(self, node):
        text = "".join(c.content for c in node.walk() if c.type in ("text", "code_inline")).strip()
        kind, value = self.target(node.attrs["href"])
        title = re.sub(r"([<>`\\])", r"\\\1", text)
        if kind == "ref":
            return ":ref:`%s <%s>`" % (title, value)
        return "`%s <%s>`__" % (title, value)

    @staticmethod
    def join(segments):
        """Segments as RST text, with ``\\ `` where markup touches a word character."""
        text = ""
        for index, (markup, value) in enumerate(segments):
            if markup:
                if text and text[-1] not in OPEN_OK:
                    text += "\\ "
                text += value
                following = segments[index + 1][1] if index + 1 < len(segments) else ""
                if following and following[0] not in CLOSE_OK:
                    text += "\\ "
            else:
                text += value
        return text

    def text_of(self, node):
        return self.join(self.inline(node.children[0])) if node.children else ""

    # -- blocks --

    def blocks(self, nodes):
        out = []
        for node in nodes:
            lines = self.block(node)
            if lines:
                out.extend(lines + [""])
        while out and out[-1] == "":
            out.pop()
        return out

    def block(self, node):
        kind = node.type
        if kind == "heading":
            return self.heading(node)
        if kind == "paragraph":
            return self.text_of(node).split("\n")
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node, "* " if kind == "bullet_list" else "#. ")
        if kind in ("fence", "code_block"):
            language = (node.info or "").strip().split(" ")[0] if kind == "fence" else ""
            if language not in LANGUAGES:
                raise ConversionError("%s: no Pygments lexer set for the code language %r" % (self.source, language))
            body = node.content.rstrip("\n").split("\n")
            return [".. code-block:: %s" % LANGUAGES[language], ""] + [("   " + line).rstrip() for line in body]
        if kind == "table":
            return self.table(node)
        if kind == "blockquote":
            return [("   " + line).rstrip() for line in self.blocks(node.children)]
        if kind == "hr":
            return ["----"]
        raise ConversionError("%s: no RST for the Markdown block %r" % (self.source, kind))

    def heading(self, node):
        level = int(node.tag[1])
        title = self.text_of(node)
        plain = "".join(c.content for c in node.walk() if c.type in ("text", "code_inline"))
        anchor = slug(plain)
        self.headings.append(anchor)
        line = UNDERLINES[level - 1] * width(title)
        lines = [".. _%s%s.%s:" % (LABEL_PREFIX, self.name, anchor), ""]
        if level == 1:
            lines.insert(0, "")
            lines = [".. _%s%s:" % (LABEL_PREFIX, self.name)] + lines
            return lines + [line, title, line]
        return lines + [title, line]

    def list(self, node, bullet):
        out = []
        for item in node.children:
            lines = self.blocks(item.children) or [""]
            out.append((bullet + lines[0]).rstrip())
            out.extend((" " * len(bullet) + line).rstrip() for line in lines[1:])
            out.append("")
        return out[:-1]

    def table(self, node):
        rows = []
        for section in node.children:
            for row in section.children:
                rows.append([self.text_of(cell) for cell in row.children])
        head = 1 if node.children and node.children[0].type == "thead" else 0
        out = [".. list-table::", "   :header-rows: %d" % head, ""]
        for row in rows:
            for index, cell in enumerate(row):
                out.append(("   %s %s" % ("* -" if index == 0 else "  -", cell)).rstrip())
        return out

    def convert(self, text):
        tree = SyntaxTreeNode(MarkdownIt("commonmark").enable("table").parse(text))
        body = self.blocks(tree.children)
        header = [".. Generated from %s by tests/tools/md2rst.py (make docsite-rst): edit that file, not this one."
                  % self.source, ""]
        return "\n".join(header + body) + "\n"


def repository():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["repository"]


def render_all():
    """``{relative rst path: content}`` for every page of ``PAGES``."""
    out = {}
    for source, name in PAGES.items():
        with open(os.path.join(REPO, source)) as handle:
            text = handle.read()
        out[os.path.join(OUT_DIR, name + ".rst")] = Converter(source, name, repository()).convert(text)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is out of date")
    args = parser.parse_args(argv)
    try:
        pages = render_all()
    except ConversionError as exc:
        print("md2rst: %s" % exc, file=sys.stderr)
        return 2
    stale = []
    for path, content in sorted(pages.items()):
        full = os.path.join(REPO, path)
        current = None
        if os.path.exists(full):
            with open(full) as handle:
                current = handle.read()
        if current == content:
            continue
        stale.append(path)
        if not args.check:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as handle:
                handle.write(content)
    known = set(os.path.basename(p) for p in pages)
    extra = sorted(f for f in os.listdir(os.path.join(REPO, OUT_DIR)) if f.endswith(".rst") and f not in known) \
        if os.path.isdir(os.path.join(REPO, OUT_DIR)) else []
    if args.check:
        for path in stale:
            print("md2rst: %s is out of date: run make docsite-rst" % path)
        for name in extra:
            print("md2rst: %s/%s has no Markdown source in PAGES" % (OUT_DIR, name))
        return 1 if stale or extra else 0
    for path in stale:
        print("md2rst: wrote %s" % path)
    for name in extra:
        print("md2rst: %s/%s has no Markdown source in PAGES: remove it" % (OUT_DIR, name))
    return 1 if extra else 0


if __name__ == "__main__":
    sys.exit(main())
