#!/usr/bin/env python3
"""Serves web/dist on 127.0.0.1 only (the product-demo page), with the .wasm MIME type.

    python3 web/serve.py [--port 8000] [--result FILE] [--shared DIR]

With --result, the page's report (POST /result/NAME: its title and status, then the frame's
pixels when it was opened with ?report, and every console error as it happens) is written to
FILE.NAME (FILE.title, FILE.pixels; FILE.console is appended to), so a headless browser run
can be checked without a debugging protocol. With --shared, DIR (e.g. ../shared) is served
read-only under /shared/, so `?scene=/shared/scenes/Box/Box.glb` loads one of its scenes.
--port 0 picks a free port; the first line printed names the address either way.
"""
import argparse
import functools
import http.server
import os
import re


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript",
                      ".glb": "model/gltf-binary"}
    result = None
    shared = None

    def translate_path(self, path):
        # /shared/... comes from --shared (GET and HEAD only: nothing here writes files).
        if self.shared and (path == "/shared" or path.startswith(("/shared/", "/shared?"))):
            served = self.directory
            self.directory = self.shared
            try:
                return super().translate_path(path[len("/shared"):] or "/")
            finally:
                self.directory = served
        return super().translate_path(path)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        name = self.path[len("/result"):].strip("/") or "report"
        if not self.path.startswith("/result") or not re.fullmatch(r"[a-z]+", name):
            self.send_error(404)
            return
        if self.result:
            mode = "ab" if name == "console" else "wb"
            with open(f"{self.result}.{name}", mode) as out:
                out.write(body + (b"\n" if name == "console" else b""))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--result")
    parser.add_argument("--shared")
    args = parser.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dist")
    if not os.path.isfile(os.path.join(root, "index.html")):
        parser.error(f"{root} has no index.html: run web/build.sh first")
    if args.shared and not os.path.isdir(args.shared):
        parser.error(f"--shared {args.shared}: not a directory")
    Handler.result = args.result
    Handler.shared = os.path.abspath(args.shared) if args.shared else None
    handler = functools.partial(Handler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    port = server.server_address[1]
    print(f"serving {root} on http://127.0.0.1:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
