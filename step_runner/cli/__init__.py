"""`emr-steps` / `python -m step_runner`: parses, wires, prints and maps exit codes; the library decides.

The only module that knows about exit codes, signals, stdout and the wall clock. Everything that can be
checked without AWS (arguments, the spec, the run id, the output and state paths) is checked before the
first AWS call; every error ends as one line on stderr and its exit code, and `--json` always prints
exactly one JSON object on stdout (the last line, with `--follow`).

shell.py holds what both commands share (Deps, the exit codes, the guard); run_inputs.py and run_command.py
are `emr-steps SPEC`, explain_command.py is `emr-steps explain`.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

from .explain_command import explain
from .run_command import run_spec
from .shell import (Deps, EXIT_ABANDONED, EXIT_AWS_ERROR, EXIT_BAD_INPUT, EXIT_CANCELLED, EXIT_CLUSTER_DIED,
                    EXIT_CODES, EXIT_INTERNAL, EXIT_OK, EXIT_READER_GONE, EXIT_STEP_FAILED, EXIT_TIMEOUT,
                    reader_gone)


def main(argv: Sequence[str] | None = None, deps: Deps | None = None) -> int:
    deps = deps or Deps()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return explain(args[1:], deps) if args[:1] == ["explain"] else run_spec(args, deps)
    except BrokenPipeError:
        return reader_gone(deps)


__all__ = ["Deps", "main", "EXIT_ABANDONED", "EXIT_AWS_ERROR", "EXIT_BAD_INPUT", "EXIT_CANCELLED", "EXIT_CLUSTER_DIED",
           "EXIT_CODES", "EXIT_INTERNAL", "EXIT_OK", "EXIT_READER_GONE", "EXIT_STEP_FAILED", "EXIT_TIMEOUT"]
