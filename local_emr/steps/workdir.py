"""One step's directory: where it runs (like a YARN container), its S3 mirror, its logs.

    <root>/stdout.log, stderr.log, controller.log    what the step printed (shipped to S3 at the end)
    <root>/container/                              the process's cwd: ``--files`` and ``--archives``
    <root>/s3/<bucket>/<key>                       the mirror of every s3:// argument (s3a/, s3n/ alike)

EMRFS lets Spark on EMR read and write ``s3://`` paths. Local Spark cannot, so every s3:// argument
stands for its mirror path: the object, or every object under ``key/`` (a "directory"), or under
the fixed part of a glob, is copied from the emulator's S3 first. When the step ends, files created
or changed under the mirror are uploaded back and files it deleted are deleted (Hadoop's
``.<name>.crc`` checksum files stay local), so the next step finds ``out/part-*`` and ``_SUCCESS``.
A missing input is simply absent from the mirror: Spark fails the way it fails on EMR, and
``rewrite`` turns mirror paths in every output line back into their s3:// URIs.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..s3_io import S3_SCHEMES, S3Store, S3Uri
from .command import Resource, StepCommandError

GLOB_CHARS = "*?[{"
STREAMS = ("stdout", "stderr")
# What YARN unpacks, by file name (FSDownload.unpack); anything else is linked as it is.
ZIP_SUFFIXES = (".zip", ".jar")
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")


# ---- pure rules ------------------------------------------------------------------------------

def mirror_path(root: str, uri: str) -> str | None:
    """``s3://b/k/x`` -> ``<root>/s3/b/k/x`` (a trailing "/" is kept); None for anything else."""
    loc = S3Uri.parse(uri)
    if loc is None:
        return None
    scheme = uri.split(":", 1)[0]
    parts = [p for p in loc.key.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    path = os.path.join(root, scheme, loc.bucket, *parts)
    return path + "/" if loc.key.endswith("/") or not parts else path


def mirror_prefixes(key: str) -> tuple[str | None, str]:
    """(object key to copy, prefix whose objects to copy) for the key part of an s3:// argument.

    ``data/x.json`` -> ("data/x.json", "data/x.json/"); ``out/`` -> (None, "out/");
    ``in/2024-*/x`` -> (None, "in/"): a glob copies everything under its fixed directory.
    """
    glob_at = min((key.index(c) for c in GLOB_CHARS if c in key), default=-1)
    if glob_at >= 0:
        return None, key[: key.rfind("/", 0, glob_at) + 1]
    if not key or key.endswith("/"):
        return None, key
    return key, key + "/"


def uri_of(root: str, path: str) -> str | None:
    """The s3:// URI a mirror file stands for; None outside the mirror."""
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    if len(parts) < 3 or parts[0] not in S3_SCHEMES:
        return None
    return f"{parts[0]}://{parts[1]}/{'/'.join(parts[2:])}"


def is_checksum_file(name: str) -> bool:
    """Hadoop's local file system writes ``.<name>.crc`` beside each file; EMRFS does not."""
    return name.startswith(".") and name.endswith(".crc")


def path_rewriter(roots: Iterable[str]) -> Callable[[str], str]:
    """Mirror paths (bare, ``file:/`` or ``file:///``) in a line become the s3:// URIs they stand for."""
    alternatives = "|".join(re.escape(r.rstrip("/")) for r in sorted(set(roots), key=len, reverse=True))
    pattern = re.compile(rf"(?:file:(?://)?)?(?:{alternatives})/({'|'.join(S3_SCHEMES)})/")
    return lambda line: pattern.sub(lambda m: f"{m.group(1)}://", line) if "/" in line else line


@dataclass(frozen=True)
class Change:
    action: str  # "upload" or "delete"
    uri: str


Snapshot = dict[str, tuple[int, int]]
"""``{path: (size, mtime_ns)}`` of every mirror file."""


def mirror_changes(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """(paths to upload, paths to delete): what the step created or changed, what it deleted."""
    return ([p for p, stat in sorted(after.items()) if before.get(p) != stat],
            [p for p in sorted(before) if p not in after])


def archive_kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(ZIP_SUFFIXES):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    return None


def safe_extract_tar(archive: tarfile.TarFile, target: str) -> None:
    """Members may not leave ``target`` (tarfile's "data" filter where this Python has it)."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(target, filter="data")
        return
    root = os.path.realpath(target)
    for member in archive.getmembers():
        if member.issym() or member.islnk() or \
                not os.path.realpath(os.path.join(root, member.name)).startswith(root + os.sep):
            raise tarfile.TarError(f"refusing to extract {member.name!r}")
    archive.extractall(target)


# ---- the directory ---------------------------------------------------------------------------

class StepWorkdir:
    """Created before the step starts; ``finish()`` after it ended; ``remove()`` last."""

    def __init__(self, root: str, store: S3Store) -> None:
        self.root = root
        self.store = store
        self.cwd = os.path.join(root, "container")
        os.makedirs(self.cwd, exist_ok=True)
        self.log_paths = {name: os.path.join(root, f"{name}.log") for name in STREAMS}
        self.controller_log = os.path.join(root, "controller.log")
        self.rewrite = path_rewriter({root, os.path.realpath(root)})
        self._snapshot: Snapshot | None = None  # set by seal()
        self.notes: list[str] = []

    @classmethod
    def create(cls, parent: str | None, step_id: str, store: S3Store) -> StepWorkdir:
        return cls(tempfile.mkdtemp(prefix=f"local-emr-{step_id}-", dir=parent), store)

    # ---- before the step -------------------------------------------------------------------

    def local_path(self, uri: str) -> str | None:
        """The ``Fetch`` of steps.command: the mirror path of ``uri``, filled from the emulator's S3."""
        path = mirror_path(self.root, uri)
        loc = S3Uri.parse(uri)
        if path is None or loc is None:
            return None
        key, prefix = mirror_prefixes(loc.key)
        if key is not None and (data := self.store.get(str(S3Uri(loc.bucket, key)))) is not None:
            self._write(path, data)
        for name in self.store.keys_under(loc.bucket, prefix):
            target = mirror_path(self.root, f"{uri.split(':', 1)[0]}://{loc.bucket}/{name}")
            if target is None:
                continue
            if name.endswith("/"):  # a "folder" marker object
                os.makedirs(target, exist_ok=True)
            elif (data := self.store.get(str(S3Uri(loc.bucket, name)))) is not None:
                self._write(target, data)
        return path

    def _write(self, path: str, data: bytes) -> None:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:  # e.g. both "a" and "a/b" exist in S3: a file cannot be a directory here
            self.notes.append(f"local_emr: cannot mirror {path}: {exc}")

    def localize(self, resources: Sequence[Resource]) -> None:
        """Put ``--files`` into the working directory and unpack ``--archives`` into ``<name>/``."""
        staging = os.path.join(self.root, "resources")
        for resource in resources:
            source = self._read_resource(resource.source)
            target = os.path.join(self.cwd, resource.name)
            if resource.kind == "file":
                shutil.copyfile(source, target)
                continue
            kind = archive_kind(os.path.basename(source))
            try:
                if kind == "zip":
                    with zipfile.ZipFile(source) as archive:
                        archive.extractall(target)
                elif kind == "tar":
                    with tarfile.open(source) as archive:
                        safe_extract_tar(archive, target)
                else:  # YARN links a file it cannot unpack as it is
                    shutil.copyfile(source, target)
            except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
                raise StepCommandError(f"cannot unpack {resource.source}: {exc}") from exc
        shutil.rmtree(staging, ignore_errors=True)

    def _read_resource(self, source: str) -> str:
        """A local copy of a resource; a missing one fails the step before it starts, as spark-submit does."""
        loc = S3Uri.parse(source)
        if loc is not None:
            data = self.store.get(source)
            if data is None:
                # Hadoop FileSystem's wording for a missing file; EMRFS's exact text is a guess.
                raise StepCommandError(f"java.io.FileNotFoundException: File {source} does not exist")
            staging = os.path.join(self.root, "resources")
            os.makedirs(staging, exist_ok=True)
            path = os.path.join(staging, os.path.basename(loc.key.rstrip("/")) or "resource")
            with open(path, "wb") as fh:
                fh.write(data)
            return path
        path = source[len("file:"):] if source.startswith("file:") else source
        path = os.path.join(self.cwd, path) if not os.path.isabs(path) else path
        if not os.path.isfile(path):
            raise StepCommandError(f"java.io.FileNotFoundException: File file:{path} does not exist")
        return path

    def seal(self) -> None:
        """Remember the mirror as filled, so ``finish`` writes back only what the step changed."""
        self._snapshot = dict(self._scan())

    # ---- after the step --------------------------------------------------------------------

    def _scan(self) -> Iterator[tuple[str, tuple[int, int]]]:
        for scheme in S3_SCHEMES:
            for folder, _, names in os.walk(os.path.join(self.root, scheme)):
                for name in names:
                    if is_checksum_file(name):
                        continue
                    path = os.path.join(folder, name)
                    try:
                        stat = os.stat(path)
                    except OSError:
                        continue
                    yield path, (stat.st_size, stat.st_mtime_ns)

    def write_back(self) -> list[Change]:
        """Upload what the step created or changed under the mirror; delete what it deleted."""
        if self._snapshot is None:  # the step never started: nothing of the mirror is its work
            return []
        uploads, deletes = mirror_changes(self._snapshot, dict(self._scan()))
        done = []
        for action, path in [("upload", p) for p in uploads] + [("delete", p) for p in deletes]:
            uri = uri_of(self.root, path)
            loc = S3Uri.parse(uri) if uri else None
            if uri is None or loc is None:
                continue
            if action == "delete":
                self.store.delete(loc)
            elif not self.store.put_file(loc, path):
                self.notes.append(f"local_emr: cannot write {uri}: bucket {loc.bucket} does not exist")
                continue
            done.append(Change(action, uri))
        return done

    def rewrite_logs(self) -> None:
        """Mirror paths in the captured logs become s3:// URIs (the lines sent live were rewritten already)."""
        for path in self.log_paths.values():
            if not os.path.exists(path):
                continue
            tmp = path + ".tmp"
            with open(path, encoding="utf-8", errors="surrogateescape", newline="") as src, \
                    open(tmp, "w", encoding="utf-8", errors="surrogateescape", newline="") as dst:
                for line in src:
                    dst.write(self.rewrite(line))
            os.replace(tmp, path)

    def finish(self) -> list[Change]:
        """Write the mirror back and rewrite the logs; returns what was written back."""
        changes = self.write_back()
        self.rewrite_logs()
        return changes

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
