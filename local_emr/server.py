"""``LocalEmr``: moto's server in this process, our EMR layer in front, a scheduler behind.

    with LocalEmr(port=0) as emr:
        boto3.client("emr", endpoint_url=emr.endpoint_url, ...)

Stopping kills every step process tree, joins all threads and frees the port.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import moto
from werkzeug.serving import BaseWSGIServer, make_server

from .api import moto_fixes
from .api import s3_policy
from .steps.log_shipping import CloudWatchLogsSink
from .config import EmulatorConfig
from .cluster.lifecycle import Lifecycle, LineSink
from .api.pricing_api import PricingMiddleware
from .api.live_tail import LiveTailMiddleware
from .api.wsgi import EmrMiddleware

PINNED_MOTO_VERSION = "5.2.5"


def check_moto_version(found: str = moto.__version__) -> None:
    """The EMR layer patches moto's models by name; another moto version may break it silently."""
    if found != PINNED_MOTO_VERSION:
        raise RuntimeError(
            f"local_emr needs moto=={PINNED_MOTO_VERSION} (found {found}); "
            f"install it with: pip install 'moto[server]=={PINNED_MOTO_VERSION}'"
        )


class LocalEmr:
    """A local AWS endpoint (all of moto) whose EMR clusters boot, run real step processes and stop.

    Its moto patches are process-wide: the first emulator to start installs them, the last to stop
    removes them, so in-process moto used after it (`mock_aws` in a test) is moto as released.
    """

    _patched_by: set[int] = set()

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        config: EmulatorConfig | None = None,
        line_sinks: list[LineSink] | None = None,
        log_requests: bool = False,
        cloudwatch_logs: bool = True,
        **config_overrides: Any,
    ) -> None:
        """``cloudwatch_logs``: write step output to CloudWatch Logs while steps run (see log_shipping)."""
        check_moto_version()
        self.log_requests = log_requests
        self.host = host
        self.requested_port = port
        self.config = config or EmulatorConfig.from_env(**config_overrides)
        self.lock = threading.RLock()
        self.cloudwatch_logs = CloudWatchLogsSink() if cloudwatch_logs else None
        sinks = list(line_sinks or []) + ([self.cloudwatch_logs] if self.cloudwatch_logs else [])
        self.lifecycle = Lifecycle(self.config, self.lock, endpoint_url=lambda: self.endpoint_url,
                                   line_sinks=sinks)
        self._server: BaseWSGIServer | None = None
        self._live_tail: LiveTailMiddleware | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LocalEmr is not started")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalEmr:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        class QuietHandler(MotoRequestHandler):
            """Request lines are logged by the middleware (with the operation name) if at all."""

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        log = (lambda line: print(f"local_emr {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)) if self.log_requests else None
        if not LocalEmr._patched_by:
            s3_policy.install()
            moto_fixes.install()
        LocalEmr._patched_by.add(id(self))
        self._live_tail = LiveTailMiddleware(DomainDispatcherApplication(create_backend_app),
                                             self.config.live_tail_session_seconds, self.config.live_tail_max_sessions)
        app = PricingMiddleware(EmrMiddleware(self._live_tail, self.lifecycle, log=log))
        self._server = make_server(self.host, self.requested_port, app, threaded=True,
                                   request_handler=QuietHandler)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="local-emr-http", daemon=True)
        self._thread.start()
        if self.cloudwatch_logs is not None:
            self.cloudwatch_logs.start()
        self.lifecycle.start()
        return self

    def stop(self) -> None:
        """Kill step processes, stop the scheduler and the HTTP server, release the port."""
        self.lifecycle.stop()
        if self._live_tail is not None:
            self._live_tail.live_tail.stop()  # Live Tail streams end; their request threads return
        if self.cloudwatch_logs is not None:
            self.cloudwatch_logs.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None
        if id(self) in LocalEmr._patched_by:
            LocalEmr._patched_by.discard(id(self))
            if not LocalEmr._patched_by:
                moto_fixes.uninstall()
                s3_policy.uninstall()

    def __enter__(self) -> LocalEmr:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
