"""`footseg demo` without a browser: bad input, served model bytes, saved records, TLS, report rows."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from footseg.cli import main
from footseg.deploy.demo import server as demo_server
from footseg.errors import FootsegError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from tflite_helpers import tiny_tflite

    folder = tmp_path_factory.mktemp("exported")
    tiny_tflite(folder / "tiny.fp32.tflite")
    return folder


@pytest.fixture
def fake_npm(tmp_path):
    """A node_modules with the files the server checks for (their content is not read here)."""
    base = tmp_path / "node_modules"
    for rel in demo_server.NPM_REQUIRED_FILES:
        target = base / rel
        if rel.endswith(".js"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("export {};\n")
        else:
            target.mkdir(parents=True, exist_ok=True)
    (base / "@litertjs/core/package.json").write_text(json.dumps({"version": "9.9.9"}))
    return base


def _demo(args, capsys):
    code = main(["demo", *args])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_missing_model_is_one_error_line(tmp_path, fake_npm, capsys):
    code, err = _demo(["--model", str(tmp_path / "nope.tflite"), "--node-modules", str(fake_npm)], capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ") and "nope.tflite" in err[0]


def test_non_tflite_model_is_one_error_line(tmp_path, fake_npm, capsys):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"x")
    code, err = _demo(["--model", str(bad), "--node-modules", str(fake_npm)], capsys)
    assert code == 2 and len(err) == 1 and "expected a .tflite file" in err[0] and "model.onnx" in err[0]


def test_corrupt_tflite_is_one_error_line(tmp_path, fake_npm, capsys):
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"not a flatbuffer")
    code, err = _demo(["--model", str(bad), "--node-modules", str(fake_npm)], capsys)
    assert code == 2 and len(err) == 1 and "broken.tflite" in err[0]


def test_empty_models_dir_is_one_error_line(tmp_path, fake_npm, capsys):
    code, err = _demo(["--models-dir", str(tmp_path), "--node-modules", str(fake_npm)], capsys)
    assert code == 2 and len(err) == 1 and "no .tflite files" in err[0]


def test_missing_npm_files_say_how_to_install(tmp_path, model_dir, capsys):
    code, err = _demo(
        ["--model", str(model_dir / "tiny.fp32.tflite"), "--node-modules", str(tmp_path / "node_modules")], capsys
    )
    assert code == 2 and len(err) == 1 and "npm ci" in err[0] and "@litertjs/core" in err[0]


def test_port_in_use_is_one_error_line(model_dir, fake_npm, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, err = _demo(
            ["--model", str(model_dir / "tiny.fp32.tflite"), "--node-modules", str(fake_npm), "--port", str(port)],
            capsys,
        )
    assert code == 2 and len(err) == 1 and f"--port {port}" in err[0] and "in use" in err[0]


def test_served_bytes_pin_the_batch_and_keep_the_outputs(model_dir, tmp_path):
    """LiteRT.js needs a static batch; the pinned file must compute exactly what the original does."""
    from footseg.deploy.interpreter import TFLiteModel

    original = model_dir / "tiny.fp32.tflite"
    pinned = tmp_path / "pinned.tflite"
    pinned.write_bytes(demo_server.batch_one_bytes(original))
    a, b = TFLiteModel(original), TFLiteModel(pinned)
    assert a.interpreter.get_input_details()[0]["shape_signature"][0] == -1
    assert list(b.interpreter.get_input_details()[0]["shape_signature"]) == [1, 64, 64, 3]
    image = np.random.default_rng(0).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    for m in (a, b):
        m.set_input(image)
        m.invoke()
    np.testing.assert_array_equal(a.output(), b.output())


def test_served_bytes_make_transpose_conv_shapes_constant(tmp_path):
    """A graph ending in a transposed conv (LinkNet's decoder) gets a runtime-computed output shape
    that LiteRT.js cannot bind; the served file has it as a constant and the same outputs."""
    import keras
    from ai_edge_litert import schema_py_generated as schema

    from footseg.deploy.export import convert
    from footseg.deploy.interpreter import TFLiteModel

    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    outputs = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
    original = tmp_path / "tconv.fp32.tflite"
    original.write_bytes(convert(keras.Model(inputs, outputs), "fp32"))
    served = tmp_path / "served.tflite"
    served.write_bytes(demo_server.batch_one_bytes(original))

    def shape_inputs_constant(path: Path) -> list[bool]:
        model = schema.Model.GetRootAsModel(path.read_bytes(), 0)
        graph = model.Subgraphs(0)
        out = []
        for i in range(graph.OperatorsLength()):
            op = graph.Operators(i)
            code = model.OperatorCodes(op.OpcodeIndex())
            if max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) == schema.BuiltinOperator.TRANSPOSE_CONV:
                out.append(model.Buffers(graph.Tensors(op.Inputs(0)).Buffer()).DataLength() > 0)
        return out

    assert shape_inputs_constant(original) == [False]  # what the converter writes today
    assert shape_inputs_constant(served) == [True]
    a, b = TFLiteModel(original), TFLiteModel(served)
    image = np.random.default_rng(1).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    for m in (a, b):
        m.set_input(image)
        m.invoke()
    # A constant shape lets XNNPACK take the op: same maths, float rounding may differ.
    np.testing.assert_allclose(a.output(), b.output(), rtol=1e-5, atol=1e-4)


def _payload(**overrides):
    payload = {
        "device": "Pixel 7 / Chrome",
        "backend": "wasm",
        "threads": 2,
        "warmup": 1,
        "user_agent": "UA",
        "cores": 8,
        "results": [{"file": "tiny.fp32.tflite", "backend": "wasm", "times_ms": [3.0, 1.0, 2.0, 10.0]}],
    }
    payload.update(overrides)
    return payload


def test_browser_record_matches_the_benchmark_format(model_dir):
    models = {m["file"]: m for m in demo_server.collect_models(model_dir / "tiny.fp32.tflite", model_dir)}
    export = {"models": {"tiny": {"flops": 2_000_000, "params": 123}}}
    record = demo_server.browser_record(_payload(), models, export, "2.5.3")
    assert record["device"] == "Pixel-7-Chrome"
    row = record["models"]["tiny"]["fp32"]
    assert row["gflops"] == 0.002 and row["params"] == 123 and row["file"] == "tiny.fp32.tflite"
    figures = row["latency"]["litertjs-wasm"]["2"]
    assert figures == {"median_ms": 2.5, "p90_ms": 7.9, "mean_ms": 4.0, "min_ms": 1.0, "runs": 4}


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"device": "///"}, "device"),
        ({"backend": "cuda"}, "backend"),
        ({"threads": 0}, "threads"),
        ({"results": []}, "results"),
        ({"results": [{"file": "other.tflite", "times_ms": [1.0]}]}, "results[0].file"),
        ({"results": [{"file": "tiny.fp32.tflite", "times_ms": ["1"]}]}, "results[0].times_ms"),
    ],
)
def test_browser_record_rejects_bad_posts(model_dir, overrides, key):
    models = {m["file"]: m for m in demo_server.collect_models(model_dir / "tiny.fp32.tflite", model_dir)}
    with pytest.raises(FootsegError, match=key.replace("[", r"\[").replace("]", r"\]")):
        demo_server.browser_record(_payload(**overrides), models, None, "2.5.3")


def test_server_routes_and_save(model_dir, fake_npm, tmp_path):
    srv = demo_server.make_server(
        model=model_dir / "tiny.fp32.tflite",
        models_dir=model_dir,
        host="127.0.0.1",
        port=0,
        metrics_dir=tmp_path / "browser",
        node_modules=fake_npm,
    )
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        info = json.load(urllib.request.urlopen(f"{base}/api/models"))
        assert info["litertjs"] == "9.9.9"
        (m,) = info["models"]
        assert m["input_size"] == [64, 64] and m["input_dtype"] == "float32" and m["output_channels"] == 2
        page = urllib.request.urlopen(f"{base}/")
        assert page.headers["Cross-Origin-Embedder-Policy"] == "require-corp" and b"importmap" in page.read()
        assert (
            urllib.request.urlopen(f"{base}/npm/@litertjs/core/dist/index.js").headers["Content-Type"]
            == "text/javascript"
        )
        for bad in ("/npm/../package.json", "/npm/other/x.js", "/static/../server.py", "/models/nope.tflite"):
            with pytest.raises(urllib.error.HTTPError) as exc:
                urllib.request.urlopen(base + bad)
            assert exc.value.code == 404
        request = urllib.request.Request(
            f"{base}/api/bench", data=json.dumps(_payload(device="ci")).encode(), method="POST"
        )
        saved = json.load(urllib.request.urlopen(request))
        assert Path(saved["path"]) == tmp_path / "browser" / "ci.json"
        assert json.loads((tmp_path / "browser" / "ci.json").read_text())["models"]["tiny"]["fp32"]["latency"]
        bad = urllib.request.Request(f"{base}/api/bench", data=b"{", method="POST")
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(bad)
        assert exc.value.code == 400 and "body: not JSON" in json.load(exc.value)["error"]
    finally:
        srv.shutdown()
        srv.server_close()


def test_tls_certificate_made_once_and_valid(tmp_path):
    cert, key = demo_server.ensure_certificate(tmp_path / "tls", ["192.168.1.5"])
    first = cert.read_bytes()
    assert demo_server.ensure_certificate(tmp_path / "tls", ["192.168.1.5"])[0].read_bytes() == first  # reused
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)  # raises when the pair does not match
    from cryptography import x509

    names = x509.load_pem_x509_certificate(first).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "192.168.1.5"}
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_tls_server_answers_over_https(model_dir, fake_npm, tmp_path):
    srv = demo_server.make_server(
        model=model_dir / "tiny.fp32.tflite",
        models_dir=model_dir,
        host="127.0.0.1",
        port=0,
        metrics_dir=tmp_path / "browser",
        node_modules=fake_npm,
    )
    cert = demo_server.enable_tls(srv, tmp_path / "tls", ["127.0.0.1"])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        context = ssl.create_default_context(cafile=str(cert))  # trusts exactly our certificate
        url = f"https://127.0.0.1:{srv.server_address[1]}/api/models"
        assert json.load(urllib.request.urlopen(url, context=context))["models"][0]["file"] == "tiny.fp32.tflite"
        with pytest.raises(urllib.error.URLError):  # an untrusting client is refused, the server lives on
            urllib.request.urlopen(url, context=ssl.create_default_context())
        assert json.load(urllib.request.urlopen(url, context=context))["litertjs"] == "9.9.9"
    finally:
        srv.shutdown()
        srv.server_close()


def test_report_shows_browser_rows_beside_table_41(tmp_path):
    from footseg.deploy.report import load_browser_records, render_results

    record = {
        "device": "local",
        "machine": {},
        "models": {
            "linknet": {
                "fp32": {
                    "file": "linknet.fp32.tflite",
                    "gflops": 1.0,
                    "params": 10,
                    "size_mb": 1.0,
                    "latency": {"tflite": {"1": {"median_ms": 5.0}}},
                    "test": {"accuracy": 0.9, "iou": 0.8, "miou": 0.85},
                }
            }
        },
    }
    browser = {
        "device": "pixel-7",
        "machine": {"backend": "wasm", "threads": 4, "user_agent": "Mozilla/5.0 (Linux; Android 14)"},
        "models": {
            "linknet": {
                "int8": {
                    "file": "linknet.int8.tflite",
                    "gflops": 1.0,
                    "size_mb": 0.3,
                    "latency": {"litertjs-wasm": {"4": {"median_ms": 42.5}}},
                }
            }
        },
    }
    (tmp_path / "pixel-7.json").write_text(json.dumps(browser))
    (tmp_path / "junk.json").write_text("{")
    records = load_browser_records(tmp_path)
    assert [r["device"] for r in records] == ["pixel-7"]
    text = render_results(record, None, records)
    row = next(line for line in text.splitlines() if line.startswith("| pixel-7 "))
    assert "| wasm 4 thr | LinkNet |" in row and "| 42.50 |" in row and "| 234 |" in row
    assert text.index("Table 4.1 in browsers") < text.index("Table 4.2")
    assert "in browsers" not in render_results(record)
