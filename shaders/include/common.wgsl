// Shared by afterlight's shaders: the camera block, G-buffer packing and small helpers.

// Per-view constants, written once per frame (see src/draw/frame_uniforms.rs).
struct Camera {
    // Clip from world as rasterised: jittered by TAA's sub-pixel offset when TAA is on.
    view_proj: mat4x4f,
    inv_view_proj: mat4x4f,
    // Last frame's unjittered view-projection, for motion vectors.
    prev_view_proj: mat4x4f,
    // This frame's view-projection without the jitter, for motion vectors.
    unjittered_view_proj: mat4x4f,
    view: mat4x4f,
    // World-space position; w = 1 for perspective, 0 for orthographic cameras.
    position: vec4f,
    // width, height, 1 / width, 1 / height of the render target in pixels.
    viewport: vec4f,
    // x: pre-exposure, 1 / (1.2 * 2^EV100), applied to all radiance written to HDR so that
    // physical light levels (a 100 000 lux sun) fit half floats; yzw unused.
    exposure: vec4f,
    // xy: TAA's sub-pixel offset this frame in pixels (x right, y down); zw: the same in uv.
    jitter: vec4f,
};

// Octahedral unit-vector encoding into [-1, 1]^2: Cigolle, Donow, Evangelakos, Mara, McGuire,
// Meyer, "A Survey of Efficient Representations for Independent Unit Vectors", JCGT 2014.
// Mirrored on the CPU in src/render/packing.rs; the two must change together.
fn oct_wrap(v: vec2f) -> vec2f {
    return (1.0 - abs(v.yx)) * select(vec2f(-1.0), vec2f(1.0), v >= vec2f(0.0));
}

fn oct_encode(n: vec3f) -> vec2f {
    let p = n.xy / (abs(n.x) + abs(n.y) + abs(n.z));
    return select(oct_wrap(p), p, n.z >= 0.0);
}

fn oct_decode(e: vec2f) -> vec3f {
    var n = vec3f(e, 1.0 - abs(e.x) - abs(e.y));
    let t = max(-n.z, 0.0);
    n.x += select(t, -t, n.x >= 0.0);
    n.y += select(t, -t, n.y >= 0.0);
    return normalize(n);
}

// Normalised device xy (y up) to texture uv (origin top-left, v down).
fn ndc_to_uv(ndc: vec2f) -> vec2f {
    return ndc * vec2f(0.5, -0.5) + 0.5;
}

fn uv_to_ndc(uv: vec2f) -> vec2f {
    return (uv - 0.5) * vec2f(2.0, -2.0);
}

// World position of a pixel from its uv and reverse-Z depth.
fn world_from_depth(uv: vec2f, depth: f32, inv_view_proj: mat4x4f) -> vec3f {
    let p = inv_view_proj * vec4f(uv_to_ndc(uv), depth, 1.0);
    return p.xyz / p.w;
}

// sRGB electro-optical transfer function (IEC 61966-2-1), per channel.
fn srgb_to_linear(c: vec3f) -> vec3f {
    return select(pow((c + 0.055) / 1.055, vec3f(2.4)), c / 12.92, c <= vec3f(0.04045));
}

fn luminance(c: vec3f) -> f32 {
    return dot(c, vec3f(0.2126, 0.7152, 0.0722));
}
