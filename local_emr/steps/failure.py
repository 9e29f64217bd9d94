"""Pure helpers for a failed step's FailureDetails (no I/O beyond reading a log tail)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

UNKNOWN_REASON = "Unknown Error."
_ERROR_LINE = re.compile(
    r"^(?:[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b|Exception in thread|Error:|error:)"
)


def last_error_line(lines: Iterable[str]) -> str | None:
    """The last line that looks like an exception (a Python traceback's final line, a JVM error)."""
    found = None
    for line in lines:
        text = line.strip()
        if text and _ERROR_LINE.match(text):
            found = text
    return found[:1000] if found else None


def read_tail(path: str, max_bytes: int = 256 * 1024) -> list[str]:
    """The last lines of a log file (missing file -> no lines)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            return fh.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []


def exit_message(returncode: int) -> str:
    """EMR's wording for command-runner exits, plus the signal when the process was killed."""
    if returncode < 0:
        return f"Command was killed by signal {-returncode}"
    return f"Command exited with return code {returncode}"


def failure_details(returncode: int, stderr_lines: Iterable[str], log_file: str | None,
                    stdout_lines: Iterable[str] = (), stdout_log_file: str | None = None) -> dict[str, str]:
    """EMR's FailureDetails (API FailureDetails: Reason "Unknown Error" when the root cause is not found;
    LogFile "the path to the log file where the step failure root cause was originally recorded",
    https://docs.aws.amazon.com/emr/latest/APIReference/API_FailureDetails.html). The cause may be in
    stderr or, for PySpark (whose PythonRunner merges the Python driver's stderr into stdout), in stdout."""
    reason, where = last_error_line(stderr_lines), log_file
    if reason is None:
        reason = last_error_line(stdout_lines)
        where = stdout_log_file if reason is not None else log_file
    details = {"Reason": reason or UNKNOWN_REASON, "Message": exit_message(returncode)}
    if where:
        details["LogFile"] = where
    return details
