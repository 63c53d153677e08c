// Test helper: samples a baked grade LUT (src/post/grade_bake.rs) exactly as the finish pass
// does, with `grade_lut_sample_encoded` from include/grade_lut.wgsl and the finish's sampler,
// so tests/integration/grade_bake.rs can measure what the finish really gets (the GPU's own trilinear
// filtering included) against exact references. Run by `grade_bake::sample_lut`.
// Reads: the LUT (3D, sRGB-encoded texels), scene-linear colours (rgb of each vec4).
// Writes: the unclipped sRGB-encoded samples (rgb), a = 1, one per input.
#include "include/grade_lut.wgsl"

@group(0) @binding(0) var lut: texture_3d<f32>;
@group(0) @binding(1) var lut_sampler: sampler;
@group(0) @binding(2) var<storage, read> inputs: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> outputs: array<vec4f>;

// Sample as the finish's Ultra tier does (tetrahedral) rather than trilinearly.
override TETRAHEDRAL: bool = false;

@compute @workgroup_size(64)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    let i = id.x;
    if i >= arrayLength(&inputs) {
        return;
    }
    let size = f32(textureDimensions(lut).x);
    var sampled = grade_lut_sample_encoded(lut, lut_sampler, inputs[i].xyz, size);
    if TETRAHEDRAL {
        sampled = grade_lut_sample_tetrahedral(lut, inputs[i].xyz, size);
    }
    outputs[i] = vec4f(sampled, 1.0);
}
