//! HDR display output ([`crate::post::display`]) against its formulas, for `afterlight
//! quality`: what the finish writes for PQ and scRGB, read back from the GPU.
//!
//! Per display setting and tone mapper:
//! - **paper white**: an unlit floor of scene-linear 1 seen through the Clamp mapper must show
//!   `paper_white_nits` (SDR white);
//! - **peak**: the same floor at scene-linear 5000 must show at most `peak_nits`;
//! - **encode error**: on a real scene (the built-in product demo, or any scene), each pixel's
//!   display value against the formula the finish implements: the SDR curve of the grade and
//!   mapper ([`baked_value`]), extended to the display's headroom
//!   ([`hdr_display_linear`]) and encoded by SMPTE ST 2084 ([`pq_of_display_linear`]; scRGB as
//!   that light over 80 nits). The GPU bakes it into the finish's 3D LUT and interpolates, so
//!   the error is the LUT's lattice and half floats; stated in 10-bit PQ code values (1/1023),
//!   the quantum of an HDR10 signal. Mappers that compress every channel by the largest one
//!   (PBR Neutral) are not separable: trilinear interpolation between lattice points where
//!   another channel is the largest pulls greys below the curve, by up to 4.5 codes just
//!   above paper white at 64³; Clamp's kink at the peak costs up to 3 codes, AgX and ACES
//!   stay within 2. The brightest pixel's nits are reported beside the peak;
//! - the finish's GPU ms on that scene, beside the same scene in SDR.
//!
//! The input each pixel's expectation is computed from is the renderer's HDR image itself
//! ([`Renderer::read_hdr`]), read back under a manual exposure (whose multiplier is 1), with
//! every pass between lighting and the finish off, vignette, grain and dither off.

use std::sync::Arc;

use glam::{Mat3, Vec3};

use crate::Error;
use crate::gpu::Gpu;
use crate::post::Tier;
use crate::post::chain::PostSettings;
use crate::post::display::{
    DisplayEncoding, DisplaySettings, REC709_TO_BT2020, hdr_display_linear, pq_decode, pq_encode,
    pq_of_display_linear,
};
use crate::post::exposure::ExposureSettings;
use crate::post::finish::FinishSettings;
use crate::post::grade::GradeSettings;
use crate::post::grade_bake::{baked_value, shows_graded_colour, srgb_decode};
use crate::post::tonemap::ToneMapper;
use crate::render::environment::Environment;
use crate::render::{RenderOptions, Renderer, RendererSettings};
use crate::scene::{Camera, CameraProjection, Material, Scene};

/// One display setting and tone mapper the report measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DisplayCase {
    /// The display output.
    pub display: DisplaySettings,
    /// The tone mapper (its SDR curve is what HDR extends).
    pub mapper: ToneMapper,
    /// The finish's tier (High: the 64³ LUT sampled trilinearly; Ultra: tetrahedrally).
    pub tier: Tier,
}

/// What `afterlight quality` measures: PQ at BT.2408's 203-nit paper white on a 1000-nit
/// display with three mappers at the finish's High and Ultra tiers, PQ at other whites and
/// peaks, and scRGB.
pub fn display_cases() -> Vec<DisplayCase> {
    let pq = |paper, peak, mapper, tier| DisplayCase {
        display: DisplaySettings {
            paper_white_nits: paper,
            peak_nits: peak,
            ..DisplaySettings::PQ
        },
        mapper,
        tier,
    };
    let mut cases = Vec::new();
    for mapper in [ToneMapper::Clamp, ToneMapper::KhronosPbrNeutral, ToneMapper::AgX] {
        for tier in [Tier::High, Tier::Ultra] {
            cases.push(pq(203.0, 1000.0, mapper, tier));
        }
    }
    cases.extend([
        pq(100.0, 600.0, ToneMapper::KhronosPbrNeutral, Tier::High),
        pq(300.0, 4000.0, ToneMapper::AcesFitted, Tier::High),
        DisplayCase {
            display: DisplaySettings { encoding: DisplayEncoding::ScRgb, ..DisplaySettings::PQ },
            mapper: ToneMapper::KhronosPbrNeutral,
            tier: Tier::High,
        },
    ]);
    cases
}

/// One case's measurements.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayScore {
    /// The case measured.
    pub case: DisplayCase,
    /// Nits shown for scene-linear 1 through the Clamp mapper (should be paper white).
    pub paper_white_nits: f64,
    /// Nits shown for scene-linear 5000 through the case's mapper (at most the peak).
    pub far_above_peak_nits: f64,
    /// The brightest nits of any channel on the scene.
    pub brightest_nits: f64,
    /// Largest and mean difference from the formula over the scene's pixels and channels, in
    /// 10-bit PQ code values.
    pub max_error_codes: f64,
    /// See `max_error_codes`.
    pub mean_error_codes: f64,
    /// Median GPU ms of the finish on the scene in this output (`None` without timestamps).
    pub finish_ms: Option<f64>,
    /// The same in SDR, for comparison.
    pub finish_sdr_ms: Option<f64>,
}

/// Settings that leave the finish alone between lighting and the display: manual exposure
/// (multiplier 1), neutral grade, no vignette, grain or dither, every other pass off.
fn plain(case: &DisplayCase, display: DisplaySettings) -> PostSettings {
    let mut post = PostSettings {
        exposure: ExposureSettings::manual(0.0),
        grade: GradeSettings::NEUTRAL,
        finish: FinishSettings { dither: false, tier: case.tier, ..FinishSettings::CLEAN },
        display,
        ..Default::default()
    };
    post.tonemap.mapper = case.mapper;
    post
}

/// An unlit floor of scene-linear radiance `value` filling an orthographic view from above.
fn flat_floor(value: f32) -> (Scene, Camera) {
    let mut scene = crate::scene::shapes::corner();
    scene.materials = vec![Material { unlit: true, ..Default::default() }];
    for mesh in &mut scene.meshes {
        for primitive in &mut mesh.primitives {
            primitive.material = Some(0);
            for v in &mut primitive.vertices {
                v.color = [value, value, value, 1.0];
            }
        }
    }
    // The floor spans x in ±2, z in 0..4: the view sees x in ±1, z in 1..3.
    let camera = Camera {
        position: Vec3::new(0.0, 3.0, 2.0),
        forward: Vec3::NEG_Y,
        up: Vec3::NEG_Z,
        projection: CameraProjection::Orthographic { ymag: 1.0, znear: 0.1, zfar: 10.0 },
    };
    (scene, camera)
}

/// Display light of the chain's HDR display values in nits (Rec.709 primaries).
fn nits(encoding: DisplayEncoding, value: Vec3) -> Vec3 {
    match encoding {
        DisplayEncoding::ScRgb => value * 80.0,
        _ => bt2020_to_rec709() * value.map(pq_decode),
    }
}

fn bt2020_to_rec709() -> Mat3 {
    REC709_TO_BT2020.inverse()
}

/// Render one frame of `post` and read the HDR display image back.
fn display_image(
    gpu: &Gpu,
    renderer: &mut Renderer,
    camera: &Camera,
    post: &PostSettings,
) -> Result<Vec<[f32; 4]>, Error> {
    let options = RenderOptions { post: post.clone(), ..Default::default() };
    renderer.render(gpu, camera, &options)?;
    renderer.read_display_hdr(gpu)?.ok_or_else(|| {
        Error::InvalidArgument("the frame was not HDR: no HDR display image to read".into())
    })
}

/// The centre pixel's nits of a flat floor of `value` under `post`.
fn flat_nits(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    settings: &RendererSettings,
    value: f32,
    post: &PostSettings,
) -> Result<f64, Error> {
    const SIZE: u32 = 16;
    let (scene, camera) = flat_floor(value);
    let mut renderer =
        Renderer::with_environment(gpu, &scene, (SIZE, SIZE), environment.clone(), settings)?;
    let image = display_image(gpu, &mut renderer, &camera, post)?;
    let p = image[(SIZE / 2 * SIZE + SIZE / 2) as usize];
    Ok(f64::from(nits(post.display.encoding, Vec3::new(p[0], p[1], p[2])).max_element()))
}

/// The PQ code values the finish should write for scene-linear `x` (the formula it bakes).
pub fn expected_pq(case: &DisplayCase, x: Vec3) -> Vec3 {
    let (grade, display) = (GradeSettings::NEUTRAL, case.display.validated().0);
    let sdr = baked_value(&grade, case.mapper, None, x).map(|v| srgb_decode(v.clamp(0.0, 1.0)));
    let clamp = shows_graded_colour(case.mapper, None);
    let relative = hdr_display_linear(sdr, x, clamp, display.headroom());
    pq_of_display_linear(relative, display.paper_white_nits)
}

/// Measure `case` on `scene` seen by `camera` at `size` x `size`.
#[allow(clippy::too_many_arguments)]
pub fn score(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    settings: &RendererSettings,
    scene: &Scene,
    camera: &Camera,
    size: u32,
    case: &DisplayCase,
) -> Result<DisplayScore, Error> {
    let clamp_case = DisplayCase { mapper: ToneMapper::Clamp, ..*case };
    let paper_white_nits =
        flat_nits(gpu, environment, settings, 1.0, &plain(&clamp_case, case.display))?;
    let far_above_peak_nits =
        flat_nits(gpu, environment, settings, 5000.0, &plain(case, case.display))?;

    let mut renderer =
        Renderer::with_environment(gpu, scene, (size, size), environment.clone(), settings)?;
    let post = plain(case, case.display);
    let image = display_image(gpu, &mut renderer, camera, &post)?;
    let hdr = renderer.read_hdr(gpu)?;
    let (mut worst, mut sum, mut count, mut brightest) = (0.0f64, 0.0f64, 0usize, 0.0f64);
    for (shown, input) in image.iter().zip(&hdr) {
        let x = Vec3::new(input[0], input[1], input[2]);
        if !x.is_finite() {
            continue;
        }
        let shown = Vec3::new(shown[0], shown[1], shown[2]);
        let light = nits(case.display.encoding, shown);
        brightest = brightest.max(f64::from(light.max_element()));
        // scRGB is compared as the PQ codes of the light it holds.
        let code = match case.display.encoding {
            DisplayEncoding::ScRgb => (REC709_TO_BT2020 * light).max(Vec3::ZERO).map(pq_encode),
            _ => shown,
        };
        let error = (code - expected_pq(case, x)).abs() * 1023.0;
        worst = worst.max(f64::from(error.max_element()));
        sum += f64::from(error.x + error.y + error.z);
        count += 3;
    }
    let finish_ms = super::scope_ms(
        gpu,
        &mut renderer,
        camera,
        &RenderOptions { post: post.clone(), ..Default::default() },
        "finish",
    )?;
    let sdr = plain(case, DisplaySettings::default());
    let finish_sdr_ms = super::scope_ms(
        gpu,
        &mut renderer,
        camera,
        &RenderOptions { post: sdr, ..Default::default() },
        "finish",
    )?;
    Ok(DisplayScore {
        case: *case,
        paper_white_nits,
        far_above_peak_nits,
        brightest_nits: brightest,
        max_error_codes: worst,
        mean_error_codes: if count == 0 { 0.0 } else { sum / count as f64 },
        finish_ms,
        finish_sdr_ms,
    })
}

/// The display table, one row per case.
pub fn table(scores: &[DisplayScore]) -> String {
    let ms = |v: Option<f64>| v.map_or("-".into(), |ms| format!("{ms:.3}"));
    let mut out = format!(
        "{:<24} {:<20} {:<6} {:>11} {:>15} {:>11} {:>13} {:>14} {:>9} {:>8}\n",
        "output",
        "mapper",
        "finish",
        "paper white",
        "5000 -> (peak)",
        "brightest",
        "max err codes",
        "mean err codes",
        "finish ms",
        "SDR ms"
    );
    for s in scores {
        let d = s.case.display;
        out += &format!(
            "{:<24} {:<20} {:<6} {:>7.1} nit {:>9.1} ({:>4}) {:>7.1} nit {:>13.2} {:>14.3} {:>9} {:>8}\n",
            format!("{} {}/{}", d.encoding.name(), d.paper_white_nits, d.peak_nits),
            s.case.mapper.name(),
            s.case.tier.name(),
            s.paper_white_nits,
            s.far_above_peak_nits,
            d.peak_nits,
            s.brightest_nits,
            s.max_error_codes,
            s.mean_error_codes,
            ms(s.finish_ms),
            ms(s.finish_sdr_ms),
        );
    }
    out
}
