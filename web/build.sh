#!/usr/bin/env bash
# Builds the product-demo page into web/dist/: index.html, afterlight_web.js and the .wasm.
# Needs the wasm32 target and the wasm-bindgen CLI of the version web/Cargo.toml pins (both
# installed here when missing).
set -euo pipefail
cd "$(dirname "$0")"
version=0.2.130
rustup target add wasm32-unknown-unknown >/dev/null
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    # Not --locked: the CLI's lock file names a webpki-roots release the index no longer has.
    cargo install wasm-bindgen-cli --version "$version"
fi
cargo build --release --target wasm32-unknown-unknown
rm -rf dist
mkdir -p dist
wasm-bindgen --target web --no-typescript --out-dir dist \
    target/wasm32-unknown-unknown/release/afterlight_web.wasm
cp index.html dist/
wasm=dist/afterlight_web_bg.wasm
echo "web/dist: $(wc -c < "$wasm") bytes of wasm, $(gzip -9 -c "$wasm" | wc -c) gzipped"
