"""`footseg demo [--model exported/x.tflite] [--port 8000] [--host H] [--tls]`: the browser demo's server.

Routes:
    /                 live camera page (mask overlay, FPS, model ms, model switch)
    /bench            in-browser benchmark of every served model; "Save" POSTs to /api/bench
    /static/...       the pages' own JS/CSS (footseg/deploy/demo/static)
    /npm/...          LiteRT.js JavaScript and .wasm from node_modules (installed by `npm ci`)
    /models/<file>    the .tflite files
    /api/models       what the pages need to feed each model like footseg's Python does
    POST /api/bench   a browser's timings -> metrics/browser/<device>.json (the benchmark's record format)

Nothing is fetched from the internet at run time: every file the pages load comes from here.
"""

from __future__ import annotations

import argparse
import errno
import json
import mimetypes
import re
import socket
import ssl
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np

from ...errors import FootsegError, require
from ..records import PRECISIONS

STATIC_DIR = Path(__file__).parent / "static"
# The npm packages the pages import; both must be installed (core imports wasm-utils).
NPM_PACKAGES = ("@litertjs/core", "@litertjs/wasm-utils")
NPM_REQUIRED_FILES = ("@litertjs/core/dist/index.js", "@litertjs/core/wasm", "@litertjs/wasm-utils/dist/index.js")
SETUP_HINT = "run `npm ci` in the repository root (package.json pins @litertjs/core), or scripts/setup_browser.sh"
MAX_POST_BYTES = 4 << 20
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".json": "application/json",
    ".tflite": "application/octet-stream",
    ".map": "application/json",
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="the .tflite shown first (default: the first of --models-dir); its folder's other .tflite files are offered too",
    )
    parser.add_argument(
        "--models-dir", type=Path, default=Path("exported"), help="folder of .tflite files to offer (default: exported)"
    )
    parser.add_argument("--port", type=int, default=8000, help="default: 8000")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for a phone on the same Wi-Fi, with --tls)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="HTTPS with a self-signed certificate made on first use (phones give the camera only to secure origins)",
    )
    parser.add_argument(
        "--cert-dir",
        type=Path,
        default=Path(".cache/demo-tls"),
        help="where --tls keeps its certificate (default: .cache/demo-tls)",
    )
    parser.add_argument(
        "--metrics-dir",
        type=Path,
        default=Path("metrics/browser"),
        help="where /bench's Save writes <device>.json (default: metrics/browser)",
    )
    parser.add_argument(
        "--node-modules",
        type=Path,
        default=None,
        help="the node_modules folder holding @litertjs/core (default: ./node_modules, then the repository's)",
    )
    parser.add_argument(
        "--export-report",
        type=Path,
        default=Path("metrics/export.json"),
        help="export's report, for GFLOPs/params in saved records when present (default: metrics/export.json)",
    )


# ---------------------------------------------------------------------------------------------- setup


def find_node_modules(explicit: Path | None = None) -> Path:
    """The node_modules folder with LiteRT.js installed, or a FootsegError saying how to install it."""
    candidates = (
        [explicit] if explicit else [Path.cwd() / "node_modules", Path(__file__).resolve().parents[2] / "node_modules"]
    )
    for base in candidates:
        if all((base / rel).exists() for rel in NPM_REQUIRED_FILES):
            return base
    where = candidates[0]
    missing = next(rel for rel in NPM_REQUIRED_FILES if not (where / rel).exists())
    raise FootsegError(f"{where / missing}: LiteRT.js is not installed; {SETUP_HINT}")


def litertjs_version(node_modules: Path) -> str:
    try:
        return str(json.loads((node_modules / "@litertjs/core/package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


def split_name(file_name: str) -> tuple[str, str]:
    """ "nanoseg.int8.tflite" -> ("nanoseg", "int8"); a name without a known precision -> (stem, "fp32")."""
    stem = file_name[: -len(".tflite")] if file_name.endswith(".tflite") else file_name
    model, _, precision = stem.rpartition(".")
    return (model, precision) if model and precision in PRECISIONS else (stem, "fp32")


def model_info(path: Path) -> dict[str, Any]:
    """What a page needs to feed ``path`` exactly like footseg.deploy.interpreter.TFLiteModel does."""
    from ..interpreter import TFLiteModel, interpreter_available

    # Only tensor metadata is read here; litert imports faster than TensorFlow.
    model = TFLiteModel(path, interpreter="litert" if interpreter_available("litert") else "tflite")
    inp = model.interpreter.get_input_details()[0]
    out = model.interpreter.get_output_details()[0]
    in_scale, in_zero = (float(v) for v in inp["quantization"])
    out_scale, out_zero = (float(v) for v in out["quantization"])
    name, precision = split_name(path.name)
    return {
        "file": path.name,
        "url": f"/models/{path.name}",
        "model": name,
        "precision": precision,
        "size_mb": round(path.stat().st_size / 1e6, 6),
        "input_size": list(model.input_size),  # (H, W)
        "input_dtype": model.input_dtype.name,
        "input_scale": in_scale,
        "input_zero_point": in_zero,
        "input_range": model.input_range,
        "output_dtype": model.output_dtype.name,
        "output_channels": model.num_outputs,
        "output_scale": out_scale,
        "output_zero_point": out_zero,
    }


def batch_one_bytes(path: Path) -> bytes:
    """The .tflite bytes made static for LiteRT.js, which computes the same thing.

    1. Keras exports every model with shape_signature [-1,...] and LiteRT.js rejects a [1,H,W,3]
       tensor for a [-1,H,W,3] input: the -1 are set to 1 (the shapes are batch 1 already),
       written in place, so the file's layout stays as it was.
    2. With a dynamic batch the converter computes each TRANSPOSE_CONV's output_shape at run time
       (SHAPE -> STRIDED_SLICE -> PACK). When such an op makes the graph's output (LinkNet,
       MobileSeg), LiteRT.js 2.5's wasm cannot bind the output buffer, logs an error and returns
       an unwritten buffer: garbage masks with no exception. The output_shape becomes a constant
       equal to the op's (batch-1) output shape; the then-unused SHAPE ops stay, harmless.
    """
    from ai_edge_litert import schema_py_generated as schema

    data = bytearray(path.read_bytes())
    model = schema.Model.GetRootAsModel(data, 0)
    dynamic_shapes = False
    for s in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(s)
        for t in range(subgraph.TensorsLength()):
            sig = subgraph.Tensors(t).ShapeSignatureAsNumpy()  # a writable view into ``data``
            if isinstance(sig, np.ndarray) and sig.size > 0 and sig[0] == -1:
                sig[0] = 1
        for o in range(subgraph.OperatorsLength()):
            op = subgraph.Operators(o)
            code = model.OperatorCodes(op.OpcodeIndex())
            if max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) == schema.BuiltinOperator.TRANSPOSE_CONV:
                shape_tensor = subgraph.Tensors(op.Inputs(0))
                dynamic_shapes |= model.Buffers(shape_tensor.Buffer()).DataLength() == 0
    if not dynamic_shapes:
        return bytes(data)
    return _constant_transpose_conv_shapes(bytes(data), schema)


def _constant_transpose_conv_shapes(data: bytes, schema: Any) -> bytes:
    import flatbuffers

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(data, 0))
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            code = model.operatorCodes[op.opcodeIndex]
            if max(code.builtinCode, code.deprecatedBuiltinCode) != schema.BuiltinOperator.TRANSPOSE_CONV:
                continue
            if model.buffers[subgraph.tensors[op.inputs[0]].buffer].data is not None:
                continue  # already a constant
            out_shape = np.asarray(subgraph.tensors[op.outputs[0]].shape, dtype="<i4")
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(out_shape.tobytes(), dtype=np.uint8)
            model.buffers.append(buffer)
            tensor = schema.TensorT()
            tensor.shape = [int(out_shape.size)]
            tensor.type = schema.TensorType.INT32
            tensor.buffer = len(model.buffers) - 1
            tensor.name = f"footseg_demo/transpose_conv_shape_{len(subgraph.tensors)}".encode()
            subgraph.tensors.append(tensor)
            op.inputs = [len(subgraph.tensors) - 1] + [int(i) for i in op.inputs[1:]]  # a read-only numpy view
    builder = flatbuffers.Builder(len(data) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def collect_models(model: Path | None, models_dir: Path) -> list[dict[str, Any]]:
    """Info for every .tflite offered: ``model`` first, then the others of its folder (or of models_dir)."""
    if model is not None:
        require(model.exists(), f"{model}: no such file (--model)")
        require(model.is_file() and model.suffix == ".tflite", f"{model}: expected a .tflite file (--model)")
        folder = model.parent
    else:
        require(models_dir.is_dir(), f"{models_dir}: no such folder; run `dvc repro export` or pass --model")
        folder = models_dir
    # int8 first (the phone's fast path), smallest first: a sensible default to show.
    files = sorted(folder.glob("*.tflite"), key=lambda f: (split_name(f.name)[1] != "int8", f.stat().st_size, f.name))
    if model is not None:
        files = [model] + [f for f in files if f.resolve() != model.resolve()]
    require(len(files) > 0, f"{folder}: no .tflite files; run `dvc repro export` or pass --model")
    return [model_info(f) for f in files]


def ensure_certificate(cert_dir: Path, hosts: list[str]) -> tuple[Path, Path]:
    """(cert.pem, key.pem) in ``cert_dir``: a self-signed certificate for ``hosts``, made on first use."""
    import datetime
    import ipaddress

    cert_path, key_path = cert_dir / "cert.pem", cert_dir / "key.pem"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from ...io import atomic_file

    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts + ["localhost", "127.0.0.1"]):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "footseg demo (self-signed)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))  # the longest validity browsers accept
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_dir.mkdir(parents=True, exist_ok=True)
    with atomic_file(key_path) as tmp:
        tmp.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        tmp.chmod(0o600)
    with atomic_file(cert_path) as tmp:
        tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def lan_addresses() -> list[str]:
    """This machine's outward IPv4 address (for the URL a phone opens), if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for a UDP connect
            return [s.getsockname()[0]]
    except OSError:
        return []


# ---------------------------------------------------------------------------------------- bench records


def latency_stats(times_ms: list[float]) -> dict[str, float]:
    """Median/p90/mean/min like footseg.deploy.benchmark.measure_latency, from a browser's timed runs."""
    t = np.asarray(times_ms, dtype=np.float64)
    return {
        "median_ms": round(float(np.median(t)), 4),
        "p90_ms": round(float(np.percentile(t, 90)), 4),
        "mean_ms": round(float(t.mean()), 4),
        "min_ms": round(float(t.min()), 4),
        "runs": int(t.size),
    }


def device_slug(device: Any) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(device or "")).strip("-.")[:64]
    require(slug != "", f"device: a name is needed (letters, digits, . _ -), got {device!r}")
    return slug


def browser_record(
    payload: Any, models: dict[str, dict[str, Any]], export_report: dict[str, Any] | None, version: str
) -> dict[str, Any]:
    """The POSTed timings -> a record shaped like metrics/benchmark.json (device, machine, models)."""
    require(isinstance(payload, dict), "body: expected a JSON object")
    device = device_slug(payload.get("device"))
    backend = str(payload.get("backend") or "")
    require(backend in ("wasm", "webgpu"), f"backend: expected 'wasm' or 'webgpu', got {backend!r}")
    threads = payload.get("threads")
    require(isinstance(threads, int) and threads > 0, f"threads: expected a positive integer, got {threads!r}")
    results = payload.get("results")
    require(isinstance(results, list) and len(results) > 0, "results: expected a non-empty list")
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(results):
        require(isinstance(item, dict), f"results[{i}]: expected an object")
        file_name = item.get("file")
        require(file_name in models, f"results[{i}].file: {file_name!r} is not a model this server offers")
        times = item.get("times_ms")
        require(
            isinstance(times, list)
            and len(times) > 0
            and all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 <= t < 1e7 for t in times),
            f"results[{i}].times_ms: expected a non-empty list of milliseconds",
        )
        # WebGPU falls back to wasm per model, so each result names the backend it ran on.
        item_backend = item.get("backend", backend)
        require(
            item_backend in ("wasm", "webgpu"),
            f"results[{i}].backend: expected 'wasm' or 'webgpu', got {item_backend!r}",
        )
        interpreter = f"litertjs-{item_backend}"
        info = models[file_name]
        name, precision = info["model"], info["precision"]
        facts = ((export_report or {}).get("models") or {}).get(name) or {}
        flops = facts.get("flops")
        out.setdefault(name, {})[precision] = {
            "file": file_name,
            "size_mb": info["size_mb"],
            "flops": flops,
            "gflops": round(flops / 1e9, 3) if isinstance(flops, (int, float)) else None,
            "params": facts.get("params"),
            "latency": {
                interpreter: {str(threads if item_backend == "wasm" else 1): latency_stats([float(t) for t in times])}
            },
        }
    runs = max(len(item["times_ms"]) for item in results)
    return {
        "device": device,
        "source": "browser",
        "runs": runs,
        "warmup": payload.get("warmup") if isinstance(payload.get("warmup"), int) else None,
        "machine": {
            "user_agent": str(payload.get("user_agent") or "")[:400],
            "backend": backend,
            "threads": threads,
            "cores": payload.get("cores") if isinstance(payload.get("cores"), int) else None,
            "interpreters": {"litertjs": version},
        },
        "models": out,
    }


# ---------------------------------------------------------------------------------------------- server


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        models: list[dict[str, Any]],
        model_paths: dict[str, Path],
        node_modules: Path,
        metrics_dir: Path,
        export_report: dict[str, Any] | None,
    ) -> None:
        self.models = models
        self.model_paths = model_paths
        self.node_modules = node_modules
        self.metrics_dir = metrics_dir
        self.export_report = export_report
        self.version = litertjs_version(node_modules)
        self.write_lock = threading.Lock()
        self._bytes: dict[str, bytes] = {}
        super().__init__(address, DemoHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A phone that does not (yet) trust the self-signed certificate drops the TLS handshake:
        # one line, not a traceback per connection.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError)):
            sys.stderr.write(f"demo: {client_address[0]}: connection dropped ({type(exc).__name__}: {exc})\n")
            return
        super().handle_error(request, client_address)

    def model_bytes(self, file_name: str) -> bytes | None:
        """The served (batch-pinned) bytes of one offered model, made once."""
        path = self.model_paths.get(file_name)
        if path is None:
            return None
        with self.write_lock:
            if file_name not in self._bytes:
                self._bytes[file_name] = batch_one_bytes(path)
            return self._bytes[file_name]


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # One line per request is noise while a page streams frames; errors are still logged.
        if args and str(args[1] if len(args) > 1 else "").startswith(("4", "5")):
            sys.stderr.write(f"demo: {self.address_string()} {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        # Cross-origin isolation lets the page use SharedArrayBuffer, i.e. LiteRT.js's threaded wasm.
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _file(self, path: Path) -> None:
        if not path.is_file():
            self._json(HTTPStatus.NOT_FOUND, {"error": f"{self.path}: not found"})
            return
        kind = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, path.read_bytes(), kind)

    @staticmethod
    def _inside(base: Path, rel: str) -> Path | None:
        target = (base / rel).resolve()
        return target if target.is_relative_to(base.resolve()) else None

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        route = unquote(urlparse(self.path).path)
        if route in ("/", "/index.html"):
            return self._file(STATIC_DIR / "index.html")
        if route in ("/bench", "/bench.html"):
            return self._file(STATIC_DIR / "bench.html")
        if route == "/favicon.ico":
            return self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        if route == "/api/models":
            return self._json(HTTPStatus.OK, {"models": self.server.models, "litertjs": self.server.version})
        for prefix, base in (("/static/", STATIC_DIR), ("/npm/", self.server.node_modules)):
            if route.startswith(prefix):
                rel = route[len(prefix) :]
                if prefix == "/npm/" and not rel.startswith(tuple(p + "/" for p in NPM_PACKAGES)):
                    break
                target = self._inside(base, rel)
                return self._file(target) if target else self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        if route.startswith("/models/"):
            body = self.server.model_bytes(route[len("/models/") :])
            if body is not None:
                return self._send(HTTPStatus.OK, body, CONTENT_TYPES[".tflite"])
        self._json(HTTPStatus.NOT_FOUND, {"error": f"{route}: not found"})

    def do_POST(self) -> None:  # noqa: N802
        from ...io import write_json

        if urlparse(self.path).path != "/api/bench":
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        try:
            length = int(self.headers.get("Content-Length") or 0)
            require(0 < length <= MAX_POST_BYTES, f"body: expected 1..{MAX_POST_BYTES} bytes of JSON, got {length}")
            try:
                payload = json.loads(self.rfile.read(length))
            except ValueError as exc:
                raise FootsegError(f"body: not JSON ({exc})") from None
            models = {m["file"]: m for m in self.server.models}
            record = browser_record(payload, models, self.server.export_report, self.server.version)
        except FootsegError as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        path = self.server.metrics_dir / f"{record['device']}.json"
        with self.server.write_lock:
            write_json(path, record)
        print(f"demo: saved {len(results_of(record))} browser timings -> {path}", flush=True)
        self._json(HTTPStatus.OK, {"path": str(path), "record": record})


def results_of(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m, p) for m, per in record["models"].items() for p in per]


def make_server(
    *,
    model: Path | None,
    models_dir: Path,
    host: str,
    port: int,
    metrics_dir: Path,
    node_modules: Path | None = None,
    export_report_path: Path | None = None,
) -> DemoServer:
    """A bound (not yet serving) demo server; every user error is a FootsegError before any socket opens."""
    modules = find_node_modules(node_modules)
    models = collect_models(model, models_dir)
    paths = {
        m["file"]: (model if model is not None and i == 0 else (model.parent if model else models_dir) / m["file"])
        for i, m in enumerate(models)
    }
    export_report = None
    if export_report_path is not None and export_report_path.is_file():
        try:
            export_report = json.loads(export_report_path.read_text())
        except ValueError:
            export_report = None  # only a source of GFLOPs/params; the timings stand without it
    require(0 <= port <= 65535, f"--port must be in 0..65535, got {port}")
    try:
        return DemoServer(
            (host, port),
            models=models,
            model_paths=paths,
            node_modules=modules,
            metrics_dir=metrics_dir,
            export_report=export_report,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise FootsegError(f"--port {port}: address {host}:{port} is already in use; pick another port") from None
        raise FootsegError(f"--host {host} --port {port}: cannot listen ({exc.strerror or exc})") from None


def enable_tls(server: DemoServer, cert_dir: Path, hosts: list[str]) -> Path:
    """Serve HTTPS with the self-signed certificate for ``hosts`` (made on first use); its path."""
    cert, key = ensure_certificate(cert_dir, hosts)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    # The handshake then runs in each request's thread, so one stalled client cannot block accept().
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return cert


def run(args: argparse.Namespace) -> int:
    server = make_server(
        model=args.model,
        models_dir=args.models_dir,
        host=args.host,
        port=args.port,
        metrics_dir=args.metrics_dir,
        node_modules=args.node_modules,
        export_report_path=args.export_report,
    )
    scheme = "http"
    if args.tls:
        hosts = [args.host] if args.host not in ("0.0.0.0", "::", "") else []
        enable_tls(server, args.cert_dir, hosts + lan_addresses())
        scheme = "https"
    port = server.server_address[1]
    shown = lan_addresses() if args.host in ("0.0.0.0", "::") else [args.host]
    urls = [f"{scheme}://{h}:{port}/" for h in shown or ["localhost"]]
    print(
        f"demo: {len(server.models)} models ({server.models[0]['file']} first), LiteRT.js {server.version}; "
        f"open {' or '.join(urls)} (benchmark: {urls[0]}bench); Ctrl-C stops",
        flush=True,
    )
    if not args.tls and args.host not in ("127.0.0.1", "localhost", "::1"):
        print("demo: phones give the camera only to https pages (or localhost): add --tls", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
