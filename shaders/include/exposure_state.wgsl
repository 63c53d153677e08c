// The exposure state (src/post/exposure.rs, `ExposureState` there, 16 bytes): written by the
// automatic exposure (exposure.wgsl) or the AR exposure match (camera_exposure.wgsl), or from
// the CPU for the fixed modes; read by the finish (finish.wgsl).
struct ExposureState {
    // What the finish multiplies the pre-exposed HDR by.
    multiplier: f32,
    ev100: f32,
    target_ev100: f32,
    average_log2_luminance: f32,
};
