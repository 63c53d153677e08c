//! Ground-truth ambient occlusion by ray tracing, for testing the screen-space AO pass against.
//!
//! For each pixel centre a primary ray through the renderer's own projection
//! (`camera.projection_matrix(aspect) * camera.view()`, reverse-Z, uv origin top-left) finds the
//! visible surface; cosine-weighted rays around its normal, each limited to a world-space
//! radius, measure the visibility: the cosine-weighted fraction of the hemisphere that is open
//! within that radius (1 = nothing near, 0 = fully enclosed). That is the quantity screen-space
//! AO estimates when its falloff is a hard cut at the radius (Zhukov, Iones, Kronin, "An ambient
//! light illumination model", 1998; Jimenez et al., "Practical Real-Time Strategies for Accurate
//! Indirect Occlusion", 2016, define ground-truth AO the same way).
//!
//! Choices that make the answer reproducible and comparable with the renderer:
//! - The normal is the interpolated vertex normal, flipped with the geometric normal when the
//!   primary ray sees a back face (as the G-buffer does for double-sided materials).
//! - Secondary rays start a small distance along the geometric normal, scaled to the scene and
//!   the point's magnitude, so a surface never occludes itself through rounding.
//! - Directions come from a Hammersley set (Malley's method maps it to cosine-weighted
//!   directions) with a per-pixel Cranley–Patterson rotation drawn from a hash of the pixel, so
//!   the result is the same on every run and every thread count, and neighbouring pixels do not
//!   share one error pattern.
//! - Rows are shared among `std::thread::available_parallelism()` scoped threads.
//!
//! Every triangle is opaque and two-sided to every ray: alpha-masked and blended materials
//! occlude fully, and the primary ray does not cull the back faces of single-sided materials
//! (the rasterizer does; on closed meshes and rooms seen from inside this makes no difference).

use std::f32::consts::TAU;
use std::sync::atomic::{AtomicUsize, Ordering};

use glam::{Vec2, Vec3};

use super::raytrace::{Bvh, Ray};
use crate::scene::{Camera, Scene};

/// Most worker threads used, however many cores there are.
const MAX_THREADS: usize = 16;

/// Ground-truth AO seen through `camera` on a `width` x `height` image: for each pixel centre,
/// a primary ray (same projection as the renderer: `camera.projection_matrix(aspect) *
/// camera.view()`, reverse-Z, uv origin top-left) finds the surface; `rays_per_pixel`
/// cosine-weighted rays around the surface normal, each limited to `radius` (world units),
/// give the visibility = fraction unoccluded (1 = open). `None` where the primary ray misses.
///
/// Row-major, top row first, `width * height` entries (empty when either is zero or the
/// product does not fit in memory). `rays_per_pixel` of 0 counts as 1; a `radius` that is not
/// positive (or NaN) occludes nothing, so every hit is 1; an infinite radius is allowed.
pub fn ambient_occlusion(
    scene: &Scene,
    camera: &Camera,
    width: u32,
    height: u32,
    radius: f32,
    rays_per_pixel: u32,
) -> Vec<Option<f32>> {
    let bvh = Bvh::from_scene(scene);
    ambient_occlusion_with_bvh(&bvh, camera, width, height, radius, rays_per_pixel)
}

/// [`ambient_occlusion`] over a hierarchy built beforehand (to reuse it for several cameras or
/// to time the build and the tracing apart).
pub fn ambient_occlusion_with_bvh(
    bvh: &Bvh,
    camera: &Camera,
    width: u32,
    height: u32,
    radius: f32,
    rays_per_pixel: u32,
) -> Vec<Option<f32>> {
    let (w, h) = (width as usize, height as usize);
    let Some(len) = w.checked_mul(h).filter(|&n| n > 0 && n <= isize::MAX as usize / 8) else {
        return Vec::new();
    };
    let Some(primary) = PrimaryRays::new(camera, width, height) else {
        return vec![None; len];
    };
    let scale = bvh.bounds().radius();
    let scale = if scale.is_finite() { scale } else { 1.0 };
    let shade = |x: u32, y: u32| -> Option<f32> {
        let ray = primary.ray(x, y)?;
        let hit = bvh.closest_hit(&ray, 0.0, f32::INFINITY)?;
        let triangle = bvh.triangles().get(hit.triangle)?;
        let point = triangle.point(hit.u, hit.v);
        let mut geometric = triangle.geometric_normal();
        let mut shading = triangle.shading_normal(hit.u, hit.v);
        if geometric.dot(ray.direction) > 0.0 {
            geometric = -geometric;
            shading = -shading;
        }
        let offset = (scale * 1e-5).max(point.abs().max_element() * 1e-5).max(1e-7);
        let surface = Surface { point: point + geometric * offset, normal: shading };
        Some(visibility(bvh, &surface, radius, rays_per_pixel, pixel_rotation(x, y)))
    };

    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS).min(h);
    let next_row = AtomicUsize::new(0);
    let work = || {
        let mut rows = Vec::new();
        loop {
            let y = next_row.fetch_add(1, Ordering::Relaxed);
            if y >= h {
                return rows;
            }
            let row: Vec<Option<f32>> = (0..width).map(|x| shade(x, y as u32)).collect();
            rows.push((y, row));
        }
    };
    let mut out = vec![None; len];
    let mut place = |rows: Vec<(usize, Vec<Option<f32>>)>| {
        for (y, row) in rows {
            out[y * w..(y + 1) * w].copy_from_slice(&row);
        }
    };
    if threads <= 1 {
        place(work());
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
            place(work());
            for handle in handles {
                // A worker only panics on a bug here; its rows stay `None` rather than
                // taking the caller down.
                if let Ok(rows) = handle.join() {
                    place(rows);
                }
            }
        });
    }
    out
}

/// A point to measure visibility from: already offset off its surface, with the unit normal
/// around which the hemisphere is sampled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Surface {
    /// Ray origin, a little above the surface.
    pub point: Vec3,
    /// Unit normal of the hemisphere.
    pub normal: Vec3,
}

/// Cosine-weighted visibility of the hemisphere around `surface.normal` within `radius`:
/// the fraction of `rays` (0 counts as 1) directions that meet nothing before `radius`.
/// The directions are the Hammersley set of that size, Cranley–Patterson rotated by
/// `rotation` (each component taken modulo 1) and mapped by Malley's method.
pub fn visibility(bvh: &Bvh, surface: &Surface, radius: f32, rays: u32, rotation: Vec2) -> f32 {
    if radius.is_nan() || radius <= 0.0 {
        return 1.0;
    }
    let normal = surface.normal.normalize_or(Vec3::Y);
    let (tangent, bitangent) = normal.any_orthonormal_pair();
    let rays = rays.max(1);
    let rotation = Vec2::new(fract(rotation.x), fract(rotation.y));
    let mut open = 0u32;
    for i in 0..rays {
        let u = hammersley(i, rays) + rotation;
        let (u1, u2) = (fract(u.x), fract(u.y));
        // Malley: a uniform point on the unit disk lifted to the hemisphere.
        let r = u1.sqrt();
        let (sin, cos) = (TAU * u2).sin_cos();
        let z = (1.0 - u1).max(0.0).sqrt();
        let direction = tangent * (r * cos) + bitangent * (r * sin) + normal * z;
        if !bvh.any_hit(&Ray::new(surface.point, direction), 0.0, radius) {
            open += 1;
        }
    }
    open as f32 / rays as f32
}

/// The primary ray through the centre of pixel `(x, y)` (uv origin top-left) of a `width` x
/// `height` image, as the renderer projects it: starting on the near plane, unit direction.
/// `None` when the camera's matrices are degenerate or the pixel is outside the image.
pub fn primary_ray(camera: &Camera, width: u32, height: u32, x: u32, y: u32) -> Option<Ray> {
    PrimaryRays::new(camera, width, height)?.ray(x, y)
}

/// Mean absolute difference between an estimate and the reference over the pixels where the
/// reference is `Some`. `estimate` is row-major, top row first, one value per pixel of the
/// reference; a non-finite estimate counts as an error of 1 (the whole range). `None` when the
/// lengths differ or the reference has no surface pixel.
pub fn mean_absolute_error(reference: &[Option<f32>], estimate: &[f32]) -> Option<f64> {
    if reference.len() != estimate.len() {
        return None;
    }
    let (mut sum, mut count) = (0.0f64, 0usize);
    for (r, e) in reference.iter().zip(estimate) {
        if let Some(r) = r {
            let error = if e.is_finite() { f64::from((r - e).abs()) } else { 1.0 };
            sum += error;
            count += 1;
        }
    }
    (count > 0).then(|| sum / count as f64)
}

/// The inverse view-projection of one image, for generating pixel rays.
struct PrimaryRays {
    world_from_clip: glam::Mat4,
    width: u32,
    height: u32,
}

impl PrimaryRays {
    fn new(camera: &Camera, width: u32, height: u32) -> Option<Self> {
        if width == 0 || height == 0 {
            return None;
        }
        let aspect = width as f32 / height as f32;
        let clip_from_world = camera.projection_matrix(aspect) * camera.view();
        let world_from_clip = clip_from_world.inverse();
        world_from_clip.is_finite().then_some(Self { world_from_clip, width, height })
    }

    fn ray(&self, x: u32, y: u32) -> Option<Ray> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let ndc_x = (x as f32 + 0.5) / self.width as f32 * 2.0 - 1.0;
        let ndc_y = 1.0 - (y as f32 + 0.5) / self.height as f32 * 2.0;
        // Reverse-Z: depth 1 is the near plane; 0.5 is twice as far for a perspective lens
        // and halfway to the far plane for an orthographic one, finite for both.
        let near = self.world_from_clip.project_point3(Vec3::new(ndc_x, ndc_y, 1.0));
        let beyond = self.world_from_clip.project_point3(Vec3::new(ndc_x, ndc_y, 0.5));
        let direction = (beyond - near).normalize_or_zero();
        (near.is_finite() && direction != Vec3::ZERO).then_some(Ray::new(near, direction))
    }
}

/// Point `i` of the `n`-point Hammersley set, the first coordinate centred in its stratum.
fn hammersley(i: u32, n: u32) -> Vec2 {
    let radical_inverse = i.reverse_bits() as f32 * (1.0 / 4_294_967_296.0);
    Vec2::new((i as f32 + 0.5) / n as f32, radical_inverse)
}

/// A per-pixel offset in [0, 1)² from an integer hash of the pixel coordinates.
fn pixel_rotation(x: u32, y: u32) -> Vec2 {
    let a = hash(x.wrapping_mul(0x9e37_79b9) ^ hash(y.wrapping_add(0x632b_e5ab)));
    let b = hash(a ^ 0x85eb_ca6b);
    Vec2::new((a >> 8) as f32, (b >> 8) as f32) * (1.0 / 16_777_216.0)
}

/// A 32-bit integer mix (the PCG output permutation, as in Jarzynski and Olano, "Hash
/// Functions for GPU Rendering", 2020).
fn hash(v: u32) -> u32 {
    let state = v.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// `x - floor(x)`, kept below 1 (it can round up to 1 for tiny negative `x`); 0 for NaN.
fn fract(x: f32) -> f32 {
    let f = x - x.floor();
    if f < 1.0 { f } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::raytrace::Triangle;
    use crate::scene::{CameraProjection, Instance, Mesh, Primitive, Vertex, shapes};
    use glam::Mat4;

    /// A square of half-size `h` at height `y`, facing `+y` or `-y`.
    fn horizontal_square(y: f32, h: f32, up: bool) -> [Triangle; 2] {
        let p = |x: f32, z: f32| Vec3::new(x, y, z);
        let (a, b, c, d) = (p(-h, -h), p(-h, h), p(h, h), p(h, -h));
        if up {
            [Triangle::flat(a, b, c), Triangle::flat(a, c, d)]
        } else {
            [Triangle::flat(a, c, b), Triangle::flat(a, d, c)]
        }
    }

    /// Mean visibility over `points` Cranley–Patterson rotations at one surface point.
    fn mean_visibility(bvh: &Bvh, surface: &Surface, radius: f32, rays: u32, points: u32) -> f32 {
        let total: f32 =
            (0..points).map(|i| visibility(bvh, surface, radius, rays, pixel_rotation(i, 7))).sum();
        total / points as f32
    }

    /// Cosine-weighted visibility at distance `d` from an infinite wall within radius `r`:
    /// cosine-weighted directions are uniform points on the unit disk below them (Malley), and
    /// a direction reaches the wall within `r` when its disk coordinate towards the wall
    /// exceeds `a = d / r`; the occluded share is the circular segment beyond `a` over `pi`.
    fn wall_visibility(d: f32, r: f32) -> f32 {
        let a = (d / r).min(1.0);
        1.0 - (a.acos() - a * (1.0 - a * a).sqrt()) / std::f32::consts::PI
    }

    fn floor_point(x: f32, z: f32) -> Surface {
        Surface { point: Vec3::new(x, 1e-5, z), normal: Vec3::Y }
    }

    #[test]
    fn open_plane_is_fully_visible() {
        let bvh = Bvh::new(horizontal_square(0.0, 1000.0, true).to_vec());
        for rays in [1, 7, 64, 300] {
            let v = visibility(&bvh, &floor_point(0.3, -2.0), 5.0, rays, Vec2::new(0.3, 0.9));
            assert_eq!(v, 1.0, "{rays} rays");
        }
    }

    #[test]
    fn ceiling_at_height_h_within_radius_r_leaves_h2_over_r2() {
        // A direction at angle theta from the normal reaches the ceiling at h / cos(theta);
        // within r when cos(theta) > h / r, which under cosine weighting (sin^2 theta is
        // uniform) happens with probability 1 - h^2 / r^2.
        let mut triangles = horizontal_square(0.0, 1000.0, true).to_vec();
        triangles.extend(horizontal_square(1.0, 1000.0, false));
        let bvh = Bvh::new(triangles);
        for (r, rays) in [(2.0, 64), (1.25, 100), (4.0, 256), (0.9, 16)] {
            let expected = if r > 1.0 { 1.0 / (r * r) } else { 1.0 };
            let got = mean_visibility(&bvh, &floor_point(0.0, 0.0), r, rays, 32);
            assert!((got - expected).abs() < 1.5 / rays as f32, "r {r}: {got} vs {expected}");
        }
    }

    #[test]
    fn infinite_wall_at_distance_d_matches_the_circular_segment() {
        let big = 1000.0;
        let wall = |a: Vec3, b: Vec3, c: Vec3| Triangle::flat(a, b, c);
        // Floor y = 0 facing up, wall x = 0 facing +x.
        let mut triangles = horizontal_square(0.0, big, true).to_vec();
        let (p, q, s, t) = (
            Vec3::new(0.0, 0.0, -big),
            Vec3::new(0.0, 0.0, big),
            Vec3::new(0.0, big, big),
            Vec3::new(0.0, big, -big),
        );
        triangles.push(wall(p, q, s));
        triangles.push(wall(p, s, t));
        let bvh = Bvh::new(triangles);
        assert_eq!(wall_visibility(0.0, 1.0), 0.5);
        for (d, r) in [(0.0001, 1.0), (0.3, 1.0), (0.5, 2.0), (0.9, 1.0), (2.0, 1.0)] {
            let expected = wall_visibility(d, r);
            let got = mean_visibility(&bvh, &floor_point(d, 0.0), r, 1024, 16);
            assert!((got - expected).abs() < 0.004, "d {d} r {r}: {got} vs {expected}");
        }
    }

    #[test]
    fn error_shrinks_at_least_as_fast_as_one_over_sqrt_rays() {
        let scene = shapes::corner();
        let bvh = Bvh::from_scene(&scene);
        // On the floor 0.3 m in front of the wall, well inside both 4 m planes.
        let surface = Surface { point: Vec3::new(0.1, 1e-5, 0.3), normal: Vec3::Y };
        let expected = wall_visibility(0.3, 1.0);
        let error = |rays: u32| -> f32 {
            let pixels = 200;
            let sum: f32 = (0..pixels)
                .map(|i| {
                    let v = visibility(&bvh, &surface, 1.0, rays, pixel_rotation(i, 3));
                    (v - expected).abs()
                })
                .sum();
            sum / pixels as f32
        };
        let errors: Vec<f32> = [4, 16, 64, 256].map(error).to_vec();
        eprintln!("mean absolute error at 4, 16, 64, 256 rays: {errors:?}");
        for pair in errors.windows(2) {
            // Four times the rays: Monte Carlo halves the error; allow some slack.
            assert!(pair[1] < pair[0] * 0.65, "errors by ray count 4, 16, 64, 256: {errors:?}");
        }
        assert!(errors[3] < 0.01, "{errors:?}");
    }

    fn camera_at(position: Vec3, forward: Vec3, up: Vec3) -> Camera {
        Camera {
            position,
            forward,
            up,
            projection: CameraProjection::Perspective { yfov: 1.0, znear: 0.01 },
        }
    }

    /// A scene of the given world-space triangles as one mesh.
    fn scene_of(triangles: &[Triangle]) -> Scene {
        let vertices = triangles
            .iter()
            .flat_map(|t| {
                (0..3).map(|i| Vertex {
                    position: t.positions[i].into(),
                    normal: t.normals[i].into(),
                    ..Default::default()
                })
            })
            .collect();
        let mut scene = Scene {
            meshes: vec![Mesh {
                name: "soup".into(),
                primitives: vec![Primitive {
                    vertices,
                    indices: (0..triangles.len() as u32 * 3).collect(),
                    ..Default::default()
                }],
            }],
            instances: vec![Instance { mesh: 0, transform: Mat4::IDENTITY, node: "n".into() }],
            ..Default::default()
        };
        scene.update_bounds();
        scene
    }

    #[test]
    fn every_pixel_between_floor_and_ceiling_sees_h2_over_r2() {
        let mut triangles = horizontal_square(0.0, 1000.0, true).to_vec();
        triangles.extend(horizontal_square(1.0, 1000.0, false));
        let scene = scene_of(&triangles);
        let camera = camera_at(Vec3::new(0.0, 0.5, 0.0), Vec3::NEG_Y, Vec3::Z);
        let ao = ambient_occlusion(&scene, &camera, 12, 8, 2.0, 64);
        assert_eq!(ao.len(), 96);
        for v in &ao {
            let v = v.expect("every pixel sees the floor");
            assert!((v - 0.25).abs() <= 1.0 / 64.0 + 1e-6, "{v}");
        }
        // Reproducible.
        assert_eq!(ao, ambient_occlusion(&scene, &camera, 12, 8, 2.0, 64));
        // A ceiling wound to face up shows the camera below its back face: flipped, it sees
        // the floor the same way.
        let mut triangles = horizontal_square(0.0, 1000.0, true).to_vec();
        triangles.extend(horizontal_square(1.0, 1000.0, true));
        let scene = scene_of(&triangles);
        let up = camera_at(Vec3::new(0.0, 0.5, 0.0), Vec3::Y, Vec3::Z);
        let ao = ambient_occlusion(&scene, &up, 4, 4, 2.0, 64);
        assert!(ao.iter().all(|v| v.is_some_and(|v| (v - 0.25).abs() <= 1.0 / 64.0 + 1e-6)));
    }

    #[test]
    fn image_rows_run_top_to_bottom() {
        // From the side at the sphere's height: the sky above, the floor below.
        let scene = shapes::sphere_on_plane();
        let camera = camera_at(Vec3::new(0.0, 0.5, 2.5), Vec3::NEG_Z, Vec3::Y);
        let (w, h) = (16, 12);
        let ao = ambient_occlusion(&scene, &camera, w, h, 0.5, 16);
        assert!(ao[..w as usize].iter().all(Option::is_none), "top row is sky");
        assert!(ao[((h - 1) * w) as usize..].iter().all(Option::is_some), "bottom row is floor");
        // The sphere's centre pixel column is hit near the image centre.
        assert!(ao[(h / 2 * w + w / 2) as usize].is_some());
    }

    #[test]
    fn primary_rays_reproject_to_their_pixel_centres() {
        let camera = Camera::orbit(Vec3::new(0.3, 0.2, -0.1), 35.0, 25.0, 4.0, 0.8);
        let ortho = Camera {
            projection: CameraProjection::Orthographic { ymag: 1.5, znear: 0.1, zfar: 20.0 },
            ..camera
        };
        let (w, h) = (20u32, 10u32);
        for cam in [camera, ortho] {
            let m = cam.projection_matrix(w as f32 / h as f32) * cam.view();
            for (x, y) in [(0, 0), (19, 0), (7, 9), (10, 5)] {
                let ray = primary_ray(&cam, w, h, x, y).expect("ray");
                assert!((ray.direction.length() - 1.0).abs() < 1e-5);
                let ndc = m.project_point3(ray.at(3.0));
                let uv = Vec2::new(ndc.x * 0.5 + 0.5, 0.5 - ndc.y * 0.5);
                let expected = Vec2::new((x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32);
                assert!((uv - expected).length() < 1e-4, "{x},{y}: {uv} vs {expected}");
                assert!(ndc.z > 0.0 && ndc.z < 1.0, "in front of the camera: {}", ndc.z);
            }
            assert!(primary_ray(&cam, w, h, w, 0).is_none());
        }
    }

    #[test]
    fn hostile_inputs_give_answers_not_panics() {
        let scene = shapes::sphere_on_plane();
        let camera = Camera::frame_bounds(&scene.bounds, 30.0, 30.0, 1.0);
        assert!(ambient_occlusion(&scene, &camera, 0, 10, 1.0, 4).is_empty());
        assert!(ambient_occlusion(&scene, &camera, 10, 0, 1.0, 4).is_empty());
        let empty = ambient_occlusion(&Scene::default(), &camera, 3, 2, 1.0, 4);
        assert_eq!(empty, vec![None; 6]);
        let broken = Camera { position: Vec3::NAN, ..camera };
        assert_eq!(ambient_occlusion(&scene, &broken, 2, 2, 1.0, 4), vec![None; 4]);
        let still = Camera { forward: Vec3::ZERO, ..camera };
        assert_eq!(ambient_occlusion(&scene, &still, 2, 2, 1.0, 4).len(), 4);
        for (radius, rays) in [(0.0, 4), (f32::NAN, 4), (-1.0, 4), (f32::INFINITY, 0), (1.0, 0)] {
            let ao = ambient_occlusion(&scene, &camera, 4, 4, radius, rays);
            assert!(ao.iter().flatten().all(|v| (0.0..=1.0).contains(v)), "{radius} {rays}");
            if radius.is_nan() || radius <= 0.0 {
                assert!(ao.iter().flatten().all(|&v| v == 1.0));
            }
        }
        let mut nan_scene = scene.clone();
        nan_scene.meshes[0].primitives[0].vertices[0].position = [f32::NAN; 3];
        nan_scene.meshes[0].primitives[0].vertices[1].normal = [f32::NAN; 3];
        let ao = ambient_occlusion(&nan_scene, &camera, 4, 4, 1.0, 4);
        assert!(ao.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn mean_absolute_error_counts_surface_pixels_only() {
        let reference = [Some(1.0), None, Some(0.5), Some(0.0)];
        let estimate = [0.75, 0.0, 0.5, 0.5];
        let mae = mean_absolute_error(&reference, &estimate).unwrap_or(f64::NAN);
        assert!((mae - 0.25).abs() < 1e-12, "{mae}");
        assert_eq!(mean_absolute_error(&reference, &estimate[..3]), None);
        assert_eq!(mean_absolute_error(&[None, None], &[0.0, 1.0]), None);
        assert_eq!(mean_absolute_error(&[], &[]), None);
        assert_eq!(mean_absolute_error(&[Some(0.5)], &[f32::NAN]), Some(1.0));
    }
}
