// Image-based lighting: the @group(1) bindings of the environment baked by
// src/render/environment.rs and the four lookups the lighting and forward passes use.
// Reads: the GGX-prefiltered specular cube (mip 0 = the unfiltered radiance), the irradiance
// cube (irradiance / pi), the split-sum BRDF LUT. Writes nothing.
// Split sum after Karis, "Real Shading in Unreal Engine 4" (SIGGRAPH 2013).
//
// Conventions: directions are world-space and need not be normalised; the environment's
// rotation about +Y and its linear intensity are applied here, so callers never see them.
// Radiances are linear, in the same units as the source image times the intensity.
// Lookups use explicit levels, so they are valid in non-uniform control flow.

struct EnvironmentUniforms {
    // cos and sin of the environment's rotation about +Y.
    rotation: vec2f,
    // Linear multiplier on every radiance below.
    intensity: f32,
    // Mip level of the specular cube that holds perceptual roughness 1 (levels - 1).
    specular_max_lod: f32,
};

@group(1) @binding(0) var<uniform> environment_uniforms: EnvironmentUniforms;
@group(1) @binding(1) var environment_specular_map: texture_cube<f32>;
@group(1) @binding(2) var environment_irradiance_map: texture_cube<f32>;
@group(1) @binding(3) var environment_brdf_lut: texture_2d<f32>;
@group(1) @binding(4) var environment_sampler: sampler;

// Internal: world direction -> the environment's own frame (undo its rotation about +Y).
fn environment_to_local(direction: vec3f) -> vec3f {
    let c = environment_uniforms.rotation.x;
    let s = environment_uniforms.rotation.y;
    return vec3f(c * direction.x - s * direction.z, direction.y, s * direction.x + c * direction.z);
}

// GGX-prefiltered radiance around `direction` (usually the reflection vector) for a
// perceptual roughness in [0, 1]; mip m holds roughness m / max_lod, linear in between.
fn environment_specular(direction: vec3f, perceptual_roughness: f32) -> vec3f {
    let lod = clamp(perceptual_roughness, 0.0, 1.0) * environment_uniforms.specular_max_lod;
    let local = environment_to_local(direction);
    let radiance = textureSampleLevel(environment_specular_map, environment_sampler, local, lod);
    return radiance.rgb * environment_uniforms.intensity;
}

// Irradiance / pi around `normal`: Lambert diffuse is albedo times this; a uniform environment
// of radiance L gives L.
fn environment_irradiance(normal: vec3f) -> vec3f {
    let local = environment_to_local(normal);
    let irradiance = textureSampleLevel(environment_irradiance_map, environment_sampler, local, 0.0);
    return irradiance.rgb * environment_uniforms.intensity;
}

// Split-sum (scale, bias) for GGX + height-correlated Smith + Schlick: specular albedo is
// f0 * x + f90 * y, and x + y is the directional albedo for f0 = 1 (for multiple-scattering
// energy compensation, Fdez-Aguera 2019). Inputs are clamped to [0, 1].
fn environment_brdf(n_dot_v: f32, perceptual_roughness: f32) -> vec2f {
    let size = vec2f(textureDimensions(environment_brdf_lut));
    // Texel i holds the grid point i / (size - 1); address texel centres so 0 and 1 are exact.
    let grid = clamp(vec2f(n_dot_v, perceptual_roughness), vec2f(0.0), vec2f(1.0));
    let uv = (grid * (size - 1.0) + 0.5) / size;
    return textureSampleLevel(environment_brdf_lut, environment_sampler, uv, 0.0).rg;
}

// Radiance seen straight along `direction` (the unfiltered mip 0), for the background.
fn environment_background(direction: vec3f) -> vec3f {
    let local = environment_to_local(direction);
    let radiance = textureSampleLevel(environment_specular_map, environment_sampler, local, 0.0);
    return radiance.rgb * environment_uniforms.intensity;
}
