// Night vision (presets/examples/night_vision.toml): runs after the finish, so `color` is the
// display-encoded (sRGB) colour in 0..1. The output is
//   tint * clamp(gain * Y, 0, 1) * (1 - scanlines * (row % 2))
// with Y the Rec. 709 luma of the encoded colour and row the pixel row from the top.
// tests/integration/custom_passes.rs computes the same on the CPU.

fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let luma = dot(color.rgb, vec3f(0.2126, 0.7152, 0.0722));
    let v = clamp(luma * params.gain, 0.0, 1.0);
    let row = u32(uv.y * custom_size().y);
    let scan = 1.0 - params.scanlines * f32(row % 2u);
    return vec4f(params.tint * (v * scan), color.a);
}
