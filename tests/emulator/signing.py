"""The collection's pure signing functions, loaded from ``plugins/module_utils/_signing.py``.

The emulator verifies requests with the very functions the modules sign with; both are pinned
by the reference's known-answer vectors and by the official SDKs' signers in the unit tests,
and the official SDK clients are run against the emulator, so a shared mistake cannot hide.
"""

import importlib.util
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                     "plugins", "module_utils", "_signing.py")
_spec = importlib.util.spec_from_file_location("credrotate_emulator_signing", _PATH)
signing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(signing)
