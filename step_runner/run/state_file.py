"""The run's state file: enough to resume after a crash or Ctrl-C (`--resume <run-id>`).

ListSteps (by the run token in step names) stays the source of truth; this file records the
cluster and spec so `--resume` needs no other arguments. Writes are atomic (temp file in the same
directory, fsync, os.replace, fsync of the directory): a reader sees the old file or the new one.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ResumeError


@dataclass
class RunState:
    run_id: str
    cluster_id: str
    spec_path: str
    started_at: str
    step_ids: dict[str, list[str]] = field(default_factory=dict)
    finished: bool = False


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "emr-steps"


def state_path(state_dir: str | Path, run_id: str) -> Path:
    return Path(state_dir) / f"{run_id}.json"


def save(state: RunState, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(state), fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); skipped where a directory cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load(path: str | Path) -> RunState:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return RunState(**raw)
    except FileNotFoundError as exc:
        raise ResumeError(f"no state file {path}") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise ResumeError(f"state file {path} is unreadable: {exc}") from exc
