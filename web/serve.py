#!/usr/bin/env python3
"""Serves web/dist on 127.0.0.1 only (the product-demo page), with the .wasm MIME type.

    python3 web/serve.py [--port 8000] [--result FILE]

With --result, the page's report (POST /result: its title and status, then the frame's
pixels when it was opened with ?report) is written to FILE, so a headless browser run can be
checked without a debugging protocol.
"""
import argparse
import functools
import http.server
import os


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript"}
    result = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path.startswith("/result") and self.result:
            name = self.path[len("/result"):].strip("/") or "report"
            with open(f"{self.result}.{name}", "wb") as out:
                out.write(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--result")
    args = parser.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dist")
    Handler.result = args.result
    handler = functools.partial(Handler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    print(f"serving {root} on http://127.0.0.1:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
