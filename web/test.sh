#!/usr/bin/env bash
# The browser test (run by .ci/run): builds the page (web/build.sh, which also holds the .wasm
# to its size ceilings), renders the page's first view natively with the debug `afterlight`
# binary (preset desktop), then opens the page in headless Chromium (SwiftShader) with WebGPU
# and with WebGL2. Each must reach the title `afterlight: ready`, log no console error and draw a picture whose
# SSIM against the native render is at least 0.95. Then the page loads a glTF of ../shared by
# URL (?scene=) and must be ready with no console error, and a page that cannot load its scene
# must be caught (the checks themselves are checked). Prints the SSIM, the time from navigation
# to the first frame and the timing rung per backend.
#
#   web/test.sh        # needs chromium and python3 on PATH, ../shared beside the repository
#
# AFTERLIGHT_SHARED overrides ../shared; AFTERLIGHT_WEB_TIMEOUT (s, default 90) bounds each page.
set -euo pipefail
cd "$(dirname "$0")/.."

min_ssim=0.95
timeout_s=${AFTERLIGHT_WEB_TIMEOUT:-90}
# The page's canvas (web/index.html) and first view (START_ORBIT in web/src/lib.rs); the
# desktop preset runs AO, TAA, bloom, metered exposure and the finish, so most of the passes
# that read depth are in the picture.
size=640x360
orbit=30,20
preset=desktop
shared=${AFTERLIGHT_SHARED:-../shared}
scene=scenes/BoxTextured/BoxTextured.glb
# Exactly the flags the issue names for headless Chromium on SwiftShader (WebGPU on its Vulkan,
# WebGL2 on ANGLE over it); the rest keep it alive without a window and show its console.
flags=(--headless=new --no-sandbox --enable-unsafe-webgpu --enable-features=Vulkan
    --use-vulkan=swiftshader --use-angle=swiftshader --enable-unsafe-swiftshader
    --remote-debugging-port=0 --enable-logging=stderr --v=0)

fail() {
    echo "web/test.sh: $*" >&2
    exit 1
}

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || fail "no chromium on PATH (Debian: apt-get install chromium)"
[ -f "$shared/$scene" ] || fail "$shared/$scene is missing (../shared beside the repository)"

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

started=$(date +%s)
web/build.sh
cargo build --locked --bin afterlight --example web_compare
target/debug/afterlight render --preset "presets/$preset.toml" --orbit "$orbit" --size "$size" \
    -o "$work/native.png"

# Open the page with QUERY (after ?report&) and wait until it posted its picture or failed.
# Leaves $work/NAME.title (title, status, ms), .pixels, .console (errors, if any), .chromium.
open_page() {
    local name=$1 query=$2 out="$work/$1" port=""
    python3 -u web/serve.py --port 0 --result "$out" --shared "$shared" >"$out.serve" 2>&1 &
    local server=$!
    pids+=("$server")
    for _ in $(seq 100); do
        port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out.serve")
        [ -n "$port" ] && break
        kill -0 "$server" 2>/dev/null || fail "web/serve.py failed: $(cat "$out.serve")"
        sleep 0.1
    done
    [ -n "$port" ] || fail "web/serve.py printed no address"
    timeout "$timeout_s" "$chromium" "${flags[@]}" --user-data-dir="$work/profile-$name" \
        "http://127.0.0.1:$port/?report&$query" >"$out.chromium" 2>&1 &
    local browser=$!
    pids+=("$browser")
    local deadline=$(($(date +%s) + timeout_s))
    until [ -f "$out.pixels" ] || grep -qs '^afterlight: error' "$out.title"; do
        if [ "$(date +%s)" -ge "$deadline" ] || ! kill -0 "$browser" 2>/dev/null; then
            tail -n 20 "$out.chromium" >&2 || true
            fail "$name: no picture from the page within ${timeout_s} s"
        fi
        sleep 0.1
    done
    # Errors logged after the picture still count.
    sleep 0.5
    kill "$browser" "$server" 2>/dev/null || true
    wait "$browser" "$server" 2>/dev/null || true
}

# What is wrong with run NAME, or nothing: its title, its console, the browser's GL errors.
problems() {
    local out="$work/$1"
    local title
    title=$(head -n 1 "$out.title" 2>/dev/null || echo "no title posted")
    [ "$title" = "afterlight: ready" ] || echo "title: $title"
    if [ -s "$out.console" ]; then
        echo "console errors:"
        cat "$out.console"
    fi
    # WebGL errors reach the console from the browser itself, not through console.error.
    grep -E 'CONSOLE.*(WebGL: |GL_INVALID|Uncaught)' "$out.chromium" || true
}

for backend in webgpu webgl2; do
    open_page "$backend" "backend=$backend&preset=$preset"
    wrong=$(problems "$backend")
    [ -z "$wrong" ] || fail "$backend: $wrong"
    status=$(sed -n 2p "$work/$backend.title")
    ms=$(sed -n 3p "$work/$backend.title")
    rung=$(echo "$status" | sed -n 's/.*timing: \([a-z]*\).*/\1/p')
    ssim=$(target/debug/examples/web_compare "$work/native.png" "$work/$backend.pixels" \
        --min-ssim "$min_ssim") || fail "$backend: the picture is not the native one: $ssim"
    echo "web test: $backend: first frame $ms after navigation, timing rung ${rung:-?}, $ssim"
    echo "web test: $backend: $status"
done

open_page scene "scene=/shared/$scene"
wrong=$(problems scene)
[ -z "$wrong" ] || fail "?scene=/shared/$scene: $wrong"
echo "web test: ?scene=/shared/$scene: ready, first frame $(sed -n 3p "$work/scene.title")"

# The checks catch a broken page: a scene that is not there must fail the title and console.
open_page broken "scene=/shared/no-such-scene.glb"
wrong=$(problems broken)
grep -q '^title: afterlight: error' <<<"$wrong" && grep -q '^console errors:' <<<"$wrong" \
    || fail "a page that cannot load its scene was not caught: ${wrong:-no problem seen}"
echo "web test: a broken page is caught ($(head -n 1 <<<"$wrong"))"
echo "web test: passed in $(($(date +%s) - started)) s"
