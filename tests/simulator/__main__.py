"""Command line: python -m tests.simulator --host 127.0.0.1 --port 0 --state FILE [--seed FILE] [--url-file FILE]."""

import argparse
import os
import signal
import sys
import threading

from .server import make_server
from .state import DEFAULT_SEED, load_seed


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.simulator", description="Local Huawei Cloud double (IAM, Workspace, VPC/EIP, BSS).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--state", required=True, help="JSON state file; loaded when it exists, else created from the seed")
    parser.add_argument("--seed", default=DEFAULT_SEED, help="YAML seed file (default: tests/simulator/seeds/default.yml)")
    parser.add_argument("--url-file", help="also write the base URL to this file once listening")
    return parser.parse_args(argv)


def write_url(path, url):
    """Write then rename, so a reader polling for the file never sees half a URL."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(url + "\n")
    os.replace(temporary, path)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    server = make_server(args.host, args.port, args.state, load_seed(args.seed))
    host, port = server.server_address[:2]
    url = "http://%s:%d" % (host, port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="simulator", daemon=True)
    thread.start()
    if args.url_file:
        write_url(args.url_file, url)
    sys.stdout.write(url + "\n")
    sys.stdout.flush()
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
