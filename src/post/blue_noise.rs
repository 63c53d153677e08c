//! The finish's noise tile: a 64x64 texture fetched once per pixel for both the dither and the
//! film grain (`shaders/post/finish.wgsl`), tiled over the image and shifted by a per-frame
//! offset when the grain animates.
//!
//! - Red and green: two independent blue-noise masks made by Ulichney's void-and-cluster
//!   method ("The void-and-cluster method for dither array generation", SPIE 1993) on a
//!   torus, Gaussian energy of σ = 1.5 px. Each value `0..=255` appears 16 times (the ranks
//!   `0..4096` in steps of 16), so each channel is uniform on `[0, 1]` and `r + g − 1` is a
//!   triangular-PDF dither of ±1 with zero mean; blue noise has little low-frequency energy,
//!   so the dither reads as finer grain than white noise of the same amplitude.
//! - Blue: the film grain, value noise (random values on a lattice, smoothstep-interpolated)
//!   whose lattice spacing is the grain size: `n = round(64 / size)` lattice points across the
//!   tile (so the tile repeats seamlessly; the size is used to within about 3 %), re-baked
//!   when the size changes, its mean moved to exactly 0.5.
//!
//! Reads and writes nothing on the GPU itself; [`tile`] is the texels.

use std::sync::OnceLock;

/// The tile's edge in texels (`NOISE_TILE` in the shader).
pub const TILE: u32 = 64;

const N: usize = TILE as usize;
const SIGMA: f32 = 1.5;
/// Gaussian weights beyond this distance are below 1e-6 of the centre's and are left out.
const RADIUS: i32 = 8;

/// A small PCG-style integer hash (Jarzynski & Olano 2020), the seed of every random choice.
pub fn hash(mut v: u32) -> u32 {
    v = v.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((v >> ((v >> 28) + 4)) ^ v).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// A void-and-cluster blue-noise mask: the rank (`0..N²`) of each texel, row-major.
fn void_and_cluster(seed: u32) -> Vec<u16> {
    let weights: Vec<f32> = (-RADIUS..=RADIUS)
        .flat_map(|dy| (-RADIUS..=RADIUS).map(move |dx| (dx, dy)))
        .map(|(dx, dy)| (-((dx * dx + dy * dy) as f32) / (2.0 * SIGMA * SIGMA)).exp())
        .collect();
    let side = (2 * RADIUS + 1) as usize;
    // energy[p]: the Gaussian-weighted count of set texels around p (toroidal).
    let update = |energy: &mut [f32], p: usize, sign: f32| {
        let (px, py) = ((p % N) as i32, (p / N) as i32);
        for dy in -RADIUS..=RADIUS {
            let y = (py + dy).rem_euclid(N as i32) as usize;
            for dx in -RADIUS..=RADIUS {
                let x = (px + dx).rem_euclid(N as i32) as usize;
                let w = weights[(dy + RADIUS) as usize * side + (dx + RADIUS) as usize];
                energy[y * N + x] += sign * w;
            }
        }
    };
    // The set texel with the most energy (tightest cluster) or the unset one with the least
    // (largest void).
    let extreme = |energy: &[f32], set: &[bool], want: bool| {
        let mut best = None::<(usize, f32)>;
        for (p, (&e, &s)) in energy.iter().zip(set).enumerate() {
            if s != want {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, b)) => (want && e > b) || (!want && e < b),
            };
            if better {
                best = Some((p, e));
            }
        }
        best.map_or(0, |(p, _)| p)
    };

    // An initial pattern of about 10% set texels, relaxed until moving the tightest cluster
    // into the largest void changes nothing.
    let mut set = vec![false; N * N];
    let mut energy = vec![0.0f32; N * N];
    let mut state = hash(seed ^ 0x9e37_79b9);
    let mut ones = 0;
    while ones < N * N / 10 {
        state = hash(state);
        let p = state as usize % (N * N);
        if !set[p] {
            set[p] = true;
            update(&mut energy, p, 1.0);
            ones += 1;
        }
    }
    for _ in 0..N * N {
        let cluster = extreme(&energy, &set, true);
        set[cluster] = false;
        update(&mut energy, cluster, -1.0);
        let void = extreme(&energy, &set, false);
        set[void] = true;
        update(&mut energy, void, 1.0);
        if void == cluster {
            break;
        }
    }
    let initial = (set.clone(), energy.clone());

    let mut rank = vec![0u16; N * N];
    // Phase 1: rank the initial texels, removing the tightest cluster each time.
    for r in (0..ones).rev() {
        let cluster = extreme(&energy, &set, true);
        set[cluster] = false;
        update(&mut energy, cluster, -1.0);
        rank[cluster] = r as u16;
    }
    // Phases 2 and 3: from the initial pattern, fill the largest void each time (on a torus
    // the zeros' energy is a constant minus the ones', so the majority phase is the same
    // choice).
    let (mut set, mut energy) = initial;
    for r in ones..N * N {
        let void = extreme(&energy, &set, false);
        set[void] = true;
        update(&mut energy, void, 1.0);
        rank[void] = r as u16;
    }
    rank
}

/// The two blue-noise masks as 8-bit values (rank / 16), made once per process.
fn masks() -> &'static (Vec<u8>, Vec<u8>) {
    static MASKS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    MASKS.get_or_init(|| {
        let to_bytes = |ranks: Vec<u16>| ranks.into_iter().map(|r| (r / 16) as u8).collect();
        (to_bytes(void_and_cluster(1)), to_bytes(void_and_cluster(2)))
    })
}

/// The lattice points across the tile for a grain of `size` pixels: `round(64 / size)`,
/// at least 1.
pub fn grain_lattice(size: f32) -> u32 {
    let n = (TILE as f32 / size.max(1e-3)).round();
    if n.is_finite() { (n as u32).clamp(1, 4 * TILE) } else { TILE }
}

/// The grain channel for a lattice of `n` points across the tile: value noise in `[0, 1]`,
/// mean 0.5, row-major.
fn grain(n: u32) -> Vec<u8> {
    let lattice = |i: i64, j: i64| {
        let (i, j) = (i.rem_euclid(i64::from(n)) as u32, j.rem_euclid(i64::from(n)) as u32);
        hash(i.wrapping_mul(1_664_525) ^ hash(j ^ 0x5bd1_e995)) as f32 / u32::MAX as f32
    };
    let scale = n as f32 / TILE as f32;
    let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
    let values: Vec<f32> = (0..N * N)
        .map(|p| {
            let (x, y) = ((p % N) as f32 + 0.5, (p / N) as f32 + 0.5);
            let (u, v) = (x * scale, y * scale);
            let (ci, cj) = (u.floor(), v.floor());
            let (fx, fy) = (smooth(u - ci), smooth(v - cj));
            let (i, j) = (ci as i64, cj as i64);
            let top = lattice(i, j) + (lattice(i + 1, j) - lattice(i, j)) * fx;
            let bottom = lattice(i, j + 1) + (lattice(i + 1, j + 1) - lattice(i, j + 1)) * fx;
            top + (bottom - top) * fy
        })
        .collect();
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    values.iter().map(|v| ((v - mean + 0.5).clamp(0.0, 1.0) * 255.0).round() as u8).collect()
}

/// The tile's Rgba8Unorm texels, row-major: the two blue-noise masks in red and green, the
/// grain of a lattice of `grain_lattice` points across in blue, 255 in alpha.
pub fn tile(grain_lattice: u32) -> Vec<u8> {
    let (r, g) = masks();
    let b = grain(grain_lattice.max(1));
    (0..N * N).flat_map(|p| [r[p], g[p], b[p], 255]).collect()
}

/// This frame's offset into the tile, in texels: a hash of `seed`, each axis in `0..64`.
pub fn offset(seed: u32) -> (u32, u32) {
    let h = hash(seed.wrapping_add(0x68e3_1da4));
    (h % TILE, (h >> 8) % TILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean of the squared 2x2 box averages (a low-pass) of a mask centred on 0, relative to
    /// the mask's variance: 0.25 for white noise, far less for blue noise.
    fn low_pass_share(mask: &[u8]) -> f64 {
        let v = |x: usize, y: usize| f64::from(mask[(y % N) * N + x % N]) / 255.0 - 0.5;
        let variance = (0..N * N).map(|p| v(p % N, p / N).powi(2)).sum::<f64>() / (N * N) as f64;
        let low = (0..N * N)
            .map(|p| {
                let (x, y) = (p % N, p / N);
                ((v(x, y) + v(x + 1, y) + v(x, y + 1) + v(x + 1, y + 1)) / 4.0).powi(2)
            })
            .sum::<f64>()
            / (N * N) as f64;
        low / variance
    }

    #[test]
    fn masks_are_uniform_zero_mean_and_blue() {
        let (r, g) = masks();
        for mask in [r, g] {
            let mut counts = [0u32; 256];
            for &v in mask.iter() {
                counts[v as usize] += 1;
            }
            assert!(counts.iter().all(|&c| c == 16), "each value 16 times");
            let share = low_pass_share(mask);
            assert!(
                share < 0.08,
                "blue: 2x2 averages keep {share:.3} of the variance (white: 0.25)"
            );
        }
        assert_ne!(r, g, "two different masks");
        // The triangular dither r + g - 1 has zero mean over the tile.
        let sum: i64 = r.iter().zip(g).map(|(&a, &b)| i64::from(a) + i64::from(b) - 255).sum();
        assert_eq!(sum, 0);
    }

    #[test]
    fn grain_has_mean_one_half_and_the_lattice_follows_the_size() {
        assert_eq!(grain_lattice(1.5), 43);
        assert_eq!(grain_lattice(4.0), 16);
        assert_eq!(grain_lattice(0.5), 128);
        for n in [16, 43, 64, 128] {
            let b = grain(n);
            let mean = b.iter().map(|&v| f64::from(v)).sum::<f64>() / b.len() as f64;
            assert!((mean - 127.5).abs() < 0.6, "lattice {n}: mean {mean}");
            // Neighbours are alike when the lattice is coarser than the pixels.
            let step = b.windows(2).map(|w| f64::from(w[0].abs_diff(w[1]))).sum::<f64>();
            let spread = b.iter().map(|&v| (f64::from(v) - mean).abs()).sum::<f64>();
            eprintln!("lattice {n}: neighbour difference / spread {:.2}", step / spread);
            if n <= 43 {
                assert!(step < spread, "lattice {n}: smooth at the pixel scale");
            }
        }
        let tile = tile(43);
        assert_eq!(tile.len(), N * N * 4);
        assert!(tile.chunks_exact(4).all(|t| t[3] == 255));
    }

    #[test]
    fn offsets_cover_the_tile() {
        let offsets: std::collections::HashSet<_> = (0..4096).map(offset).collect();
        assert!(offsets.len() > 2000, "{}", offsets.len());
        assert!(offsets.iter().all(|&(x, y)| x < TILE && y < TILE));
    }
}
