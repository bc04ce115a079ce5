//! The candidates a steered method scans, and the search for its peaks.
//!
//! SRP-PHAT and MUSIC score a set of candidate sources and keep the best. A
//! [`SearchGrid`] holds those candidates with a neighbour graph, so that peaks are
//! found as local maxima on the grid and then refined off the grid by
//! [`SearchGrid::refine`], which makes the accuracy independent of the grid step.
//!
//! - Far field: unit vectors towards the source. [`SearchGrid::sphere`] subdivides an
//!   icosahedron (`10 * 4^n + 2` nearly uniform points: 642 for `n = 3`, 2562 for
//!   `n = 4`), [`SearchGrid::hemisphere`] keeps its upper half (for a planar array,
//!   which cannot tell up from down), and [`SearchGrid::horizon`] spaces azimuths
//!   evenly on the horizontal plane.
//! - Near field: positions in metres, in the array's frame, on a square lattice in a
//!   horizontal plane ([`SearchGrid::plane`]) or a cubic one in a box
//!   ([`SearchGrid::volume`]).
//!
//! [`SearchGrid::delays_s`] gives the arrival time at each microphone for a candidate,
//! relative to the array's centroid, in the convention of [`crate::array`].

use std::collections::HashMap;

use crate::array::{
    MicArray, add, angle_between, cross, distance, dot, norm, perpendicular, scale, sub,
};
use crate::error::{Error, Result};

/// How much [`SearchGrid::refine`] shrinks its step once a pass settles.
const REFINE_SHRINK: f64 = 0.3;

/// The most passes [`SearchGrid::refine`] makes at one step size.
const REFINE_PASSES: usize = 8;

/// Most doubling strides of one pattern move in [`SearchGrid::refine`].
const PATTERN_MOVES: usize = 12;

/// How many distinct tops beyond those still needed [`SearchGrid::sources`] climbs to
/// before polishing: an approximate map may rank the tops differently from the exact
/// score.
const EXTRA_TOPS: usize = 2;

/// What [`SearchGrid::sources`] asks of a steered method.
pub trait PeakScore {
    /// The method's exact score at candidate `index` (its map may hold an
    /// approximation of it).
    fn at_candidate(&mut self, index: usize) -> f64;

    /// The point and score reported for a peak at candidate `index`: refined off the
    /// grid, or the candidate with its exact score.
    fn polish(&mut self, index: usize) -> ([f64; 3], f64);
}

/// Buffers of [`SearchGrid::sources`], kept by a caller that searches on every frame:
/// nothing is allocated once they have grown to their working size.
#[derive(Debug, Clone, Default)]
pub struct SourceSearch {
    /// The map's local maxima, strongest first.
    maxima: Vec<usize>,
    /// Distinct tops of the exact score not yet polished, with their scores.
    tops: Vec<(usize, f64)>,
    /// The sources found, `(point, score)`.
    found: Vec<([f64; 3], f64)>,
}

impl SourceSearch {
    /// Buffers sized for a grid of `n_points` candidates and up to `n_sources` sources.
    pub fn with_capacity(n_points: usize, n_sources: usize) -> Self {
        SourceSearch {
            maxima: Vec::with_capacity(n_points),
            tops: Vec::with_capacity(n_sources + EXTRA_TOPS + 1),
            found: Vec::with_capacity(n_sources),
        }
    }
}

/// Whether candidates are directions or positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridKind {
    /// Unit vectors towards a distant source (plane waves).
    FarField,
    /// Source positions in metres (spherical waves).
    NearField,
}

/// Which surface or volume the candidates cover; it fixes how a peak is refined.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    /// Directions spread over the sphere or a part of it: refine in two tangent angles.
    Sphere,
    /// Directions in the horizontal plane: refine the azimuth only.
    Horizon,
    /// Positions in the horizontal plane `z = height`: refine `x` and `y`.
    Plane,
    /// Positions in a box: refine `x`, `y` and `z`.
    Volume,
}

/// Candidate sources with a neighbour graph.
#[derive(Debug, Clone)]
pub struct SearchGrid {
    layout: Layout,
    points: Vec<[f64; 3]>,
    neighbours: Vec<Vec<u32>>,
    spacing: f64,
}

/// Grids larger than this are refused: they would cost more memory than they are worth.
pub const MAX_GRID_POINTS: usize = 4_000_000;

impl SearchGrid {
    /// Directions over the whole sphere from an icosahedron subdivided `subdivisions`
    /// times (`10 * 4^n + 2` points, at most `n = 8`).
    pub fn sphere(subdivisions: u32) -> Result<Self> {
        if subdivisions > 8 {
            return Err(Error::parameter(
                "subdivisions",
                "0 to 8 (8 gives 655 362 directions)",
                subdivisions,
            ));
        }
        let (points, triangles) = icosphere(subdivisions);
        let neighbours = neighbours_from_triangles(points.len(), &triangles);
        let spacing = mean_edge_angle(&points, &neighbours);
        Ok(SearchGrid {
            layout: Layout::Sphere,
            points,
            neighbours,
            spacing,
        })
    }

    /// The directions of [`SearchGrid::sphere`] with colatitude at most 90 degrees.
    pub fn hemisphere(subdivisions: u32) -> Result<Self> {
        let sphere = SearchGrid::sphere(subdivisions)?;
        Ok(sphere.keep(|p| p[2] >= -1e-9))
    }

    /// `n_azimuths` directions evenly spaced on the horizon (colatitude 90 degrees),
    /// the first on `+x`.
    pub fn horizon(n_azimuths: usize) -> Result<Self> {
        if !(3..=MAX_GRID_POINTS).contains(&n_azimuths) {
            return Err(Error::parameter(
                "n_azimuths",
                format!("3 to {MAX_GRID_POINTS}"),
                n_azimuths,
            ));
        }
        let step = std::f64::consts::TAU / n_azimuths as f64;
        let points = (0..n_azimuths)
            .map(|k| {
                let (s, c) = (k as f64 * step).sin_cos();
                [c, s, 0.0]
            })
            .collect();
        let neighbours = (0..n_azimuths)
            .map(|k| {
                vec![
                    ((k + n_azimuths - 1) % n_azimuths) as u32,
                    ((k + 1) % n_azimuths) as u32,
                ]
            })
            .collect();
        Ok(SearchGrid {
            layout: Layout::Horizon,
            points,
            neighbours,
            spacing: step,
        })
    }

    /// Positions on a square lattice of `step_m` over `x_m` × `y_m` (inclusive ranges
    /// in metres) at height `z_m`, for near-field sources.
    pub fn plane(x_m: (f64, f64), y_m: (f64, f64), z_m: f64, step_m: f64) -> Result<Self> {
        let axes = [
            axis_samples("x_m", x_m, step_m)?,
            axis_samples("y_m", y_m, step_m)?,
            axis_samples("z_m", (z_m, z_m), step_m)?,
        ];
        SearchGrid::lattice(Layout::Plane, axes, step_m)
    }

    /// Positions on a cubic lattice of `step_m` filling the box `x_m` × `y_m` × `z_m`
    /// (inclusive ranges in metres), for near-field sources.
    pub fn volume(x_m: (f64, f64), y_m: (f64, f64), z_m: (f64, f64), step_m: f64) -> Result<Self> {
        let axes = [
            axis_samples("x_m", x_m, step_m)?,
            axis_samples("y_m", y_m, step_m)?,
            axis_samples("z_m", z_m, step_m)?,
        ];
        SearchGrid::lattice(Layout::Volume, axes, step_m)
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Always false: constructors refuse empty grids.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Directions or positions.
    pub fn kind(&self) -> GridKind {
        match self.layout {
            Layout::Sphere | Layout::Horizon => GridKind::FarField,
            Layout::Plane | Layout::Volume => GridKind::NearField,
        }
    }

    /// The candidates: unit vectors (far field) or positions in metres (near field).
    pub fn points(&self) -> &[[f64; 3]] {
        &self.points
    }

    /// The candidates next to candidate `index`.
    pub fn neighbours(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.neighbours[index].iter().map(|&k| k as usize)
    }

    /// The typical distance between neighbours: radians (far field) or metres.
    pub fn spacing(&self) -> f64 {
        self.spacing
    }

    /// How far apart two candidates (or refined points) are: the angle between
    /// directions in radians, or the distance between positions in metres.
    pub fn separation(&self, a: [f64; 3], b: [f64; 3]) -> f64 {
        match self.kind() {
            GridKind::FarField => angle_between(a, b),
            GridKind::NearField => distance(a, b),
        }
    }

    /// Arrival time at each microphone of a source at `point` (a unit vector or a
    /// position, as this grid holds), relative to the array's centroid, in seconds.
    /// `out` must hold one value per microphone.
    pub fn delays_s(
        &self,
        array: &MicArray,
        speed_of_sound: f64,
        point: [f64; 3],
        out: &mut [f64],
    ) {
        let centroid = array.centroid();
        match self.kind() {
            GridKind::FarField => {
                for (t, p) in out.iter_mut().zip(array.positions()) {
                    *t = -dot(sub(*p, centroid), point) / speed_of_sound;
                }
            }
            GridKind::NearField => {
                let reference = distance(point, centroid);
                for (t, p) in out.iter_mut().zip(array.positions()) {
                    *t = (distance(point, *p) - reference) / speed_of_sound;
                }
            }
        }
    }

    /// Up to `max_peaks` local maxima of `values` (one per candidate), strongest first,
    /// each at least `min_separation` (radians or metres) from every stronger one kept.
    ///
    /// A candidate is a local maximum when no neighbour scores higher; among equal
    /// neighbours the lower index wins, so a flat top yields one peak.
    pub fn peaks(&self, values: &[f64], max_peaks: usize, min_separation: f64) -> Vec<usize> {
        let mut maxima = Vec::new();
        let mut kept = Vec::with_capacity(max_peaks);
        self.peaks_into(values, max_peaks, min_separation, &mut maxima, &mut kept);
        kept
    }

    /// [`SearchGrid::peaks`] into buffers the caller keeps: `kept` receives the peaks,
    /// `maxima` is scratch. Nothing is allocated once both have grown to their working
    /// size, which suits a method called on every frame.
    pub fn peaks_into(
        &self,
        values: &[f64],
        max_peaks: usize,
        min_separation: f64,
        maxima: &mut Vec<usize>,
        kept: &mut Vec<usize>,
    ) {
        self.local_maxima_into(values, maxima);

        kept.clear();
        for &k in maxima.iter() {
            if kept.len() == max_peaks {
                break;
            }
            let far_enough = kept
                .iter()
                .all(|&q| self.separation(self.points[k], self.points[q]) >= min_separation);
            if far_enough {
                kept.push(k);
            }
        }
    }

    /// The local maxima of `values` into `maxima`, strongest first: the candidates with
    /// a finite value that no neighbour exceeds (among equal neighbours the lower index
    /// wins, so a flat top yields one).
    fn local_maxima_into(&self, values: &[f64], maxima: &mut Vec<usize>) {
        maxima.clear();
        maxima.extend((0..self.points.len()).filter(|&k| {
            values[k].is_finite()
                && self
                    .neighbours(k)
                    .all(|n| values[n] < values[k] || (values[n] == values[k] && k < n))
        }));
        // Unstable sorting allocates nothing; the index breaks ties as a stable sort would.
        maxima.sort_unstable_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    }

    /// The sources a steered method reports from its `map` (one value per candidate):
    /// up to `n_sources` distinct peaks of the method's exact score, polished by the
    /// method, strongest first, as `(point, score)`. SRP-PHAT and MUSIC both find their
    /// sources here.
    ///
    /// 1. The map's local maxima are taken strongest first, and each climbs the exact
    ///    score ([`PeakScore::at_candidate`]) from neighbour to neighbour until none is
    ///    higher: a ripple of an approximate map on the flank of a peak (a shoulder)
    ///    climbs to that peak rather than standing for a source of its own.
    /// 2. The tops reached are kept when at least `min_separation` (radians or metres)
    ///    from every stronger top and every source already reported, a few more than
    ///    are still needed, since the map may rank them differently from the exact
    ///    score.
    /// 3. The strongest top waiting is polished ([`PeakScore::polish`]: refined off the
    ///    grid, or kept as it is). If the polished point lands within `min_separation`
    ///    of a source already reported (two starts refined onto one maximum), it is
    ///    dropped and the next distinct top is taken.
    ///
    /// Fewer than `n_sources` come back only when no other distinct peak exists. For a
    /// planar array on a far-field grid, directions are compared as they are reported,
    /// on the side of the plane's normal ([`MicArray::normal_side`]): a peak and its
    /// mirror image are one source, and the point returned is on that side.
    pub fn sources<'a>(
        &self,
        array: &MicArray,
        map: &[f64],
        n_sources: usize,
        min_separation: f64,
        method: &mut impl PeakScore,
        search: &'a mut SourceSearch,
    ) -> &'a [([f64; 3], f64)] {
        let reported = |p: [f64; 3]| match self.kind() {
            GridKind::FarField => array.normal_side(p),
            GridKind::NearField => p,
        };
        let apart = |a: [f64; 3], b: [f64; 3]| self.separation(a, b) >= min_separation;

        self.local_maxima_into(map, &mut search.maxima);
        search.tops.clear();
        search.found.clear();
        let mut next = 0;
        while search.found.len() < n_sources {
            // Climb more map maxima until enough distinct tops wait.
            let wanted = n_sources - search.found.len() + EXTRA_TOPS;
            while search.tops.len() < wanted && next < search.maxima.len() {
                let (top, score) = self.climb(search.maxima[next], method);
                next += 1;
                let point = reported(self.points[top]);
                let stronger_near = search
                    .tops
                    .iter()
                    .any(|&(q, s)| s >= score && !apart(point, reported(self.points[q])));
                let reported_near = search.found.iter().any(|&(q, _)| !apart(point, q));
                if !score.is_finite() || stronger_near || reported_near {
                    continue;
                }
                search
                    .tops
                    .retain(|&(q, _)| apart(point, reported(self.points[q])));
                search.tops.push((top, score));
            }

            // Polish the strongest top; keep it unless it joined a reported source.
            let Some(best) = (0..search.tops.len())
                .max_by(|&a, &b| search.tops[a].1.total_cmp(&search.tops[b].1))
            else {
                break;
            };
            let (top, _) = search.tops.swap_remove(best);
            let (point, score) = method.polish(top);
            let point = reported(point);
            if search.found.iter().all(|&(q, _)| apart(point, q)) {
                search.found.push((point, score));
            }
        }
        search.found.sort_by(|a, b| b.1.total_cmp(&a.1));
        &search.found
    }

    /// The candidate reached from `start` by moving to the highest neighbour under the
    /// exact score while one is higher, with its score.
    fn climb(&self, start: usize, method: &mut impl PeakScore) -> (usize, f64) {
        let (mut at, mut score) = (start, method.at_candidate(start));
        loop {
            let mut higher = None;
            for n in self.neighbours(at) {
                let value = method.at_candidate(n);
                if value > higher.map_or(score, |(_, v)| v) {
                    higher = Some((n, value));
                }
            }
            match higher {
                Some((n, value)) => (at, score) = (n, value),
                None => return (at, score),
            }
        }
    }

    /// Refines a peak off the grid: the local maximum of `score` near `start`, found by
    /// parabolic steps along each free coordinate (two tangent angles on the sphere, the
    /// azimuth on the horizon, `x`/`y` (and `z`) for positions), with steps shrinking
    /// from half the grid spacing until they fall below `tolerance` (radians or
    /// metres). At each step size, passes over the coordinates repeat while they still
    /// move the point by more than the next step size, so a peak tilted against the
    /// coordinates is climbed to its top rather than left part way. Returns the point
    /// and its score; never a point scoring below `start`.
    pub fn refine(
        &self,
        start: [f64; 3],
        tolerance: f64,
        mut score: impl FnMut([f64; 3]) -> f64,
    ) -> ([f64; 3], f64) {
        let basis = self.refine_basis(start);
        let move_to = |origin: [f64; 3], axis: [f64; 3], amount: f64| -> [f64; 3] {
            let moved = add(origin, scale(axis, amount));
            match self.kind() {
                GridKind::FarField => scale(moved, 1.0 / norm(moved)),
                GridKind::NearField => moved,
            }
        };

        let mut best = start;
        let mut best_score = score(start);
        let mut step = 0.5 * self.spacing;
        let mut passes_at_step = 0;
        while step > tolerance {
            // One pass along every axis; `moved` is how far it took the point.
            let pass_start = best;
            let mut moved = 0.0f64;
            for axis in basis.iter().flatten() {
                let minus = score(move_to(best, *axis, -step));
                let plus = score(move_to(best, *axis, step));
                let vertex = crate::peak::parabolic_offset(minus, best_score, plus);
                let at_vertex = score(move_to(best, *axis, vertex * step));
                let (value, at) = [(minus, -1.0), (plus, 1.0), (at_vertex, vertex)]
                    .into_iter()
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .expect("three candidates");
                if value > best_score {
                    best_score = value;
                    best = move_to(best, *axis, at * step);
                    moved = moved.hypot(at * step);
                }
            }
            // A pattern move (Hooke and Jeeves 1961): along a long ridge, such as the
            // range of a near source seen by a small array, the pass keeps pointing the
            // same way; follow that direction with doubling strides while it pays.
            let travelled = sub(best, pass_start);
            let length = norm(travelled);
            if length > 0.0 {
                let direction = scale(travelled, 1.0 / length);
                let mut stride = length;
                for _ in 0..PATTERN_MOVES {
                    let candidate = move_to(best, direction, stride);
                    let value = score(candidate);
                    if value <= best_score {
                        break;
                    }
                    best_score = value;
                    best = candidate;
                    moved = moved.max(stride);
                    stride *= 2.0;
                }
            }

            // Steps along one axis at a time zigzag up a peak whose axes are tilted
            // against them, each pass closing part of the gap: stay at this step size
            // while a pass still moves as far as the next step size would resolve (a
            // full step also means the peak may lie further on), a few passes at most.
            passes_at_step += 1;
            let next = REFINE_SHRINK * step;
            if moved < next.max(tolerance) || passes_at_step >= REFINE_PASSES {
                step = next;
                passes_at_step = 0;
            }
        }
        (best, best_score)
    }

    /// The directions a peak at `point` may move along during refinement.
    fn refine_basis(&self, point: [f64; 3]) -> [Option<[f64; 3]>; 3] {
        match self.layout {
            Layout::Horizon => [Some([-point[1], point[0], 0.0]), None, None],
            Layout::Sphere => {
                let (e1, e2) = tangent_basis(point);
                [Some(e1), Some(e2), None]
            }
            Layout::Plane => [Some([1.0, 0.0, 0.0]), Some([0.0, 1.0, 0.0]), None],
            Layout::Volume => [
                Some([1.0, 0.0, 0.0]),
                Some([0.0, 1.0, 0.0]),
                Some([0.0, 0.0, 1.0]),
            ],
        }
    }

    /// A copy with only the candidates for which `keep` holds, neighbours renumbered.
    fn keep(self, keep: impl Fn(&[f64; 3]) -> bool) -> Self {
        let mut new_index = vec![u32::MAX; self.points.len()];
        let mut points = Vec::new();
        for (k, p) in self.points.iter().enumerate() {
            if keep(p) {
                new_index[k] = points.len() as u32;
                points.push(*p);
            }
        }
        let neighbours = self
            .neighbours
            .iter()
            .enumerate()
            .filter(|(k, _)| new_index[*k] != u32::MAX)
            .map(|(_, list)| {
                list.iter()
                    .map(|&n| new_index[n as usize])
                    .filter(|&n| n != u32::MAX)
                    .collect()
            })
            .collect();
        SearchGrid {
            points,
            neighbours,
            ..self
        }
    }

    /// A lattice over the three axes' samples, with neighbours one step away along any
    /// combination of axes (8 in a plane, 26 in a box).
    fn lattice(layout: Layout, axes: [Vec<f64>; 3], step_m: f64) -> Result<Self> {
        let counts = [axes[0].len(), axes[1].len(), axes[2].len()];
        let total = counts.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
        match total {
            Some(n) if n <= MAX_GRID_POINTS => {}
            _ => {
                return Err(Error::parameter(
                    "step_m",
                    format!("a step giving at most {MAX_GRID_POINTS} positions"),
                    format!("{step_m} m, which gives {counts:?} samples along x, y, z"),
                ));
            }
        }

        let index = |ix: usize, iy: usize, iz: usize| (iz * counts[1] + iy) * counts[0] + ix;
        let mut points = Vec::new();
        let mut neighbours = Vec::new();
        for (iz, z) in axes[2].iter().enumerate() {
            for (iy, y) in axes[1].iter().enumerate() {
                for (ix, x) in axes[0].iter().enumerate() {
                    points.push([*x, *y, *z]);
                    let mut list = Vec::new();
                    for dz in -1i64..=1 {
                        for dy in -1i64..=1 {
                            for dx in -1i64..=1 {
                                let (nx, ny, nz) = (ix as i64 + dx, iy as i64 + dy, iz as i64 + dz);
                                let inside = (0..counts[0] as i64).contains(&nx)
                                    && (0..counts[1] as i64).contains(&ny)
                                    && (0..counts[2] as i64).contains(&nz);
                                if inside && (dx, dy, dz) != (0, 0, 0) {
                                    list.push(index(nx as usize, ny as usize, nz as usize) as u32);
                                }
                            }
                        }
                    }
                    neighbours.push(list);
                }
            }
        }
        Ok(SearchGrid {
            layout,
            points,
            neighbours,
            spacing: step_m,
        })
    }
}

/// Two unit vectors orthogonal to the unit vector `u` and to each other.
fn tangent_basis(u: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let e1 = perpendicular(u);
    (e1, cross(u, e1))
}

/// Samples `range.0, range.0 + step, ...` up to `range.1` (within a thousandth of a
/// step), refusing empty or reversed ranges and non-positive steps.
fn axis_samples(name: &'static str, range: (f64, f64), step: f64) -> Result<Vec<f64>> {
    if !(step.is_finite() && step > 0.0) {
        return Err(Error::parameter(
            "step_m",
            "a positive finite step in metres",
            step,
        ));
    }
    if !(range.0.is_finite() && range.1.is_finite() && range.0 <= range.1) {
        return Err(Error::parameter(
            name,
            "a finite range (min, max) with min <= max, in metres",
            format!("({}, {})", range.0, range.1),
        ));
    }
    let count = ((range.1 - range.0) / step + 1e-3).floor();
    if count >= MAX_GRID_POINTS as f64 {
        return Err(Error::parameter(
            "step_m",
            format!("a step giving at most {MAX_GRID_POINTS} positions"),
            format!("{step} m over {name} = ({}, {})", range.0, range.1),
        ));
    }
    Ok((0..=count as usize)
        .map(|k| range.0 + k as f64 * step)
        .collect())
}

/// The vertices and faces of an icosahedron subdivided `n` times, on the unit sphere.
fn icosphere(n: u32) -> (Vec<[f64; 3]>, Vec<[u32; 3]>) {
    let g = (1.0 + 5f64.sqrt()) / 2.0;
    let mut points: Vec<[f64; 3]> = [
        [-1.0, g, 0.0],
        [1.0, g, 0.0],
        [-1.0, -g, 0.0],
        [1.0, -g, 0.0],
        [0.0, -1.0, g],
        [0.0, 1.0, g],
        [0.0, -1.0, -g],
        [0.0, 1.0, -g],
        [g, 0.0, -1.0],
        [g, 0.0, 1.0],
        [-g, 0.0, -1.0],
        [-g, 0.0, 1.0],
    ]
    .iter()
    .map(|p| scale(*p, 1.0 / norm(*p)))
    .collect();
    let mut triangles: Vec<[u32; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];

    for _ in 0..n {
        let mut midpoints: HashMap<(u32, u32), u32> = HashMap::new();
        let mut midpoint = |a: u32, b: u32, points: &mut Vec<[f64; 3]>| -> u32 {
            let key = (a.min(b), a.max(b));
            *midpoints.entry(key).or_insert_with(|| {
                let m = add(points[a as usize], points[b as usize]);
                points.push(scale(m, 1.0 / norm(m)));
                (points.len() - 1) as u32
            })
        };
        let mut finer = Vec::with_capacity(triangles.len() * 4);
        for [a, b, c] in triangles {
            let ab = midpoint(a, b, &mut points);
            let bc = midpoint(b, c, &mut points);
            let ca = midpoint(c, a, &mut points);
            finer.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
        }
        triangles = finer;
    }
    (points, triangles)
}

fn neighbours_from_triangles(n_points: usize, triangles: &[[u32; 3]]) -> Vec<Vec<u32>> {
    let mut neighbours = vec![Vec::with_capacity(6); n_points];
    for t in triangles {
        for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
            if !neighbours[a as usize].contains(&b) {
                neighbours[a as usize].push(b);
                neighbours[b as usize].push(a);
            }
        }
    }
    neighbours
}

fn mean_edge_angle(points: &[[f64; 3]], neighbours: &[Vec<u32>]) -> f64 {
    let (sum, count) = neighbours
        .iter()
        .enumerate()
        .flat_map(|(k, list)| list.iter().map(move |&n| (k, n as usize)))
        .fold((0.0, 0usize), |(s, c), (a, b)| {
            (s + angle_between(points[a], points[b]), c + 1)
        });
    sum / count as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Direction;
    use std::f64::consts::PI;

    #[test]
    fn icosphere_has_the_expected_size_and_uniform_spacing() {
        for (n, expected) in [(0, 12), (1, 42), (3, 642), (4, 2562)] {
            let grid = SearchGrid::sphere(n).unwrap();
            assert_eq!(grid.len(), expected);
            for p in grid.points() {
                assert!((norm(*p) - 1.0).abs() < 1e-12);
            }
            for k in 0..grid.len() {
                let degree = grid.neighbours(k).count();
                assert!(
                    degree == 5 || degree == 6,
                    "vertex {k} has {degree} neighbours"
                );
            }
        }
        // 2562 points: neighbours about 4 degrees apart.
        let spacing = SearchGrid::sphere(4).unwrap().spacing().to_degrees();
        assert!((3.5..4.5).contains(&spacing), "{spacing}");
    }

    #[test]
    fn hemisphere_keeps_the_upper_half() {
        let grid = SearchGrid::hemisphere(3).unwrap();
        assert!(grid.points().iter().all(|p| p[2] >= -1e-9));
        assert!(
            grid.len() > 642 / 2 && grid.len() < 642 / 2 + 60,
            "{}",
            grid.len()
        );
        for k in 0..grid.len() {
            assert!(grid.neighbours(k).all(|n| n < grid.len()));
        }
    }

    #[test]
    fn peaks_are_separated_local_maxima_strongest_first() {
        let grid = SearchGrid::sphere(3).unwrap();
        let a = Direction::new(0.5, 1.0).unit();
        let b = Direction::new(2.5, 2.0).unit();
        let values: Vec<f64> = grid
            .points()
            .iter()
            .map(|p| {
                2.0 * (-angle_between(*p, a).powi(2) / 0.05).exp()
                    + (-angle_between(*p, b).powi(2) / 0.05).exp()
            })
            .collect();
        let peaks = grid.peaks(&values, 5, 0.2);
        assert_eq!(peaks.len(), 2, "{peaks:?}");
        assert!(angle_between(grid.points()[peaks[0]], a) < grid.spacing());
        assert!(angle_between(grid.points()[peaks[1]], b) < grid.spacing());
        assert_eq!(grid.peaks(&values, 1, 0.2).len(), 1);
    }

    /// A method whose exact score is `exact`, whose map adds `ripple` to it, and whose
    /// polishing moves each peak to `polished(point)`.
    struct Synthetic<E, P> {
        grid: SearchGrid,
        exact: E,
        polished: P,
    }

    impl<E: Fn([f64; 3]) -> f64, P: Fn([f64; 3]) -> [f64; 3]> PeakScore for Synthetic<E, P> {
        fn at_candidate(&mut self, index: usize) -> f64 {
            (self.exact)(self.grid.points()[index])
        }

        fn polish(&mut self, index: usize) -> ([f64; 3], f64) {
            let point = (self.polished)(self.grid.points()[index]);
            (point, (self.exact)(point))
        }
    }

    /// Two bumps on the horizon, at 30 degrees (height 2) and -100 degrees (height 1).
    fn two_bumps(p: [f64; 3]) -> f64 {
        let bump = |deg: f64, width: f64| {
            (-angle_between(p, Direction::horizontal(deg.to_radians()).unit()).powi(2) / width)
                .exp()
        };
        2.0 * bump(30.0, 0.2) + bump(-100.0, 0.2)
    }

    #[test]
    fn a_shoulder_of_the_map_is_not_a_source() {
        let grid = SearchGrid::horizon(360).unwrap();
        let array = MicArray::uniform_circular(8, 0.05).unwrap();
        // The map has a ripple 8 degrees up the flank of the strong bump: a local
        // maximum of the map, higher than the weak bump, but not of the exact score.
        let map: Vec<f64> = grid
            .points()
            .iter()
            .enumerate()
            .map(|(k, p)| two_bumps(*p) + if k == 38 { 0.3 } else { 0.0 })
            .collect();
        assert!(
            grid.peaks(&map, 2, 0.0).contains(&38),
            "the ripple is a map peak"
        );

        let mut method = Synthetic {
            grid: grid.clone(),
            exact: two_bumps,
            polished: |p| p,
        };
        let mut search = SourceSearch::default();
        let found = grid.sources(&array, &map, 2, 5f64.to_radians(), &mut method, &mut search);
        let azimuths: Vec<f64> = found
            .iter()
            .map(|(p, _)| p[1].atan2(p[0]).to_degrees().round())
            .collect();
        assert_eq!(azimuths, [30.0, -100.0]);
    }

    #[test]
    fn a_peak_refined_onto_a_stronger_one_gives_way_to_the_next() {
        let grid = SearchGrid::horizon(360).unwrap();
        let array = MicArray::uniform_circular(8, 0.05).unwrap();
        let horizontal = |deg: f64| Direction::horizontal(deg.to_radians()).unit();
        let exact = move |p: [f64; 3]| {
            two_bumps(p) + 0.5 * (-angle_between(p, horizontal(150.0)).powi(2) / 0.2).exp()
        };
        let map: Vec<f64> = grid.points().iter().map(|p| exact(*p)).collect();
        // Refinement pulls the bump at -100 degrees onto the one at 30: it joins a
        // reported source, so the bump at 150 is reported instead.
        let mut method = Synthetic {
            grid: grid.clone(),
            exact,
            polished: move |p: [f64; 3]| {
                if angle_between(p, horizontal(-100.0)) < 0.1 {
                    horizontal(30.0)
                } else {
                    p
                }
            },
        };
        let mut search = SourceSearch::default();
        let found = grid.sources(&array, &map, 2, 5f64.to_radians(), &mut method, &mut search);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            angle_between(found[0].0, horizontal(30.0)) < 1e-9,
            "{found:?}"
        );
        assert!(
            angle_between(found[1].0, horizontal(150.0)) < 1e-9,
            "{found:?}"
        );

        // Asked for three, the two distinct peaks there are come back.
        let found = grid.sources(&array, &map, 3, 5f64.to_radians(), &mut method, &mut search);
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn a_planar_array_counts_a_peak_and_its_mirror_as_one_source() {
        let grid = SearchGrid::sphere(3).unwrap();
        let array = MicArray::uniform_circular(8, 0.05).unwrap();
        let up = Direction::new(1.0, 0.8).unit();
        let down = Direction::new(1.0, PI - 0.8).unit();
        let other = Direction::new(-2.0, 1.2).unit();
        let exact = move |p: [f64; 3]| {
            let bump = |c: [f64; 3]| (-angle_between(p, c).powi(2) / 0.05).exp();
            2.0 * (bump(up) + bump(down)) + bump(other)
        };
        let map: Vec<f64> = grid.points().iter().map(|p| exact(*p)).collect();
        let mut method = Synthetic {
            grid: grid.clone(),
            exact,
            polished: |p| p,
        };
        let mut search = SourceSearch::default();
        let found = grid.sources(&array, &map, 2, 0.2, &mut method, &mut search);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(angle_between(found[0].0, up) < grid.spacing(), "{found:?}");
        assert!(
            angle_between(found[1].0, other) < grid.spacing(),
            "{found:?}"
        );
    }

    #[test]
    fn refinement_finds_the_off_grid_maximum() {
        let grid = SearchGrid::sphere(2).unwrap();
        let target = Direction::new(1.234, 0.777).unit();
        let score = |p: [f64; 3]| dot(p, target);
        let values: Vec<f64> = grid.points().iter().map(|p| score(*p)).collect();
        let start = grid.points()[grid.peaks(&values, 1, 0.0)[0]];
        let (best, _) = grid.refine(start, 1e-6, score);
        assert!(
            angle_between(best, target) < 1e-5,
            "{}",
            angle_between(best, target)
        );

        let horizon = SearchGrid::horizon(36).unwrap();
        let target = Direction::horizontal(-2.0).unit();
        let (best, _) = horizon.refine(horizon.points()[25], 1e-7, |p| dot(p, target));
        assert!(angle_between(best, target) < 1e-6);

        let plane = SearchGrid::plane((-1.0, 1.0), (0.0, 1.0), 0.0, 0.1).unwrap();
        let target = [0.123, 0.456, 0.0];
        let (best, _) = plane.refine([0.1, 0.5, 0.0], 1e-6, |p| -distance(p, target).powi(2));
        assert!(distance(best, target) < 1e-5);
    }

    #[test]
    fn lattices_have_the_right_neighbours() {
        let plane = SearchGrid::plane((0.0, 1.0), (0.0, 0.5), 0.2, 0.25).unwrap();
        assert_eq!(plane.len(), 5 * 3);
        assert_eq!(plane.neighbours(0).count(), 3);
        assert_eq!(plane.neighbours(6).count(), 8);
        assert!(plane.points().iter().all(|p| p[2] == 0.2));
        let volume = SearchGrid::volume((0.0, 1.0), (0.0, 1.0), (0.0, 1.0), 0.5).unwrap();
        assert_eq!(volume.len(), 27);
        assert_eq!(volume.neighbours(13).count(), 26);
    }

    #[test]
    fn bad_grids_are_refused() {
        assert!(SearchGrid::sphere(9).is_err());
        assert!(SearchGrid::horizon(0).is_err());
        let reversed = SearchGrid::plane((1.0, 0.0), (0.0, 1.0), 0.0, 0.1).unwrap_err();
        assert!(reversed.to_string().contains("x_m"), "{reversed}");
        assert!(SearchGrid::plane((0.0, 1.0), (0.0, 1.0), 0.0, 0.0).is_err());
        assert!(SearchGrid::volume((0.0, 1e3), (0.0, 1e3), (0.0, 1e3), 1e-3).is_err());
        assert!(SearchGrid::plane((0.0, f64::NAN), (0.0, 1.0), 0.0, 0.1).is_err());
    }

    #[test]
    fn delays_match_the_array_helpers() {
        let array = MicArray::uniform_circular(5, 0.07).unwrap();
        let d = Direction::new(0.3, 1.3);
        let mut out = vec![0.0; 5];
        SearchGrid::sphere(0)
            .unwrap()
            .delays_s(&array, 343.0, d.unit(), &mut out);
        assert_eq!(out, array.far_field_delays_s(&d, 343.0));
        let source = [0.4, 0.2, 0.1];
        SearchGrid::plane((0.0, 1.0), (0.0, 1.0), 0.1, 0.5)
            .unwrap()
            .delays_s(&array, 343.0, source, &mut out);
        assert_eq!(out, array.near_field_delays_s(source, 343.0));
    }
}
