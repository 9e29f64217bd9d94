"""Pure rules of a step's working directory: spark-submit translation, the S3 mirror, path rewriting.

No processes, no server: ``StepWorkdir`` runs against a dict standing in for the emulator's S3.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from local_emr.s3_io import S3Uri
from local_emr.steps.command import (
    Resource,
    StepCommandError,
    build_command,
    localize_spark_args,
    parse_resource,
    spark_submit_command,
    split_spark_submit,
    take_resources,
)
from local_emr.steps.workdir import (
    StepWorkdir,
    archive_kind,
    is_checksum_file,
    mirror_changes,
    mirror_path,
    mirror_prefixes,
    path_rewriter,
    uri_of,
)


class DictStore:
    """The three calls StepWorkdir makes on ``S3Store``, over ``{"bucket/key": bytes}``."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = dict(objects)

    def get(self, uri: str) -> bytes | None:
        loc = S3Uri.parse(uri)
        return self.objects.get(f"{loc.bucket}/{loc.key}") if loc else None

    def keys_under(self, bucket: str, prefix: str) -> list[str]:
        return sorted(k.split("/", 1)[1] for k in self.objects if k.startswith(f"{bucket}/{prefix}"))

    def put_file(self, uri: S3Uri, path: str) -> bool:
        if uri.bucket == "no-such-bucket":
            return False
        self.objects[f"{uri.bucket}/{uri.key}"] = Path(path).read_bytes()
        return True

    def delete(self, uri: S3Uri) -> None:
        self.objects.pop(f"{uri.bucket}/{uri.key}", None)


# ---- spark-submit ---------------------------------------------------------------------------------

def test_spark_submit_options_end_at_the_application() -> None:
    args = ["--conf", "a=b", "--verbose", "--files", "x", "app.py", "--master", "yarn", "--files", "y"]
    assert split_spark_submit(args) == (["--conf", "a=b", "--verbose", "--files", "x"],
                                        ["app.py", "--master", "yarn", "--files", "y"])
    assert localize_spark_args(args) == ["--master", "local[*]", *args]  # the app's own --master stays


def test_resources_keep_their_alias_or_take_the_file_name() -> None:
    assert parse_resource("archive", "s3://b/res.zip#examples") == Resource("archive", "s3://b/res.zip", "examples")
    assert parse_resource("file", "s3://b/conf/app.conf") == Resource("file", "s3://b/conf/app.conf", "app.conf")
    assert parse_resource("file", "/local/x.txt#y.txt") == Resource("file", "/local/x.txt", "y.txt")
    with pytest.raises(StepCommandError, match="link name"):
        parse_resource("file", "s3://b/x#../escape")
    rest, found = take_resources(["--files=s3://b/a.txt,s3://b/b.txt#bee", "--archives", "s3://b/r.tgz", "--name", "n"])
    assert rest == ["--name", "n"]
    assert [(r.kind, r.name) for r in found] == [("file", "a.txt"), ("file", "bee"), ("archive", "r.tgz")]


def test_spark_submit_drops_archives_and_passes_files_by_link_name() -> None:
    mirror = {"s3://b/app.py": "/w/s3/b/app.py", "s3://b/dep.zip": "/w/s3/b/dep.zip", "s3://b/out/": "/w/s3/b/out/"}
    command = spark_submit_command("/opt/spark-submit", [
        "--deploy-mode", "cluster", "--conf", "spark.yarn.dist.files=s3://b/x,s3://b/y", "--py-files", "s3://b/dep.zip",
        "--files", "s3://b/x.txt#alias.txt", "--archives", "s3://b/res.zip#examples",
        "s3://b/app.py", "s3://b/out/", "--files", "app-arg"], mirror.get)
    assert command.argv == [
        "/opt/spark-submit", "--master", "local[*]", "--conf", "spark.yarn.dist.files=s3://b/x,s3://b/y",
        "--py-files", "/w/s3/b/dep.zip", "--files", "alias.txt",
        "/w/s3/b/app.py", "/w/s3/b/out/", "--files", "app-arg"]
    assert command.resources == (Resource("file", "s3://b/x.txt", "alias.txt"),
                                 Resource("archive", "s3://b/res.zip", "examples"))


def test_the_aws_cli_keeps_its_s3_uris() -> None:
    def mirror(uri: str) -> str:
        return "/w/s3/" + uri[5:]

    assert build_command("command-runner.jar", ["aws", "s3", "cp", "s3://b/x", "."], None, fetch=mirror).argv == \
        ["aws", "s3", "cp", "s3://b/x", "."]
    assert build_command("command-runner.jar", ["python3", "s3://b/job.py", "s3://b/out/"], None,
                         fetch=mirror).argv == ["python3", "/w/s3/b/job.py", "/w/s3/b/out/"]


# ---- the mirror -----------------------------------------------------------------------------------

def test_mirror_paths_keep_scheme_bucket_key_and_trailing_slash() -> None:
    assert mirror_path("/w", "s3://b/k/x.json") == "/w/s3/b/k/x.json"
    assert mirror_path("/w", "s3://b/out/") == "/w/s3/b/out/"
    assert mirror_path("/w", "s3a://b/k") == "/w/s3a/b/k"
    assert mirror_path("/w", "s3://b") == "/w/s3/b/"
    assert mirror_path("/w", "s3://b/../../etc/passwd") is None
    assert mirror_path("/w", "hdfs:///x") is None
    assert uri_of("/w", "/w/s3/b/out/part-0") == "s3://b/out/part-0"
    assert uri_of("/w", "/w/container/x") is None


def test_what_an_argument_copies_from_s3() -> None:
    assert mirror_prefixes("data/x.json") == ("data/x.json", "data/x.json/")
    assert mirror_prefixes("out/") == (None, "out/")
    assert mirror_prefixes("") == (None, "")
    assert mirror_prefixes("in/2024-*/part-*.json") == (None, "in/")
    assert mirror_prefixes("logs[0-9]") == (None, "")


def test_mirror_paths_in_output_lines_become_s3_uris() -> None:
    rewrite = path_rewriter({"/tmp/w1", "/private/tmp/w1"})
    assert rewrite("[PATH_NOT_FOUND] Path does not exist: file:/tmp/w1/s3/b/missing.") == \
        "[PATH_NOT_FOUND] Path does not exist: s3://b/missing."
    assert rewrite("reading file:///private/tmp/w1/s3a/b/k and /tmp/w1/s3/b/x,/tmp/w1/s3n/c/y") == \
        "reading s3a://b/k and s3://b/x,s3n://c/y"
    assert rewrite("cwd /tmp/w1/container/x and /tmp/w10/s3/b/k") == "cwd /tmp/w1/container/x and /tmp/w10/s3/b/k"


def test_write_back_is_what_changed_minus_checksums() -> None:
    before = {"/w/s3/b/in/a": (1, 10), "/w/s3/b/in/b": (1, 10), "/w/s3/b/old/x": (1, 10)}
    after = {"/w/s3/b/in/a": (1, 10), "/w/s3/b/in/b": (2, 11), "/w/s3/b/out/part-0": (5, 12)}
    assert mirror_changes(before, after) == (["/w/s3/b/in/b", "/w/s3/b/out/part-0"], ["/w/s3/b/old/x"])
    assert is_checksum_file(".part-0.crc") and is_checksum_file("._SUCCESS.crc")
    assert not is_checksum_file("part-0.crc") and not is_checksum_file("_SUCCESS")


def test_step_sees_prefixes_and_writes_back(tmp_path: Path) -> None:
    store = DictStore({"b/in/a.json": b"a", "b/in/sub/b.json": b"b", "b/in.json": b"x", "b/old/part-0": b"old",
                       "b/folder/": b""})
    work = StepWorkdir(str(tmp_path / "w"), store)  # type: ignore[arg-type]
    directory = work.local_path("s3://b/in/")
    assert directory == os.path.join(work.root, "s3", "b", "in") + "/"
    assert sorted(p.name for p in Path(directory).rglob("*.json")) == ["a.json", "b.json"]
    assert Path(work.local_path("s3://b/in")).is_dir()  # no object "in": the prefix in/ is the directory
    assert Path(work.local_path("s3://b/in.json")).read_bytes() == b"x"
    assert not Path(work.local_path("s3://b/missing/")).exists()
    assert Path(work.local_path("s3://b/folder/")).is_dir()
    old = Path(work.local_path("s3://b/old/"))
    work.seal()

    out = Path(work.local_path("s3://b/out/"))
    out.mkdir(parents=True)
    (out / "part-00000").write_text("rows")
    (out / ".part-00000.crc").write_text("crc")
    (out / "_SUCCESS").write_text("")
    (old / "part-0").unlink()
    Path(directory, "a.json").write_text("changed")
    changes = work.write_back()
    assert sorted((c.action, c.uri) for c in changes) == [
        ("delete", "s3://b/old/part-0"), ("upload", "s3://b/in/a.json"), ("upload", "s3://b/out/_SUCCESS"),
        ("upload", "s3://b/out/part-00000")]
    assert store.objects["b/out/part-00000"] == b"rows" and "b/out/.part-00000.crc" not in store.objects
    assert "b/old/part-0" not in store.objects and store.objects["b/in/a.json"] == b"changed"


def test_write_back_does_nothing_for_a_step_that_never_started(tmp_path: Path) -> None:
    store = DictStore({"b/in/a": b"a"})
    work = StepWorkdir(str(tmp_path / "w"), store)  # type: ignore[arg-type]
    work.local_path("s3://b/in/")
    assert work.write_back() == []


def _zip(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buf.getvalue()


def _tgz(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, text in entries.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_files_and_archives_land_in_the_working_directory_like_yarn(tmp_path: Path) -> None:
    local = tmp_path / "local.conf"
    local.write_text("local")
    store = DictStore({
        "b/res.zip": _zip({"src/main/resources/people.json": "{}"}),
        "b/deps.tgz": _tgz({"lib/x.py": "x = 1"}),
        "b/tool.jar": _zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n"}),
        "b/blob.bin": b"raw", "b/x.txt": b"hello",
    })
    work = StepWorkdir(str(tmp_path / "w"), store)  # type: ignore[arg-type]
    work.localize([Resource("archive", "s3://b/res.zip", "examples"),
                   Resource("archive", "s3://b/deps.tgz", "deps.tgz"),
                   Resource("archive", "s3://b/tool.jar", "tool"), Resource("archive", "s3://b/blob.bin", "blob"),
                   Resource("file", "s3://b/x.txt", "alias.txt"), Resource("file", str(local), "local.conf")])
    cwd = Path(work.cwd)
    assert (cwd / "examples/src/main/resources/people.json").read_text() == "{}"
    assert (cwd / "deps.tgz/lib/x.py").read_text() == "x = 1"
    assert (cwd / "tool/META-INF/MANIFEST.MF").exists()
    assert (cwd / "blob").read_bytes() == b"raw"  # YARN cannot unpack it: linked as it is
    assert (cwd / "alias.txt").read_text() == "hello" and (cwd / "local.conf").read_text() == "local"
    assert sorted(os.listdir(work.root)) == ["container"]  # no staging left behind
    assert archive_kind("A.TAR.GZ") == "tar" and archive_kind("x.gz") is None


def test_a_missing_resource_or_a_bad_archive_fails_the_step(tmp_path: Path) -> None:
    store = DictStore({"b/bad.zip": b"not a zip", "b/evil.tgz": _tgz({"../../escape.txt": "x"})})
    work = StepWorkdir(str(tmp_path / "w"), store)  # type: ignore[arg-type]
    with pytest.raises(StepCommandError, match=r"^java.io.FileNotFoundException: File s3://b/nope.txt does not exist$"):
        work.localize([Resource("file", "s3://b/nope.txt", "nope.txt")])
    with pytest.raises(StepCommandError, match="cannot unpack s3://b/bad.zip"):
        work.localize([Resource("archive", "s3://b/bad.zip", "bad")])
    with pytest.raises(StepCommandError, match="cannot unpack s3://b/evil.tgz"):
        work.localize([Resource("archive", "s3://b/evil.tgz", "evil")])
    assert not (tmp_path / "escape.txt").exists()
