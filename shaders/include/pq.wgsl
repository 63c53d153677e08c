// SMPTE ST 2084 (PQ) and the Rec.709 / BT.2020 primaries, for HDR output (src/post/display.rs
// holds the same on the CPU and its tests against the standard's values).
const PQ_M1: f32 = 0.1593017578125;
const PQ_M2: f32 = 78.84375;
const PQ_C1: f32 = 0.8359375;
const PQ_C2: f32 = 18.8515625;
const PQ_C3: f32 = 18.6875;

// The PQ code values of light in nits (10000 nits is 1).
fn pq_encode(nits: vec3f) -> vec3f {
    let p = pow(clamp(nits / 10000.0, vec3f(0.0), vec3f(1.0)), vec3f(PQ_M1));
    return pow((PQ_C1 + PQ_C2 * p) / (1.0 + PQ_C3 * p), vec3f(PQ_M2));
}

// The light in nits of PQ code values.
fn pq_decode(code: vec3f) -> vec3f {
    let e = pow(clamp(code, vec3f(0.0), vec3f(1.0)), vec3f(1.0 / PQ_M2));
    return 10000.0 * pow(max(e - PQ_C1, vec3f(0.0)) / (PQ_C2 - PQ_C3 * e), vec3f(1.0 / PQ_M1));
}

// Linear Rec.709 to linear BT.2020 (BT.2087) and back (columns).
const REC709_TO_BT2020 = mat3x3f(
    vec3f(0.627404, 0.069097, 0.016391),
    vec3f(0.329283, 0.919541, 0.088013),
    vec3f(0.043313, 0.011362, 0.895595),
);
const BT2020_TO_REC709 = mat3x3f(
    vec3f(1.660490, -0.124550, -0.018150),
    vec3f(-0.587640, 1.132899, -0.100579),
    vec3f(-0.072850, -0.008349, 1.118730),
);
