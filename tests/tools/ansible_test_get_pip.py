# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates its sanity virtual environments without pip and bootstraps pip with a
``get-pip.py`` that it downloads from its own CI file host, which this project's machines cannot
reach. It looks for that script in ``~/.ansible/test/cache/get_pip_<version>.py`` first, so
``make sanity`` puts this file there when none is cached. It does the same job with the
interpreter's own ``ensurepip`` and then pip from the package index: it is run as
``python get_pip_<version>.py [pip install options] pip==<version> [--no-setuptools] [--no-wheel]``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

MARKER = "credrotate.cloud offline get-pip stand-in"


def main(argv):
    skip = {"--no-setuptools": "setuptools", "--no-wheel": "wheel"}
    unwanted = [skip[arg] for arg in argv if arg in skip]
    install_args = [arg for arg in argv if arg not in skip]

    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + install_args)
    if unwanted:
        # ensurepip brings setuptools on Python < 3.12; a real get-pip.py would not have installed it.
        subprocess.check_call([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet"] + unwanted)


if __name__ == "__main__":
    main(sys.argv[1:])
