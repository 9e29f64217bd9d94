"""hadoop-streaming on the local machine: command-runner.jar's ``hadoop-streaming -files … -mapper … -reducer …
-input … -output …`` (Hadoop Streaming's documented options), over the step's S3 mirror.

The job as Hadoop Streaming runs it, in one process: every input file's lines (a directory's files, skipping
``_``- and ``.``-names as Hadoop's input formats do; ``.gz`` decompressed) go through the mapper's stdin; its
output lines are sorted by key (the text before the first tab) and go through the reducer; the result is
``part-00000`` and an empty ``_SUCCESS`` in the output directory, which must not exist yet
(FileAlreadyExistsException, as Hadoop). ``-numReduceTasks 0`` or ``-reducer NONE`` makes a map-only job (no
sort). ``-files`` are in the working directory (local_emr/steps/workdir.py links them), ``-cmdenv`` sets the
tasks' environment, ``-D`` properties are accepted and ignored. One task each: no partitioning or combiner.
"""
from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence


def _inputs(paths: Sequence[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
                yield from (os.path.join(folder, f) for f in sorted(files) if not f.startswith(("_", ".")))
        elif os.path.isfile(path):
            yield path
        else:
            raise FileNotFoundError(f"org.apache.hadoop.mapreduce.lib.input.InvalidInputException: "
                                    f"Input path does not exist: {path}")


def _read(path: str) -> bytes:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    return data if not data or data.endswith(b"\n") else data + b"\n"


def _task(command: str, data: bytes, env: dict[str, str], role: str) -> bytes:
    done = subprocess.run(command, shell=True, input=data, stdout=subprocess.PIPE, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"java.lang.RuntimeException: PipeMapRed.waitOutputThreads(): subprocess failed with "
                           f"code {done.returncode} ({role})")
    return done.stdout


def _key(line: bytes) -> bytes:
    return line.split(b"\t", 1)[0]


def run(args: argparse.Namespace) -> None:
    if os.path.exists(args.output) and os.listdir(args.output):
        raise FileExistsError(f"org.apache.hadoop.mapred.FileAlreadyExistsException: Output directory "
                              f"{args.output} already exists")
    env = dict(os.environ, **dict(kv.split("=", 1) for kv in args.cmdenv))
    data = b"".join(_read(p) for p in _inputs(args.input))
    mapped = _task(args.mapper, data, env, "mapper")
    if args.reducer and args.reducer != "NONE" and args.num_reduce_tasks != 0:
        lines = sorted(mapped.splitlines(keepends=True), key=_key)
        result = _task(args.reducer, b"".join(lines), env, "reducer")
    else:
        result = mapped
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "part-00000"), "wb") as f:
        f.write(result)
    open(os.path.join(args.output, "_SUCCESS"), "wb").close()
    print(f"INFO streaming.StreamJob: Output directory: {args.output}", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hadoop-streaming", add_help=False)
    p.add_argument("-mapper", required=True)
    p.add_argument("-reducer")
    p.add_argument("-input", action="append", required=True)
    p.add_argument("-output", required=True)
    p.add_argument("-numReduceTasks", dest="num_reduce_tasks", type=int)
    p.add_argument("-cmdenv", action="append", default=[])
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        run(parser().parse_args(argv))
    except (OSError, RuntimeError) as e:
        print("ERROR streaming.StreamJob: Job not successful!", file=sys.stderr)
        print(str(e), file=sys.stderr)  # the exception's own line, as Hadoop's stack trace starts
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
