"""One aws provider process for a sequence of terraform commands, with its pure answers answered once.

Terraform starts the aws provider afresh for every command (several times per command), and every start
answers ValidateProviderConfig (``PrepareProviderConfig`` in protocol 5) by validating the internal schema of
all ~1,500 resource types: about 4 s of CPU, twice per ``plan``. The suite runs dozens of terraform commands on
2 cores, so that repeated work was most of its terraform time.

``SharedProvider`` starts the provider from the mirror once, in go-plugin's debug ("reattach") mode, and puts a
small gRPC relay in front of it. Terraform reaches the relay through ``TF_REATTACH_PROVIDERS`` (a documented
Terraform CLI variable for providers it should not start itself). The relay passes every call through unchanged
and keeps only the answers that are a pure function of their request bytes: the schema, the metadata and the
validation of one provider configuration. Everything else (configure, plan, apply, read, import) reaches the
provider every time, so terraform and the provider still decide every resource as in a plain run.

Measured on emr-minimal (2 cores): ``terraform plan`` took 11 s of wall time and 12.5 s of provider CPU per
command; behind the relay 3.5 s and 1.4 s after the first command.

The relay leans on the provider's ``-debug`` reattach line and go-plugin's method names, which a provider upgrade
may change. ``EMR_SHARED_PROVIDER=0`` (``OFF_SWITCH``) turns it off: ``SharedProvider`` then starts nothing and
terraform starts its own providers, slower but as in a plain run.

One shared provider serves one sequence of commands at a time: terraform configures the provider at the start of
each command, so two commands running at once with different provider blocks would overwrite each other's
settings. Give each concurrent deployment its own.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
from concurrent import futures
from pathlib import Path
from typing import Mapping, Optional

import grpc

from scripts.terraform import PLUGIN_DIR

PROVIDER = "registry.terraform.io/hashicorp/aws"
OFF_SWITCH = "EMR_SHARED_PROVIDER"


def relay_enabled(env: Optional[Mapping[str, str]] = None) -> bool:
    """False when ``EMR_SHARED_PROVIDER`` is 0, off or false."""
    return (env if env is not None else os.environ).get(OFF_SWITCH, "1").strip().lower() not in ("0", "off", "false")
# Answers that depend on the request bytes alone (protocol 5 names, then protocol 6).
PURE_METHODS = frozenset({
    "/tfplugin5.Provider/GetSchema", "/tfplugin5.Provider/GetMetadata", "/tfplugin5.Provider/PrepareProviderConfig",
    "/tfplugin5.Provider/GetResourceIdentitySchemas",
    "/tfplugin6.Provider/GetProviderSchema", "/tfplugin6.Provider/GetMetadata",
    "/tfplugin6.Provider/ValidateProviderConfig", "/tfplugin6.Provider/GetResourceIdentitySchemas",
})
_UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
_REATTACH = re.compile(r"TF_REATTACH_PROVIDERS='(?P<config>[^']+)'")
# The provider configures its HTTP client once per process: with AWS_CA_BUNDLE set, the second configure fails
# ("unable to add custom RootCAs HTTPClient"). Tests never reach AWS, so the bundle is not passed on.
_DROPPED_ENV = ("AWS_CA_BUNDLE", "TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PATH")


def provider_binary(plugin_dir: Path = PLUGIN_DIR) -> Path:
    """The newest hashicorp/aws provider in the mirror."""
    found = sorted(plugin_dir.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*"),
                   key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.parent.parent.name)))
    if not found:
        raise FileNotFoundError(f"no hashicorp/aws provider under {plugin_dir}")
    return found[-1]


def _tied(upstream: grpc.Call, context: grpc.ServicerContext) -> grpc.Call:
    """An upstream stream cancelled when terraform's end of it goes away. These streams last as long as the
    command; left open, each would hold a relay thread for good, and the relay hangs after about 16 commands."""
    context.add_callback(upstream.cancel)
    return upstream


class _Relay(grpc.GenericRpcHandler):
    """Passes every call to the provider; answers a repeated pure call from memory."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        self.answers: dict[tuple[str, bytes], bytes] = {}
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def service(self, details: grpc.HandlerCallDetails) -> Optional[grpc.RpcMethodHandler]:
        method = details.method
        if method == "/plugin.GRPCStdio/StreamStdio":
            upstream_stream = self.channel.unary_stream(method)
            return grpc.unary_stream_rpc_method_handler(
                lambda request, context: _tied(upstream_stream(request), context))
        if method == "/plugin.GRPCBroker/StartStream":
            upstream_bidi = self.channel.stream_stream(method)
            return grpc.stream_stream_rpc_method_handler(
                lambda requests, context: _tied(upstream_bidi(requests), context))
        upstream = self.channel.unary_unary(method)

        def call(request: bytes, context: grpc.ServicerContext) -> bytes:
            with self.lock:
                self.calls[method] = self.calls.get(method, 0) + 1
                known = self.answers.get((method, request))
            if known is not None:
                return known
            try:
                answer = upstream(request, metadata=context.invocation_metadata())
            except grpc.RpcError as exc:
                context.abort(exc.code(), exc.details() or "")
            if method in PURE_METHODS:
                with self.lock:
                    self.answers[(method, request)] = answer
            return answer

        return grpc.unary_unary_rpc_method_handler(call)


class SharedProvider:
    """``with SharedProvider() as provider: env.update(provider.env())`` then run terraform commands in turn."""

    def __init__(self, binary: Optional[Path] = None, env: Optional[Mapping[str, str]] = None,
                 start_timeout: float = 60.0) -> None:
        self.binary = binary or provider_binary()
        self.base_env = dict(env if env is not None else os.environ)
        self.start_timeout = start_timeout
        self.process: Optional[subprocess.Popen[str]] = None
        self.relay: Optional[_Relay] = None
        self._server: Optional[grpc.Server] = None
        self._channel: Optional[grpc.Channel] = None
        self._socket_dir: Optional[tempfile.TemporaryDirectory[str]] = None
        self._reattach = ""

    def __enter__(self) -> "SharedProvider":
        if not relay_enabled(self.base_env):
            return self  # env() is empty: terraform starts its own providers
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def env(self) -> dict[str, str]:
        """What terraform needs to use this provider instead of starting its own (nothing when it is off)."""
        return {"TF_REATTACH_PROVIDERS": self._reattach} if self._reattach else {}

    def _start(self) -> None:
        env = {k: v for k, v in self.base_env.items() if k not in _DROPPED_ENV}
        self.process = subprocess.Popen([str(self.binary), "-debug"], env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        config = self._read_reattach_config(self.process)
        threading.Thread(target=_drain, args=(self.process,), daemon=True, name="tf-provider-output").start()
        (entry,) = config.values()
        self._channel = grpc.insecure_channel(f"unix:{entry['Addr']['String']}", options=_UNLIMITED)
        grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
        self.relay = _Relay(self._channel)
        self._socket_dir = tempfile.TemporaryDirectory(prefix="tf-relay-")
        socket = os.path.join(self._socket_dir.name, "provider.sock")
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="tf-relay"),
                                   options=_UNLIMITED)
        self._server.add_generic_rpc_handlers([self.relay])
        self._server.add_insecure_port(f"unix:{socket}")
        self._server.start()
        entry["Addr"]["String"] = socket
        self._reattach = json.dumps({PROVIDER: entry})

    def _read_reattach_config(self, process: subprocess.Popen[str]) -> dict:
        timer = threading.Timer(self.start_timeout, process.kill)
        timer.start()
        seen: list[str] = []
        try:
            assert process.stdout is not None
            for line in process.stdout:
                seen.append(line)
                found = _REATTACH.search(line)
                if found:
                    return json.loads(found.group("config"))
        finally:
            timer.cancel()
        raise RuntimeError(f"{self.binary.name} -debug printed no TF_REATTACH_PROVIDERS:\n{''.join(seen[-20:])}")

    def close(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._socket_dir is not None:
            self._socket_dir.cleanup()
            self._socket_dir = None


def _drain(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    for _ in process.stdout:
        pass
