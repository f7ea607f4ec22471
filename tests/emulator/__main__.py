"""Run the emulator in the foreground: ``python tests/emulator --fixtures FILE [--port N] [--tls DIR]``."""

import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from emulator.backends import backends_from_args  # noqa: E402
from emulator.core import Emulator, load_fixture_file  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python tests/emulator", description=__doc__)
    parser.add_argument("--fixtures", help="YAML or JSON fixture file (see tests/emulator/README.md)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--tls", metavar="DIR", help="serve HTTPS with a certificate generated into DIR; prints the CA file")
    parser.add_argument("--state-file", help="keep state in this file so a restarted emulator is the same cloud")
    parser.add_argument("--mysql-dsn", help="real GaussDB backend, e.g. mysql://root@127.0.0.1:3306 (or unix socket path via ?unix_socket=)")
    parser.add_argument("--redis", help="real DCS backend: 'spawn' starts one redis-server per instance")
    parser.add_argument("--ready-file", help="write the base URL here once serving (for scripts)")
    args = parser.parse_args(argv)

    fixtures = load_fixture_file(args.fixtures) if args.fixtures else {}
    emu = Emulator(fixtures, host=args.host, port=args.port, tls_dir=args.tls, state_file=args.state_file,
                   backends=backends_from_args(args.mysql_dsn, args.redis))
    url = emu.start()
    print("emulator listening on %s" % url, flush=True)
    print("backends: %s" % emu.backend_description(), flush=True)
    if emu.ca_file:
        print("CA file: %s" % emu.ca_file, flush=True)
    if args.ready_file:
        with open(args.ready_file, "w") as handle:
            handle.write(url + "\n")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    emu.stop()
    print("emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
