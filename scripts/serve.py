#!/usr/bin/env python3
"""Serves the app from the repository root on 127.0.0.1 with the headers the page needs.

usage: scripts/serve.py [--port 8000]

- `.wasm` as `application/wasm` (streaming compilation needs it), `.js`/`.mjs` as JavaScript;
- a Content-Security-Policy header that forbids connections to any other origin (the page
  also carries it in a meta tag; workers only get it from the header);
- no caching, so a rebuilt pkg/ is picked up on reload;
- gzip for the large files (module, glue, model) when the browser accepts it, as any real web
  server is set up to do (compressed once per file version, kept in memory);
- only what the page needs: index.html, sw.js, manifest.webmanifest, files under www/ and pkg/, and the example
  recordings www/examples.json lists. Everything else (.git/, the sources, target/) is 404,
  and no directory is ever listed.
Binds to the loopback address only: nothing on the network can reach it.
"""
import argparse
import gzip
import http.server
import io
import json
import os
import posixpath
import urllib.parse

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
       "connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'none'")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".csv": "text/csv",
        ".webmanifest": "application/manifest+json",
    }

    # Filled by main(): the example files www/examples.json lists.
    examples = frozenset()

    def allowed(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path in ("/", "/index.html", "/sw.js", "/manifest.webmanifest"):
            return True
        relative = posixpath.normpath(path).lstrip("/")
        parts = relative.split("/")
        if any(part.startswith(".") for part in parts) or relative != path.lstrip("/"):
            return False
        if len(parts) >= 2 and parts[0] in ("www", "pkg"):
            return os.path.isfile(relative)
        return relative in self.examples

    # What is sent gzip-compressed, and the compressed bytes by (path, mtime, size).
    compressible = (".wasm", ".js", ".mjs", ".css", ".json", ".safetensors", ".html", ".csv",
                    ".webmanifest")
    compressed = {}

    def send_head(self):
        if not self.allowed():
            self.send_error(404, "Not part of the page")
            return None
        path = self.translate_path(self.path)
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and os.path.isfile(path) and path.endswith(self.compressible)):
            return super().send_head()
        status = os.stat(path)
        key = (path, status.st_mtime_ns, status.st_size)
        body = self.compressed.get(key)
        if body is None:
            with open(path, "rb") as source:
                body = gzip.compress(source.read(), compresslevel=6, mtime=0)
            Handler.compressed = {k: v for k, v in self.compressed.items() if k[0] != path}
            Handler.compressed[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def list_directory(self, path):
        self.send_error(404, "Not part of the page")
        return None

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):
        if os.environ.get("SERVE_QUIET") != "1":
            super().log_message(format, *args)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A browser that goes away mid-download (a tab or test context closed) is no fault.
        import sys
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    with open("www/examples.json", encoding="utf-8") as listed:
        Handler.examples = frozenset(
            path for example in json.load(listed)["examples"] for path in example["files"])
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"serving {root} on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
