"""What both commands share: their dependencies (``Deps``), the exit codes, the parser that raises instead of
exiting, and the one guard that turns an error into a line on stderr and its exit code."""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NoReturn, TextIO, TypeVar

from ..aws.cloudwatch_logs import make_logs_client
from ..aws.emr_adapter import make_clients, make_submit_client
from ..diagnosis.triage import triage
from ..errors import (AwsCallError, ClusterDiedError, ClusterWaitTimeout, InputError, RunAbandoned, RunCancelled,
                      StepRunnerError)
from ..run.machine import RunOutcome


EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_STEP_FAILED = 3
EXIT_CANCELLED = 4
EXIT_CLUSTER_DIED = 5
EXIT_TIMEOUT = 6
EXIT_AWS_ERROR = 7
EXIT_ABANDONED = 130
EXIT_READER_GONE = 141  # 128 + SIGPIPE, as a shell reports a process killed by a closed pipe

EXIT_CODES = {
    RunOutcome.SUCCEEDED: EXIT_OK,
    RunOutcome.STEP_FAILED: EXIT_STEP_FAILED,
    RunOutcome.CANCELLED: EXIT_CANCELLED,
    RunOutcome.CLUSTER_DIED: EXIT_CLUSTER_DIED,
    RunOutcome.TIMEOUT: EXIT_TIMEOUT,
}


# The exit code of each library error a run can end with, most specific first.
_ERROR_EXIT_CODES: tuple[tuple[type[StepRunnerError], int], ...] = (
    (InputError, EXIT_BAD_INPUT),
    (ClusterDiedError, EXIT_CLUSTER_DIED),
    (ClusterWaitTimeout, EXIT_TIMEOUT),
    (RunCancelled, EXIT_CANCELLED),
    (RunAbandoned, EXIT_ABANDONED),
    (AwsCallError, EXIT_AWS_ERROR),
    (StepRunnerError, EXIT_INTERNAL),
)


@dataclass
class Deps:
    """What main() needs from the outside world; tests replace any of it."""

    make_clients: Callable[[str | None, str | None], tuple[Any, Any]] = make_clients
    make_logs_client: Callable[[str | None, str | None], Any] = make_logs_client
    # EMR client for AddJobFlowSteps alone, SDK retries off. None: the default one when make_clients is
    # the default, else submit through the make_clients EMR client (so a fake never pairs with a real one).
    make_submit_client: Callable[[str | None, str | None], Any] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None
    rand: Callable[[], float] = random.random
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    install_signals: bool = True
    # (--prices choice, --profile) -> emr_cost PriceBook; None: emr_cost's snapshot or live book
    price_book: Callable[[str, str | None], Any] | None = None

    def __post_init__(self) -> None:
        if self.make_submit_client is None and self.make_clients is make_clients:
            self.make_submit_client = make_submit_client


class RaisingParser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting, so `--json` still answers."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message} (see emr-steps --help)")


T = TypeVar("T")


def guarded(action: Callable[[], T], deps: Deps) -> tuple[T | None, int | None, Exception | None]:
    """``action``'s result, or (None, exit code, error) with the error said in one line on stderr: a
    StepRunnerError's own exit code, EXIT_INTERNAL for a bug (its traceback only with EMR_STEPS_TRACEBACK=1).
    One guard for both commands; a broken pipe and Ctrl-C go to their callers."""
    try:
        return action(), None, None
    except StepRunnerError as exc:
        _print_error(exc, deps.stderr)
        return None, next(c for kind, c in _ERROR_EXIT_CODES if isinstance(exc, kind)), exc
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug: one line, the traceback only on request
        print(f"emr-steps: internal error: {type(exc).__name__}: {exc} (please report it; set "
              "EMR_STEPS_TRACEBACK=1 for the traceback)", file=deps.stderr)
        if os.environ.get("EMR_STEPS_TRACEBACK"):
            raise
        return None, EXIT_INTERNAL, exc


def _print_error(exc: StepRunnerError, err: TextIO) -> None:
    prefix = "emr-steps: error: " if isinstance(exc, InputError) else "emr-steps: "
    print(f"{prefix}{exc}", file=err)
    if isinstance(exc, ClusterDiedError):
        hint = triage(str(exc))
        if hint:
            print(f"emr-steps: hint: {hint.text}", file=err)


def reader_gone(deps: Deps) -> int:
    """stdout's reader went away (`emr-steps explain log | head`): stop quietly, as `cat` does. Python's
    documented recipe: point stdout at devnull so the interpreter's last flush cannot fail again
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    if deps.stdout is sys.stdout:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    return EXIT_READER_GONE
