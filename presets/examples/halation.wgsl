// Film halation (presets/examples/halation.toml), before the finish: `color` is scene-linear,
// pre-exposed HDR colour.
//
// prepare, into the intermediate target (half the size): the highlights' excess luminance
//   b(c) = max(Y(c) - threshold, 0)      with Y the Rec. 709 luma of the HDR colour,
// blurred with a 5x5 binomial kernel, (1 4 6 4 1) / 16 on each axis; tap (i, j) reads the input
// bilinearly at uv + (i, j) * spread * custom_texel() (texels of the intermediate target).
// effect, at full size: color + tint * amount * custom_intermediate(uv) (bilinear).
// tests/integration/custom_passes.rs computes the same on the CPU.

fn bright(c: vec3<f32>) -> f32 {
    return max(dot(c, vec3f(0.2126, 0.7152, 0.0722)) - params.threshold, 0.0);
}

fn prepare(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    var weights = array<f32, 5>(1.0, 4.0, 6.0, 4.0, 1.0);
    var sum = 0.0;
    for (var j = 0; j < 5; j++) {
        for (var i = 0; i < 5; i++) {
            let offset = vec2f(f32(i - 2), f32(j - 2)) * params.spread * custom_texel();
            sum += weights[i] * weights[j] * bright(custom_input(uv + offset).rgb);
        }
    }
    return vec4f(vec3f(sum / 256.0), 1.0);
}

fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let glow = custom_intermediate(uv).rgb;
    return vec4f(color.rgb + params.tint * (params.amount * glow), color.a);
}
