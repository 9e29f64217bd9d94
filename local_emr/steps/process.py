"""One step's local process: its own process group, output captured line by line.

Each output line goes to a file (later gzipped to S3) and to an optional ``on_line`` hook as
soon as the process prints it, so a follower (e.g. CloudWatch Logs) can stream a RUNNING step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

LineHook = Callable[[str, str], None]
"""Called as ``on_line(stream, line)`` with stream "stdout" or "stderr", line without newline."""

STREAMS = ("stdout", "stderr")


@dataclass(frozen=True)
class ProcessResult:
    """How the process ended; ``signal`` is set when it was killed by one."""

    returncode: int
    signal: int | None
    log_paths: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class StepProcess:
    """Runs argv in a new session; ``send_signal`` hits the whole process tree."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str,
        env: Mapping[str, str],
        on_line: LineHook | None = None,
        on_exit: Callable[[ProcessResult], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self.env = dict(env)
        self.on_line = on_line
        self.on_exit = on_exit
        self.log_paths = {name: os.path.join(cwd, f"{name}.log") for name in STREAMS}
        self.result: ProcessResult | None = None
        self.done = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._readers: list[threading.Thread] = []
        self._watcher: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        """Spawn the process; raises OSError (e.g. command not found) synchronously."""
        self._proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for name, pipe in (("stdout", self._proc.stdout), ("stderr", self._proc.stderr)):
            t = threading.Thread(target=self._pump, args=(name, pipe), name=f"local-emr-{name}-{self.pid}",
                                 daemon=True)
            t.start()
            self._readers.append(t)
        self._watcher = threading.Thread(target=self._watch, name=f"local-emr-watch-{self.pid}", daemon=True)
        self._watcher.start()

    def _pump(self, name: str, pipe: object) -> None:
        """Copy lines to the log file as they come, flushing so partial logs are readable."""
        assert pipe is not None
        with open(self.log_paths[name], "wb") as out:
            for raw in iter(pipe.readline, b""):  # type: ignore[attr-defined]
                out.write(raw)
                out.flush()
                if self.on_line is not None:
                    try:
                        self.on_line(name, raw.decode("utf-8", "replace").rstrip("\r\n"))
                    except Exception:  # a broken follower must not break the step
                        pass
        pipe.close()  # type: ignore[attr-defined]

    def _watch(self) -> None:
        assert self._proc is not None
        code = self._proc.wait()
        # Orphans of the step (daemons, grandchildren) go with it, and release our pipes.
        self._signal_group(signal.SIGKILL)
        for t in self._readers:
            t.join(timeout=5)
        self.result = ProcessResult(
            returncode=code, signal=-code if code < 0 else None, log_paths=self.log_paths
        )
        try:
            if self.on_exit is not None:
                self.on_exit(self.result)
        finally:
            self.done.set()

    def _signal_group(self, sig: int) -> bool:
        if self._proc is None:
            return False
        try:
            os.killpg(self._proc.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def send_signal(self, sig: int) -> bool:
        """Signal the process group; False when it is already gone."""
        if self._proc is None or self._proc.poll() is not None:
            return False
        return self._signal_group(sig)

    def terminate_tree(self, grace_seconds: float) -> None:
        """SIGTERM, then SIGKILL after ``grace_seconds``; waits until the watcher finished."""
        if self.send_signal(signal.SIGTERM):
            deadline = time.monotonic() + grace_seconds
            while self._proc is not None and self._proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
        self.send_signal(signal.SIGKILL)
        self.done.wait(timeout=grace_seconds + 10)
