//! The bake's CPU input: an equirect read from a file (`.hdr`, `.exr`) or the procedural
//! studio, scrubbed and clamped to what the bake can take ([`prepare`]).

use std::path::Path;

use glam::{Vec2, Vec3};

use crate::Error;

use super::{
    EnvironmentSettings, EnvironmentSource, HALF_MAX, MAX_SOURCE_WIDTH, STUDIO_SIZE,
    equirect_direction,
};

/// A source ready for upload, and the cube face size to bake it at.
pub(super) struct Prepared {
    pub(super) equirect: Equirect,
    pub(super) face_size: u32,
    /// Channels replaced by 0 (NaN, infinite, negative).
    pub(super) scrubbed: usize,
    /// Channels clamped to the half float maximum.
    pub(super) clamped: usize,
}

/// Load or generate the source, scrub it, and fit it to the cube size and the device.
pub(super) fn prepare(
    settings: &EnvironmentSettings,
    max_dimension: u32,
) -> Result<Prepared, Error> {
    let face_size = settings.resolution.min(1 << max_dimension.ilog2());
    if face_size != settings.resolution {
        log::warn!(
            "environment resolution {} exceeds this device's {max_dimension}; using {face_size}",
            settings.resolution
        );
    }
    let mut source = match &settings.source {
        EnvironmentSource::Studio => studio(STUDIO_SIZE.0, STUDIO_SIZE.1),
        EnvironmentSource::Uniform(c) => Equirect::uniform(*c),
        EnvironmentSource::Equirect(path) => Equirect::load(path)?,
        EnvironmentSource::EquirectBytes { name, bytes } => {
            Equirect::decode(Path::new(name), bytes)?
        }
    };
    // Before halving, so one bad texel does not poison its neighbours.
    let (scrubbed, clamped) = source.sanitize();
    if scrubbed > 0 {
        log::warn!(
            "environment {}: {scrubbed} colour channels were NaN, infinite or negative; \
             replaced by 0",
            source.name
        );
    }
    if clamped > 0 {
        log::warn!(
            "environment {}: {clamped} colour channels exceeded {HALF_MAX}; clamped",
            source.name
        );
    }
    // Past one equirect texel per cube texel (at the equator) the extra detail only costs
    // upload memory (16 bytes a texel) and taps; halving first is a box prefilter.
    let max_width = (4 * face_size).min(MAX_SOURCE_WIDTH).min(max_dimension);
    while source.width > max_width || source.height > max_dimension {
        source = source.halve();
    }
    Ok(Prepared { equirect: source, face_size, scrubbed, clamped })
}

/// An equirectangular radiance image on the CPU, rows top (+Y) first.
pub(super) struct Equirect {
    /// What it came from, for messages.
    pub(super) name: String,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) texels: Vec<[f32; 3]>,
}

impl Equirect {
    pub(super) fn uniform(c: Vec3) -> Self {
        let (width, height) = (8, 4);
        let texels = vec![c.to_array(); (width * height) as usize];
        Self { name: format!("uniform {c}"), width, height, texels }
    }

    /// Decode a Radiance `.hdr` or OpenEXR file; anything else is an error naming it.
    pub(super) fn load(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Environment { path: path.to_path_buf(), reason: e.to_string() })?;
        Self::decode(path, &bytes)
    }

    /// Decode the bytes of a Radiance `.hdr` or OpenEXR file called `path`.
    fn decode(path: &Path, bytes: &[u8]) -> Result<Self, Error> {
        let error = |reason: String| Error::Environment { path: path.to_path_buf(), reason };
        let format = image::guess_format(bytes)
            .ok()
            .filter(|f| matches!(f, image::ImageFormat::Hdr | image::ImageFormat::OpenExr));
        let Some(format) = format else {
            return Err(error(
                "not a Radiance .hdr or OpenEXR image (an environment needs linear HDR radiance)"
                    .into(),
            ));
        };
        let image = image::load_from_memory_with_format(bytes, format)
            .map_err(|e| error(format!("cannot decode: {e}")))?
            .to_rgb32f();
        let (width, height) = image.dimensions();
        if width < 2 || height < 1 {
            return Err(error(format!("{width}x{height} is too small for an equirect")));
        }
        if width != 2 * height {
            log::warn!(
                "environment {}: {width}x{height} is not 2:1; stretching it over the sphere",
                path.display()
            );
        }
        let texels = image.pixels().map(|p| p.0).collect();
        Ok(Self { name: path.display().to_string(), width, height, texels })
    }

    /// Replace NaN, infinite and negative channels by 0 and clamp the rest to the half float
    /// range; returns (replaced, clamped) channel counts.
    pub(super) fn sanitize(&mut self) -> (usize, usize) {
        let (mut scrubbed, mut clamped) = (0, 0);
        for value in self.texels.iter_mut().flatten() {
            if !value.is_finite() || *value < 0.0 {
                *value = 0.0;
                scrubbed += 1;
            } else if *value > HALF_MAX {
                *value = HALF_MAX;
                clamped += 1;
            }
        }
        (scrubbed, clamped)
    }

    /// Half the size in each direction, each texel the mean of the 2x2 above it (an odd last
    /// row or column is folded into its neighbour).
    pub(super) fn halve(&self) -> Self {
        let (width, height) = ((self.width / 2).max(1), (self.height / 2).max(1));
        let mut texels = vec![[0.0f32; 3]; (width * height) as usize];
        let mut counts = vec![0u32; texels.len()];
        for y in 0..self.height {
            for x in 0..self.width {
                let i = ((y / 2).min(height - 1) * width + (x / 2).min(width - 1)) as usize;
                let t = self.texels[(y * self.width + x) as usize];
                for c in 0..3 {
                    texels[i][c] += t[c];
                }
                counts[i] += 1;
            }
        }
        for (t, n) in texels.iter_mut().zip(counts) {
            *t = t.map(|v| v / n as f32);
        }
        Self { name: self.name.clone(), width, height, texels }
    }

    /// Mean radiance over the sphere: rows weighted by their solid angle (sin theta).
    pub(super) fn average(&self) -> Vec3 {
        let (mut sum, mut weight) = (glam::DVec3::ZERO, 0.0f64);
        for y in 0..self.height {
            let theta = (f64::from(y) + 0.5) / f64::from(self.height) * std::f64::consts::PI;
            let w = theta.sin();
            for x in 0..self.width {
                let t = self.texels[(y * self.width + x) as usize];
                sum += glam::DVec3::new(t[0].into(), t[1].into(), t[2].into()) * w;
                weight += w;
            }
        }
        (sum / weight.max(f64::MIN_POSITIVE)).as_vec3()
    }
}

/// A soft rectangular light box of the studio: a rectangle on the plane tangent to the unit
/// sphere at `centre`, half extents in that plane's units, edges fading over `softness` of
/// the half extent.
struct SoftBox {
    centre: Vec3,
    half_size: Vec2,
    radiance: f32,
    softness: f32,
}

impl SoftBox {
    pub(super) fn radiance(&self, d: Vec3) -> f32 {
        let c = self.centre.normalize();
        let facing = d.dot(c);
        if facing <= 0.0 {
            return 0.0;
        }
        let right = c.cross(Vec3::Y).normalize();
        let up = right.cross(c);
        let p = Vec2::new(d.dot(right), d.dot(up)) / facing;
        let edge = |x: f32, half: f32| {
            1.0 - smoothstep(half * (1.0 - self.softness), half * (1.0 + self.softness), x.abs())
        };
        self.radiance * edge(p.x, self.half_size.x) * edge(p.y, self.half_size.y)
    }
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The neutral studio: a grey gradient from a darker floor to a lighter ceiling, a large key
/// box front left above, a dimmer fill box front right, and a thin rim strip behind and
/// above (so metals show highlights from the front and an edge from behind), scaled so the
/// mean radiance is exactly 1 (EV100 0 exposes it as mid grey).
pub(super) fn studio(width: u32, height: u32) -> Equirect {
    let boxes = [
        // Key: front left, above.
        SoftBox {
            centre: Vec3::new(-0.6, 0.55, 0.6),
            half_size: Vec2::new(0.45, 0.3),
            radiance: 12.0,
            softness: 0.3,
        },
        // Fill: front right, near the horizon, larger and dimmer.
        SoftBox {
            centre: Vec3::new(0.8, 0.15, 0.5),
            half_size: Vec2::new(0.5, 0.45),
            radiance: 4.0,
            softness: 0.5,
        },
        // Rim: a thin strip behind and above.
        SoftBox {
            centre: Vec3::new(0.0, 0.45, -1.0),
            half_size: Vec2::new(0.9, 0.1),
            radiance: 10.0,
            softness: 0.3,
        },
    ];
    let (floor, ceiling) = (0.2, 0.6);
    let mut texels = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let d = equirect_direction(
                (x as f32 + 0.5) / width as f32,
                (y as f32 + 0.5) / height as f32,
            );
            let wall = floor + (ceiling - floor) * smoothstep(-0.35, 0.65, d.y);
            let lights: f32 = boxes.iter().map(|b| b.radiance(d)).sum();
            texels.push([wall + lights; 3]);
        }
    }
    let mut studio = Equirect { name: "studio".into(), width, height, texels };
    let scale = 1.0 / studio.average().x;
    for t in &mut studio.texels {
        *t = t.map(|v| v * scale);
    }
    studio
}
