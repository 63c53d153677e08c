// FXAA, the PC quality path of Timothy Lottes, "FXAA 3.11" (NVIDIA, 2011): find the pixels on a
// luma edge, measure how far along the edge they lie by searching for both ends of it, and
// re-sample the image half a pixel across the edge in proportion; a separate sub-pixel term
// softens single-pixel features that the edge search cannot see. Ported from FxaaPixelShader
// (FXAA_PC = 1, no gather), keeping its variable names so the two can be read side by side.
// Reads: the finished display image (Rgba8UnormSrgb, linear through the view). Writes: the
// next display image of the same format; colour and alpha (coverage) are filtered together.
// Settings and the search-step table of each quality preset: src/post/fxaa.rs. The number of
// search steps is the `STEPS` override constant (one pipeline per tier), so the edge search is
// a loop of fixed length whose only exit reads the image; the step distances stay uniforms.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"

// The number of search steps (FXAA_QUALITY__PS), 0..=12; 0 = pass-through (tier off).
override STEPS: u32 = 12u;

struct Fxaa {
    // xy: 1 / width, 1 / height in pixels; zw: width, height.
    frame: vec4f,
    // x: subpix (fxaaQualitySubpix), y: edge threshold (fxaaQualityEdgeThreshold), z: edge
    // threshold min (fxaaQualityEdgeThresholdMin), w: unused.
    params: vec4f,
    // FXAA_QUALITY__P0..P11 packed four to a vector: the distance in pixels of each search step.
    steps: array<vec4f, 3>,
};

@group(0) @binding(0) var<uniform> fxaa: Fxaa;
@group(0) @binding(1) var source: texture_2d<f32>;
@group(0) @binding(2) var source_sampler: sampler;

// FXAA wants luma of the display-encoded (gamma) value. The view decodes sRGB, so luma is taken
// as the square root of linear Rec.601 luma: gamma 2.0, a close perceptual stand-in for the
// sRGB curve that costs one sqrt per tap instead of three pows.
fn fxaa_luma(c: vec4f) -> f32 {
    return sqrt(max(dot(c.rgb, vec3f(0.299, 0.587, 0.114)), 0.0));
}

fn tap(uv: vec2f) -> vec4f {
    return textureSampleLevel(source, source_sampler, uv, 0.0);
}

fn luma_at(uv: vec2f) -> f32 {
    return fxaa_luma(tap(uv));
}

// The search-step distance `i` (FXAA_QUALITY__P<i>).
fn step_distance(i: u32) -> f32 {
    return fxaa.steps[i / 4u][i % 4u];
}

// The compute variant's output (src/post/variant.rs): sRGB-encoded Rgba8Unorm.
@group(1) @binding(0) var antialiased: texture_storage_2d<rgba8unorm, write>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return fxaa_pixel(vec2i(in.position.xy));
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(antialiased)) {
        return;
    }
    textureStore(antialiased, id.xy, compute_display_texel(fxaa_pixel(vec2i(id.xy))));
}

// The anti-aliased, display-linear colour of pixel `pixel` (both entry points).
fn fxaa_pixel(pixel: vec2i) -> vec4f {
    // The centre is loaded, not filtered, so pixels that exit early are copied bit for bit.
    let rgbyM = textureLoad(source, pixel, 0);
    if STEPS == 0u {
        return rgbyM;
    }
    let rcpFrame = fxaa.frame.xy;
    var posM = (vec2f(pixel) + 0.5) * rcpFrame;
    let lumaM = fxaa_luma(rgbyM);
    let size = vec2i(fxaa.frame.zw) - 1;
    var lumaS = luma_load(pixel + vec2i(0, 1), size);
    var lumaE = luma_load(pixel + vec2i(1, 0), size);
    var lumaN = luma_load(pixel + vec2i(0, -1), size);
    var lumaW = luma_load(pixel + vec2i(-1, 0), size);

    // Local contrast: skip pixels whose cross neighbourhood spans less than the edge threshold
    // (relative to its brightest luma) or less than the absolute minimum (dark areas). A zero
    // range always exits, so an edge threshold min of 0 cannot divide by zero below.
    let maxSM = max(lumaS, lumaM);
    let minSM = min(lumaS, lumaM);
    let maxESM = max(lumaE, maxSM);
    let minESM = min(lumaE, minSM);
    let maxWN = max(lumaN, lumaW);
    let minWN = min(lumaN, lumaW);
    let rangeMax = max(maxWN, maxESM);
    let rangeMin = min(minWN, minESM);
    let rangeMaxScaled = rangeMax * fxaa.params.y;
    let range = rangeMax - rangeMin;
    let rangeMaxClamped = max(fxaa.params.z, rangeMaxScaled);
    if (range < rangeMaxClamped) | (range <= 0.0) {
        return rgbyM;
    }

    let lumaNW = luma_load(pixel + vec2i(-1, -1), size);
    let lumaSE = luma_load(pixel + vec2i(1, 1), size);
    let lumaNE = luma_load(pixel + vec2i(1, -1), size);
    let lumaSW = luma_load(pixel + vec2i(-1, 1), size);

    // Edge direction: second differences across rows vs across columns, centre row weighted 2.
    let lumaNS = lumaN + lumaS;
    let lumaWE = lumaW + lumaE;
    let subpixRcpRange = 1.0 / range;
    let subpixNSWE = lumaNS + lumaWE;
    let edgeHorz1 = -2.0 * lumaM + lumaNS;
    let edgeVert1 = -2.0 * lumaM + lumaWE;
    let lumaNESE = lumaNE + lumaSE;
    let lumaNWNE = lumaNW + lumaNE;
    let edgeHorz2 = -2.0 * lumaE + lumaNESE;
    let edgeVert2 = -2.0 * lumaN + lumaNWNE;
    let lumaNWSW = lumaNW + lumaSW;
    let lumaSWSE = lumaSW + lumaSE;
    let edgeHorz4 = abs(edgeHorz1) * 2.0 + abs(edgeHorz2);
    let edgeVert4 = abs(edgeVert1) * 2.0 + abs(edgeVert2);
    let edgeHorz3 = -2.0 * lumaW + lumaNWSW;
    let edgeVert3 = -2.0 * lumaS + lumaSWSE;
    let edgeHorz = abs(edgeHorz3) + edgeHorz4;
    let edgeVert = abs(edgeVert3) + edgeVert4;

    let subpixNWSWNESE = lumaNWSW + lumaNESE;
    var lengthSign = rcpFrame.x;
    let horzSpan = edgeHorz >= edgeVert;
    let subpixA = subpixNSWE * 2.0 + subpixNWSWNESE;

    // For a vertical edge, "north" and "south" are the west and east neighbours.
    if !horzSpan {
        lumaN = lumaW;
        lumaS = lumaE;
    }
    if horzSpan {
        lengthSign = rcpFrame.y;
    }
    let subpixB = subpixA * (1.0 / 12.0) - lumaM;

    // Which side of the pixel the edge lies on: the neighbour with the steeper gradient.
    let gradientN = lumaN - lumaM;
    let gradientS = lumaS - lumaM;
    var lumaNN = lumaN + lumaM;
    let lumaSS = lumaS + lumaM;
    let pairN = abs(gradientN) >= abs(gradientS);
    let gradient = max(abs(gradientN), abs(gradientS));
    if pairN {
        lengthSign = -lengthSign;
    }
    let subpixC = saturate(abs(subpixB) * subpixRcpRange);

    // Start half a pixel across, on the edge itself, and walk both ways along it.
    var posB = posM;
    var offNP = vec2f(0.0);
    offNP.x = select(rcpFrame.x, 0.0, !horzSpan);
    offNP.y = select(0.0, rcpFrame.y, !horzSpan);
    if !horzSpan {
        posB.x += lengthSign * 0.5;
    }
    if horzSpan {
        posB.y += lengthSign * 0.5;
    }

    var posN = posB - offNP * step_distance(0u);
    var posP = posB + offNP * step_distance(0u);
    let subpixD = -2.0 * subpixC + 3.0;
    var lumaEndN = luma_at(posN);
    let subpixE = subpixC * subpixC;
    var lumaEndP = luma_at(posP);

    if !pairN {
        lumaNN = lumaSS;
    }
    let gradientScaled = gradient * (1.0 / 4.0);
    let lumaMM = lumaM - lumaNN * 0.5;
    let subpixF = subpixD * subpixE;
    let lumaMLTZero = lumaMM < 0.0;

    lumaEndN -= lumaNN * 0.5;
    lumaEndP -= lumaNN * 0.5;
    var doneN = abs(lumaEndN) >= gradientScaled;
    var doneP = abs(lumaEndP) >= gradientScaled;
    if !doneN {
        posN -= offNP * step_distance(1u);
    }
    if !doneP {
        posP += offNP * step_distance(1u);
    }
    // The unrolled FXAA_QUALITY__P2.. blocks as one loop over the preset's step table.
    for (var i = 2u; i < min(STEPS, 12u); i += 1u) {
        if doneN & doneP {
            break;
        }
        if !doneN {
            lumaEndN = luma_at(posN) - lumaNN * 0.5;
        }
        if !doneP {
            lumaEndP = luma_at(posP) - lumaNN * 0.5;
        }
        doneN = abs(lumaEndN) >= gradientScaled;
        doneP = abs(lumaEndP) >= gradientScaled;
        if !doneN {
            posN -= offNP * step_distance(i);
        }
        if !doneP {
            posP += offNP * step_distance(i);
        }
    }

    // Distance to the nearer end; the pixel's offset is how far that end is, relative to the
    // span, from the span's middle -- if the edge's luma at that end crosses the way this
    // pixel's does (a good span), else 0.
    var dstN = posM.x - posN.x;
    var dstP = posP.x - posM.x;
    if !horzSpan {
        dstN = posM.y - posN.y;
        dstP = posP.y - posM.y;
    }
    let goodSpanN = (lumaEndN < 0.0) != lumaMLTZero;
    let spanLength = dstP + dstN;
    let goodSpanP = (lumaEndP < 0.0) != lumaMLTZero;
    let spanLengthRcp = 1.0 / spanLength;

    let directionN = dstN < dstP;
    let dst = min(dstN, dstP);
    let goodSpan = select(goodSpanP, goodSpanN, directionN);
    let subpixG = subpixF * subpixF;
    let pixelOffset = dst * (-spanLengthRcp) + 0.5;
    let subpixH = subpixG * fxaa.params.x;

    let pixelOffsetGood = select(0.0, pixelOffset, goodSpan);
    let pixelOffsetSubpix = max(pixelOffsetGood, subpixH);
    if !horzSpan {
        posM.x += pixelOffsetSubpix * lengthSign;
    }
    if horzSpan {
        posM.y += pixelOffsetSubpix * lengthSign;
    }
    return tap(posM);
}

// Luma of the texel at `p`, clamped to the image (the clamp-to-edge of a filtered tap).
fn luma_load(p: vec2i, size: vec2i) -> f32 {
    return fxaa_luma(textureLoad(source, clamp(p, vec2i(0), size), 0));
}
