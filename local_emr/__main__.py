"""``python -m local_emr --port N``: serve until SIGINT/SIGTERM, then clean up everything."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from emr_contract.emulator import DEFAULT_HOST, DEFAULT_PORT

from .config import EmulatorConfig
from .server import LocalEmr


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local_emr", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (0 picks a free one; default {DEFAULT_PORT}, where EMR_TARGET=local stacks look)")
    for name, what in (("boot", "STARTING -> BOOTSTRAPPING"), ("bootstrap", "BOOTSTRAPPING -> WAITING"),
                       ("terminate", "TERMINATING -> TERMINATED")):
        parser.add_argument(f"--{name}-seconds", type=float, default=None,
                            help=f"{what} delay (env LOCAL_EMR_{name.upper()}_SECONDS)")
    parser.add_argument("--work-dir", default=None, help="parent dir for per-step temp dirs")
    parser.add_argument("--clock-factor", type=float, default=None,
                        help="how much faster the scaling model's clock runs (default 60: five-minute metric "
                             "periods pass in five seconds; env LOCAL_EMR_CLOCK_FACTOR)")
    parser.add_argument("--live-tail-session-seconds", type=float, default=None,
                        help="how long a CloudWatch Logs Live Tail session lasts before SessionTimeoutException "
                             "(default: AWS's three hours; env LOCAL_EMR_LIVE_TAIL_SESSION_SECONDS)")
    parser.add_argument("--live-tail-max-sessions", type=int, default=None,
                        help="concurrent Live Tail sessions per account and Region before LimitExceededException "
                             "(default 15, AWS's default quota; env LOCAL_EMR_LIVE_TAIL_MAX_SESSIONS)")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = EmulatorConfig.from_env(
        boot_seconds=args.boot_seconds, bootstrap_seconds=args.bootstrap_seconds,
        terminate_seconds=args.terminate_seconds, work_dir=args.work_dir, clock_factor=args.clock_factor,
        live_tail_session_seconds=args.live_tail_session_seconds, live_tail_max_sessions=args.live_tail_max_sessions,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emr = LocalEmr(port=args.port, host=args.host, config=config, log_requests=args.verbose).start()
    try:
        print(f"local_emr listening on {emr.endpoint_url}", flush=True)
        print(f"  export AWS_ENDPOINT_URL={emr.endpoint_url} AWS_ACCESS_KEY_ID=testing "
              "AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        print("local_emr: stopping (killing step processes)", file=sys.stderr, flush=True)
        emr.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
