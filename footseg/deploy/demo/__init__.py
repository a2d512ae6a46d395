"""`footseg demo`: a live camera demo and an in-browser benchmark of the exported .tflite files.

The server (``server.py``) is the standard library's HTTP server; the pages under ``static/`` run
the models in the browser with LiteRT.js, whose JavaScript and .wasm files come from the npm
packages pinned in the repository's package.json (``npm ci``), served by the same server.
"""
