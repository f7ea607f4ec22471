"""credrotate.cloud's cloud emulator: Huawei IAM/DRS/DCS/GaussDB(for MySQL) and Alibaba DTS on one port.

See ``tests/emulator/README.md``. Start it with ``python tests/emulator --fixtures FILE``.
"""

from emulator.core import Emulator, Response, Service, load_fixture_file  # noqa: F401
