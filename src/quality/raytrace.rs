//! A small CPU ray tracer for reference answers: a scene flattened to a world-space triangle
//! soup, a bounding volume hierarchy over it, and closest-hit and any-hit ray queries.
//!
//! - **Soup**: every instance's primitives moved into world space by the instance matrix;
//!   vertex normals move by the inverse transpose. Triangles with a non-finite corner or no area
//!   are dropped (no ray can hit them, and they would poison the bounds). Mirroring instance
//!   matrices (negative determinant) swap two corners so counter-clockwise still means front.
//! - **BVH**: binned surface area heuristic (Wald, "On fast Construction of SAH-based Bounding
//!   Volume Hierarchies", 2007) with 16 bins per axis, leaves of at most 4 triangles unless the
//!   heuristic prefers bigger ones; splits fall back to halving the range when centroids cannot
//!   be separated or the tree grows deeper than [`MAX_SAH_DEPTH`], so the depth stays bounded on
//!   any input and traversal never overflows its fixed stack.
//! - **Intersection**: Möller and Trumbore, "Fast, Minimum Storage Ray/Triangle Intersection"
//!   (1997), with inclusive edge tests so a ray through a shared edge hits one of the two
//!   triangles, and every comparison written so that NaN misses.
//!
//! Not built for speed beyond what tests need: DamagedHelmet (46k triangles) builds in a few
//! tens of milliseconds and traces a few million rays a second on one core.

use glam::{Mat3, Vec3};

use crate::scene::{Aabb, Scene};

/// Below this depth the builder splits by the surface area heuristic; at it and deeper it halves
/// the triangle range, which bounds the depth by `MAX_SAH_DEPTH + log2(triangles)`.
pub const MAX_SAH_DEPTH: usize = 64;
/// Traversal stack entries: enough for `MAX_SAH_DEPTH + 32` levels (2^32 triangles).
const STACK_SIZE: usize = MAX_SAH_DEPTH + 40;
/// Bins per axis in the SAH sweep.
const BINS: usize = 16;
/// Ranges this small always become leaves.
const MIN_LEAF: usize = 2;
/// Leaves may grow to this size when the heuristic says splitting costs more.
const MAX_LEAF: usize = 8;
/// Target leaf size for the fallback split.
const FALLBACK_LEAF: usize = 4;
/// Cost of visiting a node relative to one triangle test.
const TRAVERSAL_COST: f32 = 1.0;

/// A world-space triangle with its vertex normals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Triangle {
    /// Corners, counter-clockwise seen from the front.
    pub positions: [Vec3; 3],
    /// Unit vertex normals at the corners (the geometric normal where the file's was unusable).
    pub normals: [Vec3; 3],
}

impl Triangle {
    /// A triangle whose vertex normals are all its geometric normal.
    pub fn flat(a: Vec3, b: Vec3, c: Vec3) -> Self {
        let n = (b - a).cross(c - a).normalize_or_zero();
        Self { positions: [a, b, c], normals: [n; 3] }
    }

    /// Unit normal of the plane, on the side from which the corners run counter-clockwise;
    /// zero for a degenerate triangle.
    pub fn geometric_normal(&self) -> Vec3 {
        let [a, b, c] = self.positions;
        (b - a).cross(c - a).normalize_or_zero()
    }

    /// The point at barycentric `(u, v)`: `(1 - u - v) * p0 + u * p1 + v * p2`.
    pub fn point(&self, u: f32, v: f32) -> Vec3 {
        let [a, b, c] = self.positions;
        a * (1.0 - u - v) + b * u + c * v
    }

    /// The interpolated vertex normal at barycentric `(u, v)`, unit length; the geometric
    /// normal where the interpolation cancels out.
    pub fn shading_normal(&self, u: f32, v: f32) -> Vec3 {
        let [a, b, c] = self.normals;
        (a * (1.0 - u - v) + b * u + c * v).normalize_or(self.geometric_normal())
    }

    /// Bounds of the three corners.
    pub fn bounds(&self) -> Aabb {
        let mut b = Aabb::empty();
        for p in self.positions {
            b.extend(p);
        }
        b
    }

    fn centroid(&self) -> Vec3 {
        (self.positions[0] + self.positions[1] + self.positions[2]) / 3.0
    }

    /// Whether every corner is finite and the triangle has an area.
    fn is_usable(&self) -> bool {
        self.positions.iter().all(|p| p.is_finite()) && self.geometric_normal() != Vec3::ZERO
    }
}

/// A ray `origin + t * direction`. `direction` need not be unit length; `t` is measured in
/// multiples of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ray {
    /// Start point.
    pub origin: Vec3,
    /// Direction.
    pub direction: Vec3,
}

impl Ray {
    /// A ray from `origin` along `direction`.
    pub fn new(origin: Vec3, direction: Vec3) -> Self {
        Self { origin, direction }
    }

    /// The point at parameter `t`.
    pub fn at(&self, t: f32) -> Vec3 {
        self.origin + self.direction * t
    }
}

/// Where a ray met a triangle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Ray parameter of the hit point.
    pub t: f32,
    /// Barycentric weight of the second corner.
    pub u: f32,
    /// Barycentric weight of the third corner.
    pub v: f32,
    /// Index of the triangle in [`Bvh::triangles`].
    pub triangle: usize,
}

/// Möller–Trumbore: the `(t, u, v)` where `ray` crosses `triangle` with `t_min < t < t_max`,
/// from either side. Edges count as inside; parallel rays, degenerate triangles and NaN miss.
pub fn intersect_triangle(
    ray: &Ray,
    triangle: &Triangle,
    t_min: f32,
    t_max: f32,
) -> Option<(f32, f32, f32)> {
    let [a, b, c] = triangle.positions;
    let (e1, e2) = (b - a, c - a);
    let p = ray.direction.cross(e2);
    let det = e1.dot(p);
    let inv_det = 1.0 / det;
    if !inv_det.is_finite() {
        return None;
    }
    let s = ray.origin - a;
    let u = s.dot(p) * inv_det;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = s.cross(e1);
    let v = ray.direction.dot(q) * inv_det;
    if !(0.0..=1.0).contains(&v) || u + v > 1.0 {
        return None;
    }
    let t = e2.dot(q) * inv_det;
    (t > t_min && t < t_max).then_some((t, u, v))
}

/// Every instance's triangles in world space, in instance, primitive and index order. Out-of-
/// range mesh or vertex indices, incomplete index triples, non-finite corners and zero-area
/// triangles are skipped.
pub fn triangles_from_scene(scene: &Scene) -> Vec<Triangle> {
    let mut out = Vec::new();
    for instance in &scene.instances {
        let Some(mesh) = scene.meshes.get(instance.mesh) else { continue };
        let m = instance.transform;
        let linear = Mat3::from_mat4(m);
        let normal_matrix = linear.inverse().transpose();
        let normal_matrix_ok = normal_matrix.is_finite();
        let mirrored = linear.determinant() < 0.0;
        for primitive in &mesh.primitives {
            let vertices = &primitive.vertices;
            for idx in primitive.indices.chunks_exact(3) {
                let corner = |i: u32| vertices.get(i as usize);
                let (Some(va), Some(vb), Some(vc)) =
                    (corner(idx[0]), corner(idx[1]), corner(idx[2]))
                else {
                    continue;
                };
                let mut corners = [va, vb, vc];
                if mirrored {
                    corners.swap(1, 2);
                }
                let positions = corners.map(|v| m.transform_point3(Vec3::from(v.position)));
                let mut triangle = Triangle::flat(positions[0], positions[1], positions[2]);
                if !triangle.is_usable() {
                    continue;
                }
                let flat = triangle.normals[0];
                triangle.normals = corners.map(|v| {
                    let n = Vec3::from(v.normal);
                    if normal_matrix_ok && n.is_finite() {
                        (normal_matrix * n).normalize_or(flat)
                    } else {
                        flat
                    }
                });
                out.push(triangle);
            }
        }
    }
    out
}

/// One node of the flattened tree: an interior node (`count == 0`) has its children at
/// `first` and `first + 1`; a leaf holds triangles `first..first + count`.
#[derive(Clone, Copy, Debug)]
struct Node {
    min: Vec3,
    max: Vec3,
    first: u32,
    count: u32,
}

/// A bounding volume hierarchy over a triangle soup.
#[derive(Clone, Debug, Default)]
pub struct Bvh {
    nodes: Vec<Node>,
    triangles: Vec<Triangle>,
}

/// A ray prepared for box tests.
struct BoxRay {
    origin: Vec3,
    inv_direction: Vec3,
}

impl BoxRay {
    fn new(ray: &Ray) -> Self {
        Self { origin: ray.origin, inv_direction: ray.direction.recip() }
    }

    /// Entry parameter into the node's box within `[t_min, t_max]`, or `None`. A NaN slab
    /// parameter comes from `0 * inf`: a ray parallel to the slab starting on its boundary,
    /// which lies in the slab for every `t` (flat boxes of axis-aligned triangles need this).
    /// A NaN ray enters every box and then misses every triangle.
    fn enter(&self, node: &Node, t_min: f32, t_max: f32) -> Option<f32> {
        let t0 = (node.min - self.origin) * self.inv_direction;
        let t1 = (node.max - self.origin) * self.inv_direction;
        let on_boundary = t0.is_nan_mask() | t1.is_nan_mask();
        let near = Vec3::select(on_boundary, Vec3::NEG_INFINITY, t0.min(t1));
        let far = Vec3::select(on_boundary, Vec3::INFINITY, t0.max(t1));
        let enter = near.x.max(near.y).max(near.z).max(t_min);
        let exit = far.x.min(far.y).min(far.z).min(t_max);
        (enter <= exit).then_some(enter)
    }
}

impl Bvh {
    /// The hierarchy over every triangle of `scene` (see [`triangles_from_scene`]).
    pub fn from_scene(scene: &Scene) -> Self {
        Self::new(triangles_from_scene(scene))
    }

    /// The hierarchy over `triangles`. Unusable triangles (non-finite corners, no area) are
    /// dropped; the rest are reordered, so hits index [`Bvh::triangles`], not the input.
    pub fn new(triangles: Vec<Triangle>) -> Self {
        let triangles: Vec<Triangle> = triangles.into_iter().filter(Triangle::is_usable).collect();
        if triangles.is_empty() {
            return Self::default();
        }
        let mut builder = Builder {
            bounds: triangles.iter().map(Triangle::bounds).collect(),
            centroids: triangles.iter().map(Triangle::centroid).collect(),
            order: (0..triangles.len() as u32).collect(),
            nodes: Vec::with_capacity(triangles.len() / 2 + 1),
        };
        builder.nodes.push(Node { min: Vec3::ZERO, max: Vec3::ZERO, first: 0, count: 0 });
        builder.build(0, 0, triangles.len(), 0);
        let ordered = builder.order.iter().map(|&i| triangles[i as usize]).collect();
        Self { nodes: builder.nodes, triangles: ordered }
    }

    /// The triangles, in the order [`Hit::triangle`] indexes.
    pub fn triangles(&self) -> &[Triangle] {
        &self.triangles
    }

    /// Bounds of every triangle; empty for an empty hierarchy.
    pub fn bounds(&self) -> Aabb {
        self.nodes.first().map(|n| Aabb { min: n.min, max: n.max }).unwrap_or_else(Aabb::empty)
    }

    /// Number of tree nodes (for statistics).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The nearest hit with `t_min < t < t_max`, from either side of a triangle.
    pub fn closest_hit(&self, ray: &Ray, t_min: f32, t_max: f32) -> Option<Hit> {
        let mut best: Option<Hit> = None;
        let mut t_max = t_max;
        self.traverse(ray, t_min, &mut t_max, |triangle, index, t_max| {
            if let Some((t, u, v)) = intersect_triangle(ray, triangle, t_min, *t_max) {
                *t_max = t;
                best = Some(Hit { t, u, v, triangle: index });
            }
            false
        });
        best
    }

    /// Whether anything is hit with `t_min < t < t_max` (stops at the first hit found).
    pub fn any_hit(&self, ray: &Ray, t_min: f32, t_max: f32) -> bool {
        let mut t_max = t_max;
        let mut found = false;
        self.traverse(ray, t_min, &mut t_max, |triangle, _, t_max| {
            found = intersect_triangle(ray, triangle, t_min, *t_max).is_some();
            found
        });
        found
    }

    /// Visits the triangles of every leaf whose box the ray enters before `t_max`, near child
    /// first. `visit` may shrink `t_max`; it returns true to stop.
    fn traverse(
        &self,
        ray: &Ray,
        t_min: f32,
        t_max: &mut f32,
        mut visit: impl FnMut(&Triangle, usize, &mut f32) -> bool,
    ) {
        let Some(root) = self.nodes.first() else { return };
        let box_ray = BoxRay::new(ray);
        if box_ray.enter(root, t_min, *t_max).is_none() {
            return;
        }
        let mut stack = [0u32; STACK_SIZE];
        let mut len = 1usize;
        while len > 0 {
            len -= 1;
            let node = &self.nodes[stack[len] as usize];
            // The box was entered when pushed, but a closer hit may have been found since.
            if box_ray.enter(node, t_min, *t_max).is_none() {
                continue;
            }
            let first = node.first as usize;
            if node.count > 0 {
                for index in first..first + node.count as usize {
                    if visit(&self.triangles[index], index, t_max) {
                        return;
                    }
                }
                continue;
            }
            let (a, b) = (first, first + 1);
            let ta = box_ray.enter(&self.nodes[a], t_min, *t_max);
            let tb = box_ray.enter(&self.nodes[b], t_min, *t_max);
            // Push the far child first so the near one is popped next.
            let order = match (ta, tb) {
                (Some(ta), Some(tb)) if tb < ta => [Some(a), Some(b)],
                (Some(_), Some(_)) => [Some(b), Some(a)],
                (Some(_), None) => [None, Some(a)],
                (None, Some(_)) => [None, Some(b)],
                (None, None) => [None, None],
            };
            for child in order.into_iter().flatten() {
                if len < STACK_SIZE {
                    stack[len] = child as u32;
                    len += 1;
                }
            }
        }
    }
}

/// Build state: per-triangle bounds and centroids indexed by original triangle, and `order`,
/// the permutation that leaves reference by contiguous ranges.
struct Builder {
    bounds: Vec<Aabb>,
    centroids: Vec<Vec3>,
    order: Vec<u32>,
    nodes: Vec<Node>,
}

#[derive(Clone, Copy)]
struct Bin {
    bounds: Aabb,
    count: usize,
}

fn area(b: &Aabb) -> f32 {
    if b.is_empty() {
        return 0.0;
    }
    let d = b.max - b.min;
    2.0 * (d.x * d.y + d.y * d.z + d.z * d.x)
}

impl Builder {
    /// Fills node `index` with triangles `order[start..end]`, splitting recursively.
    fn build(&mut self, index: usize, start: usize, end: usize, depth: usize) {
        let mut bounds = Aabb::empty();
        let mut centroid_bounds = Aabb::empty();
        for &i in &self.order[start..end] {
            bounds.union(&self.bounds[i as usize]);
            centroid_bounds.extend(self.centroids[i as usize]);
        }
        let count = end - start;
        let leaf =
            Node { min: bounds.min, max: bounds.max, first: start as u32, count: count as u32 };
        if count <= MIN_LEAF {
            self.nodes[index] = leaf;
            return;
        }
        let split = if depth < MAX_SAH_DEPTH {
            self.sah_split(start, end, &bounds, &centroid_bounds)
        } else {
            None
        };
        let mid = match split {
            Some(Split::Leaf) => {
                self.nodes[index] = leaf;
                return;
            }
            Some(Split::At(mid)) => mid,
            None if count <= FALLBACK_LEAF => {
                self.nodes[index] = leaf;
                return;
            }
            None => self.median_split(start, end, &centroid_bounds),
        };
        let left = self.nodes.len();
        let blank = Node { min: Vec3::ZERO, max: Vec3::ZERO, first: 0, count: 0 };
        self.nodes.push(blank);
        self.nodes.push(blank);
        self.nodes[index] = Node { min: bounds.min, max: bounds.max, first: left as u32, count: 0 };
        self.build(left, start, mid, depth + 1);
        self.build(left + 1, mid, end, depth + 1);
    }

    /// The cheapest binned SAH split, or `Leaf` when no split beats a leaf of acceptable
    /// size, or `None` when the centroids cannot be separated into two non-empty sides.
    fn sah_split(
        &mut self,
        start: usize,
        end: usize,
        bounds: &Aabb,
        centroid_bounds: &Aabb,
    ) -> Option<Split> {
        let extent = centroid_bounds.max - centroid_bounds.min;
        let parent_area = area(bounds);
        if !(parent_area > 0.0 && parent_area.is_finite()) {
            return None;
        }
        let empty = Bin { bounds: Aabb::empty(), count: 0 };
        let mut best: Option<(f32, usize, usize)> = None; // (cost, axis, bins on the left)
        for axis in 0..3 {
            if extent[axis].is_nan() || extent[axis] <= 0.0 {
                continue;
            }
            let scale = BINS as f32 / extent[axis];
            let mut bins = [empty; BINS];
            for &i in &self.order[start..end] {
                let b = bin_of(self.centroids[i as usize][axis], centroid_bounds.min[axis], scale);
                bins[b].bounds.union(&self.bounds[i as usize]);
                bins[b].count += 1;
            }
            // Right-to-left sweep: area and count of bins k..BINS.
            let mut right_area = [0.0f32; BINS];
            let mut right_count = [0usize; BINS];
            let mut acc = empty;
            for k in (1..BINS).rev() {
                acc.bounds.union(&bins[k].bounds);
                acc.count += bins[k].count;
                right_area[k] = area(&acc.bounds);
                right_count[k] = acc.count;
            }
            let mut left = empty;
            for k in 1..BINS {
                left.bounds.union(&bins[k - 1].bounds);
                left.count += bins[k - 1].count;
                if left.count == 0 || right_count[k] == 0 {
                    continue;
                }
                let cost = TRAVERSAL_COST
                    + (area(&left.bounds) * left.count as f32
                        + right_area[k] * right_count[k] as f32)
                        / parent_area;
                if cost.is_finite() && best.is_none_or(|(c, _, _)| cost < c) {
                    best = Some((cost, axis, k));
                }
            }
        }
        let (cost, axis, k) = best?;
        let count = end - start;
        if cost >= count as f32 && count <= MAX_LEAF {
            return Some(Split::Leaf);
        }
        let scale = BINS as f32 / extent[axis];
        let min = centroid_bounds.min[axis];
        let centroids = &self.centroids;
        let mid = start
            + partition(&mut self.order[start..end], |i| {
                bin_of(centroids[i as usize][axis], min, scale) < k
            });
        (mid > start && mid < end).then_some(Split::At(mid))
    }

    /// Halves the range around the median centroid on the widest axis (any order when all
    /// centroids coincide).
    fn median_split(&mut self, start: usize, end: usize, centroid_bounds: &Aabb) -> usize {
        let extent = centroid_bounds.max - centroid_bounds.min;
        let axis = if extent.x >= extent.y && extent.x >= extent.z {
            0
        } else if extent.y >= extent.z {
            1
        } else {
            2
        };
        let mid = start + (end - start) / 2;
        let centroids = &self.centroids;
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            centroids[a as usize][axis].total_cmp(&centroids[b as usize][axis])
        });
        mid
    }
}

enum Split {
    Leaf,
    At(usize),
}

fn bin_of(value: f32, min: f32, scale: f32) -> usize {
    // `as usize` saturates (NaN to 0), so this stays in range on any input.
    (((value - min) * scale) as usize).min(BINS - 1)
}

/// Moves the items for which `left` holds to the front; returns how many there are.
fn partition(items: &mut [u32], left: impl Fn(u32) -> bool) -> usize {
    let mut count = 0;
    for i in 0..items.len() {
        if left(items[i]) {
            items.swap(i, count);
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::{Instance, Mesh, Primitive, Vertex};
    use glam::Mat4;

    /// A small deterministic generator (xorshift*), for reproducible random soups.
    struct Rng(u64);

    impl Rng {
        fn next_f32(&mut self) -> f32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32
        }
        fn vec3(&mut self, lo: f32, hi: f32) -> Vec3 {
            Vec3::new(self.next_f32(), self.next_f32(), self.next_f32()) * (hi - lo) + lo
        }
    }

    /// The twelve triangles of the axis-aligned box `min..max`, wound outward.
    fn box_triangles(min: Vec3, max: Vec3) -> Vec<Triangle> {
        let c = |i: usize| {
            Vec3::new(
                if i & 1 == 0 { min.x } else { max.x },
                if i & 2 == 0 { min.y } else { max.y },
                if i & 4 == 0 { min.z } else { max.z },
            )
        };
        // Faces as corner indices, counter-clockwise seen from outside.
        let faces = [
            [0, 4, 6, 2], // -x
            [1, 3, 7, 5], // +x
            [0, 1, 5, 4], // -y
            [2, 6, 7, 3], // +y
            [0, 2, 3, 1], // -z
            [4, 5, 7, 6], // +z
        ];
        faces
            .iter()
            .flat_map(|f| {
                [
                    Triangle::flat(c(f[0]), c(f[1]), c(f[2])),
                    Triangle::flat(c(f[0]), c(f[2]), c(f[3])),
                ]
            })
            .collect()
    }

    fn brute_force(triangles: &[Triangle], ray: &Ray, t_max: f32) -> Option<f32> {
        triangles
            .iter()
            .filter_map(|t| intersect_triangle(ray, t, 0.0, t_max))
            .map(|(t, _, _)| t)
            .min_by(f32::total_cmp)
    }

    #[test]
    fn ray_meets_a_single_triangle_where_expected() {
        let tri = Triangle::flat(Vec3::ZERO, Vec3::X, Vec3::Y);
        assert_eq!(tri.geometric_normal(), Vec3::Z);
        let ray = Ray::new(Vec3::new(0.25, 0.5, 2.0), Vec3::new(0.0, 0.0, -2.0));
        let (t, u, v) = intersect_triangle(&ray, &tri, 0.0, f32::INFINITY).unwrap();
        assert!((t - 1.0).abs() < 1e-6 && (u - 0.25).abs() < 1e-6 && (v - 0.5).abs() < 1e-6);
        assert!((tri.point(u, v) - ray.at(t)).length() < 1e-6);
        // From behind, too.
        let back = Ray::new(Vec3::new(0.25, 0.25, -1.0), Vec3::Z);
        assert!(intersect_triangle(&back, &tri, 0.0, 10.0).is_some());
        // Outside, beyond t_max, behind the origin, parallel, NaN.
        let miss = Ray::new(Vec3::new(0.75, 0.75, 1.0), Vec3::NEG_Z);
        assert!(intersect_triangle(&miss, &tri, 0.0, 10.0).is_none());
        assert!(intersect_triangle(&ray, &tri, 0.0, 0.99).is_none());
        assert!(intersect_triangle(&ray, &tri, 1.01, 10.0).is_none());
        let parallel = Ray::new(Vec3::new(0.1, 0.1, 0.0), Vec3::X);
        assert!(intersect_triangle(&parallel, &tri, 0.0, 10.0).is_none());
        let nan = Ray::new(Vec3::splat(f32::NAN), Vec3::NEG_Z);
        assert!(intersect_triangle(&nan, &tri, 0.0, 10.0).is_none());
        let degenerate = Triangle::flat(Vec3::ZERO, Vec3::X, Vec3::X * 2.0);
        assert!(intersect_triangle(&ray, &degenerate, 0.0, 10.0).is_none());
    }

    #[test]
    fn a_ray_through_a_shared_edge_hits() {
        // Two triangles of a unit square; rays through the diagonal and the corners.
        let (a, b, c, d) = (Vec3::ZERO, Vec3::X, Vec3::new(1.0, 1.0, 0.0), Vec3::Y);
        let bvh = Bvh::new(vec![Triangle::flat(a, b, c), Triangle::flat(a, c, d)]);
        for s in [0.0, 0.1, 0.3, 0.5, 0.77, 1.0] {
            let ray = Ray::new(Vec3::new(s, s, 1.0), Vec3::NEG_Z);
            let hit = bvh.closest_hit(&ray, 0.0, 10.0);
            assert!(hit.is_some_and(|h| (h.t - 1.0).abs() < 1e-6), "diagonal at {s}");
        }
    }

    #[test]
    fn rays_hit_a_box_at_its_faces() {
        let bvh = Bvh::new(box_triangles(Vec3::splat(-1.0), Vec3::new(1.0, 2.0, 3.0)));
        assert_eq!(bvh.triangles().len(), 12);
        let cases = [
            (Vec3::new(-5.0, 0.0, 0.0), Vec3::X, 4.0, Vec3::NEG_X),
            (Vec3::new(0.0, 10.0, 0.5), Vec3::NEG_Y, 8.0, Vec3::Y),
            (Vec3::new(0.2, 0.3, -3.0), Vec3::Z * 2.0, 1.0, Vec3::NEG_Z),
            // From inside, the far face.
            (Vec3::ZERO, Vec3::Z, 3.0, Vec3::Z),
        ];
        for (origin, direction, t, normal) in cases {
            let ray = Ray::new(origin, direction);
            let hit = bvh.closest_hit(&ray, 0.0, f32::INFINITY).expect("hit");
            assert!((hit.t - t).abs() < 1e-5, "{origin}: t {} vs {t}", hit.t);
            let n = bvh.triangles()[hit.triangle].geometric_normal();
            assert!((n - normal).length() < 1e-5, "{origin}: normal {n} vs {normal}");
            assert!(bvh.any_hit(&ray, 0.0, t + 1e-3));
            assert!(!bvh.any_hit(&ray, 0.0, t - 1e-3));
        }
        let away = Ray::new(Vec3::new(-5.0, 0.0, 0.0), Vec3::NEG_X);
        assert!(bvh.closest_hit(&away, 0.0, f32::INFINITY).is_none());
        let past = Ray::new(Vec3::new(-5.0, 5.0, 0.0), Vec3::X);
        assert!(!bvh.any_hit(&past, 0.0, f32::INFINITY));
    }

    #[test]
    fn closest_hit_is_the_nearest_of_stacked_layers() {
        // Parallel squares at z = 0..9, given in shuffled order.
        let mut triangles = Vec::new();
        for z in [5.0, 2.0, 9.0, 0.0, 7.0, 1.0, 8.0, 3.0, 6.0, 4.0] {
            let p = |x: f32, y: f32| Vec3::new(x, y, z);
            triangles.push(Triangle::flat(p(-1.0, -1.0), p(1.0, -1.0), p(1.0, 1.0)));
            triangles.push(Triangle::flat(p(-1.0, -1.0), p(1.0, 1.0), p(-1.0, 1.0)));
        }
        let bvh = Bvh::new(triangles);
        let up = Ray::new(Vec3::new(0.1, 0.2, -1.0), Vec3::Z);
        let down = Ray::new(Vec3::new(0.1, 0.2, 20.0), Vec3::NEG_Z);
        let hit = |ray: &Ray, t_min: f32| bvh.closest_hit(ray, t_min, f32::INFINITY).map(|h| h.t);
        assert_eq!(hit(&up, 0.0), Some(1.0));
        assert_eq!(hit(&down, 0.0), Some(11.0));
        assert_eq!(hit(&up, 4.5), Some(5.0));
        let z = |h: Hit| bvh.triangles()[h.triangle].positions[0].z;
        assert_eq!(bvh.closest_hit(&down, 0.0, 100.0).map(z), Some(9.0));
    }

    #[test]
    fn bvh_agrees_with_brute_force_on_random_rays() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut triangles = Vec::new();
        for _ in 0..2000 {
            let centre = rng.vec3(-5.0, 5.0);
            let size = 0.05 + rng.next_f32() * 0.6;
            triangles.push(Triangle::flat(
                centre + rng.vec3(-size, size),
                centre + rng.vec3(-size, size),
                centre + rng.vec3(-size, size),
            ));
        }
        let bvh = Bvh::new(triangles);
        let soup = bvh.triangles().to_vec();
        let (mut hits, mut agreed_any) = (0, 0);
        for i in 0..3000 {
            let origin = rng.vec3(-7.0, 7.0);
            let direction = rng.vec3(-1.0, 1.0);
            let ray = Ray::new(origin, direction);
            let t_max = if i % 3 == 0 { 2.0 } else { f32::INFINITY };
            let expected = brute_force(&soup, &ray, t_max);
            let got = bvh.closest_hit(&ray, 0.0, t_max).map(|h| h.t);
            match (expected, got) {
                (Some(e), Some(g)) => assert!((e - g).abs() <= 1e-5 * e.max(1.0), "{e} vs {g}"),
                (None, None) => {}
                other => panic!("ray {i}: brute force {:?}, bvh {:?}", other.0, other.1),
            }
            hits += usize::from(expected.is_some());
            if bvh.any_hit(&ray, 0.0, t_max) == expected.is_some() {
                agreed_any += 1;
            }
        }
        assert_eq!(agreed_any, 3000);
        assert!(hits > 300, "too few hits to mean anything: {hits}");
    }

    #[test]
    fn hostile_soups_do_not_break_the_build() {
        // Empty, all identical, NaN corners, degenerate, a long sliver chain.
        assert!(
            Bvh::new(Vec::new()).closest_hit(&Ray::new(Vec3::ZERO, Vec3::X), 0.0, 1.0).is_none()
        );
        assert!(Bvh::new(Vec::new()).bounds().is_empty());
        let same = vec![Triangle::flat(Vec3::ZERO, Vec3::X, Vec3::Y); 1000];
        let bvh = Bvh::new(same);
        let ray = Ray::new(Vec3::new(0.2, 0.2, 1.0), Vec3::NEG_Z);
        assert!(bvh.closest_hit(&ray, 0.0, 2.0).is_some());
        let nan = vec![
            Triangle::flat(Vec3::splat(f32::NAN), Vec3::X, Vec3::Y),
            Triangle::flat(Vec3::ZERO, Vec3::X, Vec3::X),
            Triangle::flat(Vec3::ZERO, Vec3::X, Vec3::Y),
        ];
        let bvh = Bvh::new(nan);
        assert_eq!(bvh.triangles().len(), 1);
        assert!(bvh.any_hit(&ray, 0.0, 2.0));
        // Exponentially spaced triangles make the SAH split one at a time.
        let chain: Vec<_> = (0..200)
            .map(|i| {
                let x = 1.2f32.powi(i);
                Triangle::flat(
                    Vec3::new(x, 0.0, 0.0),
                    Vec3::new(x, 1.0, 0.0),
                    Vec3::new(x, 0.0, 1.0),
                )
            })
            .collect();
        let bvh = Bvh::new(chain);
        let ray = Ray::new(Vec3::new(-1.0, 0.2, 0.2), Vec3::X);
        assert_eq!(bvh.closest_hit(&ray, 0.0, f32::INFINITY).map(|h| h.t), Some(2.0));
    }

    #[test]
    fn scene_soup_is_in_world_space_with_transformed_normals() {
        let vertex =
            |p: [f32; 3]| Vertex { position: p, normal: [0.0, 0.0, 1.0], ..Default::default() };
        let primitive = Primitive {
            vertices: vec![
                vertex([0.0, 0.0, 0.0]),
                vertex([1.0, 0.0, 0.0]),
                vertex([0.0, 1.0, 0.0]),
            ],
            // One good triangle, one out of range, one incomplete triple.
            indices: vec![0, 1, 2, 0, 1, 7, 0, 1],
            ..Default::default()
        };
        let scale = Mat4::from_translation(Vec3::new(0.0, 0.0, 5.0))
            * Mat4::from_scale(Vec3::new(2.0, 1.0, 1.0))
            * Mat4::from_rotation_x(-std::f32::consts::FRAC_PI_2);
        let mirror = Mat4::from_scale(Vec3::new(-1.0, 1.0, 1.0));
        let scene = Scene {
            meshes: vec![Mesh { name: "t".into(), primitives: vec![primitive] }],
            instances: vec![
                Instance { mesh: 0, transform: scale, node: "a".into() },
                Instance { mesh: 0, transform: mirror, node: "b".into() },
                Instance { mesh: 3, transform: Mat4::IDENTITY, node: "missing".into() },
            ],
            ..Default::default()
        };
        let soup = triangles_from_scene(&scene);
        assert_eq!(soup.len(), 2);
        // Rotated -90 degrees about x: +y goes to -z, +z normal to +y.
        assert!((soup[0].positions[1] - Vec3::new(2.0, 0.0, 5.0)).length() < 1e-6);
        assert!((soup[0].positions[2] - Vec3::new(0.0, 0.0, 4.0)).length() < 1e-6);
        assert!((soup[0].normals[0] - Vec3::Y).length() < 1e-6);
        // Mirrored: the winding is swapped so the geometric normal still agrees with the
        // vertex normals.
        assert!((soup[1].geometric_normal() - Vec3::Z).length() < 1e-6);
        assert!((soup[1].normals[0] - Vec3::Z).length() < 1e-6);
    }
}
