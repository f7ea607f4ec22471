# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the secret file of a credential: ``{current, previous, pending, completed_rotation_id}``.

``<state_dir>/<name>.secrets``: mode 0600 in a 0700 directory, replaced atomically (temporary file,
fsync, rename), encrypted with Ansible Vault (vault id ``credrotate``) when a vault secret is given.
Same format as the role wrote before the engine moved into Python, so either reads the other's.
"""

import json
import os

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import VaultLib, VaultSecret, is_encrypted

from ansible_collections.credrotate.cloud.plugins.module_utils import _files

VAULT_ID = "credrotate"
WHAT = "secret file"


class SecretFileError(Exception):
    """The secret file cannot be read or written; the message names the file, never a value."""


class SecretFile:
    def __init__(self, path, vault_secret=None):
        self.path = path
        self.vault = VaultLib([(VAULT_ID, VaultSecret(to_bytes(vault_secret)))]) if vault_secret else None

    def read(self):
        """The stored document, or ``{}`` when there is none."""
        data = (_files.read_bytes(self.path, SecretFileError, WHAT) or b"").strip()
        if not data:
            return {}
        if is_encrypted(data):
            if self.vault is None:
                raise SecretFileError("%s is encrypted with Ansible Vault: set rotation_vault_secret to read it."
                                      % self.path)
            try:
                data = self.vault.decrypt(data)
            except Exception as exc:  # AnsibleError and friends; their messages hold no secret
                raise SecretFileError("cannot decrypt %s: %s" % (self.path, type(exc).__name__))
        try:
            return json.loads(to_text(data))
        except ValueError:
            raise SecretFileError("%s is not a JSON document" % self.path)

    def write(self, document):
        """Replace the file with ``document``: 0700 directory, 0600 file, atomic (:mod:`_files`)."""
        directory = os.path.dirname(self.path) or "."
        _files.ensure_dir(directory, SecretFileError, "state directory")
        os.chmod(directory, _files.DIR_MODE)  # as the role always did, also for a directory that exists
        if self.vault is not None:
            content = self.vault.encrypt(json.dumps(document), vault_id=VAULT_ID)
        else:
            content = to_bytes(json.dumps(document, indent=4, sort_keys=True))
        _files.write_atomic(self.path, content, SecretFileError, WHAT)
