//! Compact microphone arrays: validated geometry, presets and directions.
//!
//! A [`MicArray`] is the geometry of one array, checked once: at least two
//! microphones, finite coordinates, no two capsules at the same place. Positions are
//! metres in the array's own right-handed frame, `(n_mics, 3)`; they need not be
//! centred, and delays are computed relative to the centroid.
//!
//! # Directions
//!
//! A [`Direction`] points from the array *towards* the source. Azimuth is measured
//! counter-clockwise from `+x` in the `xy` plane and colatitude from `+z`, both in
//! radians: `u = (sin θ cos φ, sin θ sin φ, cos θ)` for colatitude `θ` and azimuth
//! `φ`. A far-field (plane) wave from `u` reaches microphone `i` at `r_i` at
//!
//! ```text
//! t_i = -(r_i - r_c) . u / c
//! ```
//!
//! relative to the centroid `r_c`, so the capsules nearer the source hear it first and
//! `tdoa(i, j) = t_j - t_i = (r_i - r_j) . u / c`.
//!
//! # What an array can see
//!
//! Pair delays only measure the projection of `u` onto the directions the array spans
//! ([`ArrayShape`]). A linear array sees the angle to its axis and nothing else: the
//! source may lie anywhere on a cone around the axis. A planar array sees the in-plane
//! part of `u`, so the source and its mirror image across the plane fit equally well.
//! [`Ambiguity`] carries that fact with every direction estimate, so that it is
//! reported rather than resolved by a silent choice.

use crate::error::{Error, Result, check_finite};

/// Two capsules closer than this (metres) are taken to be at the same place.
pub const COINCIDENT_TOLERANCE_M: f64 = 1e-6;

/// A direction towards a source: azimuth from `+x` counter-clockwise, colatitude from
/// `+z`, in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Direction {
    /// Counter-clockwise from `+x` in the `xy` plane, in `(-π, π]`.
    pub azimuth: f64,
    /// From `+z`, in `[0, π]`; `π/2` is the horizon.
    pub colatitude: f64,
}

impl Direction {
    /// A direction from its angles in radians.
    pub fn new(azimuth: f64, colatitude: f64) -> Self {
        Direction {
            azimuth,
            colatitude,
        }
    }

    /// A direction in the horizontal plane (colatitude `π/2`).
    pub fn horizontal(azimuth: f64) -> Self {
        Direction::new(azimuth, std::f64::consts::FRAC_PI_2)
    }

    /// The direction of a non-zero vector; `None` for a zero or non-finite vector.
    pub fn from_vector(v: [f64; 3]) -> Option<Self> {
        let norm = norm(v);
        if !(norm.is_finite() && norm > 0.0) {
            return None;
        }
        let colatitude = (v[2] / norm).clamp(-1.0, 1.0).acos();
        Some(Direction::new(v[1].atan2(v[0]), colatitude))
    }

    /// The unit vector `(sin θ cos φ, sin θ sin φ, cos θ)`.
    pub fn unit(&self) -> [f64; 3] {
        let (sin_c, cos_c) = self.colatitude.sin_cos();
        let (sin_a, cos_a) = self.azimuth.sin_cos();
        [sin_c * cos_a, sin_c * sin_a, cos_c]
    }

    /// The great-circle angle to `other`, in radians (`0..=π`).
    pub fn angle_to(&self, other: &Direction) -> f64 {
        angle_between(self.unit(), other.unit())
    }

    /// Elevation above the `xy` plane, `π/2 - colatitude`, in radians.
    pub fn elevation(&self) -> f64 {
        std::f64::consts::FRAC_PI_2 - self.colatitude
    }
}

/// The dimensions a set of microphones spans, found from the principal axes of their
/// positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArrayShape {
    /// All capsules on one line with unit direction `axis`.
    Linear {
        /// Unit vector along the line.
        axis: [f64; 3],
    },
    /// All capsules in one plane with unit normal `normal`.
    Planar {
        /// Unit normal of the plane. Its sign is fixed so that `normal . z > 0`; for a
        /// vertical plane (`normal . z = 0`) so that `normal . x > 0`, and for the
        /// `xz` plane itself `normal = +y`. Estimates are reported on this side
        /// ([`MicArray::normal_side`]).
        normal: [f64; 3],
    },
    /// The capsules span all three dimensions.
    Volumetric,
}

/// What a direction estimate cannot tell apart, given the array's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ambiguity {
    /// The array spans three dimensions: the direction is unique.
    None,
    /// A linear array: any direction at `half_angle` (radians) from `axis` fits.
    Cone {
        /// Unit vector along the array.
        axis: [f64; 3],
        /// The angle between the axis and the estimated direction.
        half_angle: f64,
    },
    /// A planar array: the reflection of the estimate across the array's plane fits
    /// equally well.
    Mirror {
        /// The reflected direction.
        mirror: Direction,
    },
}

/// The geometry of one compact microphone array, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct MicArray {
    positions: Vec<[f64; 3]>,
    centroid: [f64; 3],
    aperture_m: f64,
    shape: ArrayShape,
}

impl MicArray {
    /// An array from capsule positions in metres, `(n_mics, 3)` as rows.
    ///
    /// Fails with [`Error::InvalidArray`] for fewer than two microphones or two
    /// capsules within [`COINCIDENT_TOLERANCE_M`] of each other, and with
    /// [`Error::NonFinite`] for a NaN or infinite coordinate.
    pub fn new(positions: Vec<[f64; 3]>) -> Result<Self> {
        if positions.len() < 2 {
            return Err(Error::InvalidArray {
                reason: format!("expected at least 2 microphones, got {}", positions.len()),
            });
        }
        for (index, p) in positions.iter().enumerate() {
            check_finite(|| format!("microphone {index} position"), p)?;
        }

        let mut aperture_m: f64 = 0.0;
        for (i, a) in positions.iter().enumerate() {
            for (j, b) in positions.iter().enumerate().skip(i + 1) {
                let d = distance(*a, *b);
                if d < COINCIDENT_TOLERANCE_M {
                    return Err(Error::InvalidArray {
                        reason: format!(
                            "microphones {i} and {j} are at the same position {a:?} \
                             (expected capsules at least {COINCIDENT_TOLERANCE_M} m apart)"
                        ),
                    });
                }
                aperture_m = aperture_m.max(d);
            }
        }

        let centroid = centroid(&positions);
        let shape = shape_of(&positions, centroid, aperture_m);
        Ok(MicArray {
            positions,
            centroid,
            aperture_m,
            shape,
        })
    }

    /// An array from planar positions `(x, y)`, with `z = 0`.
    pub fn from_xy(positions: &[[f64; 2]]) -> Result<Self> {
        MicArray::new(positions.iter().map(|p| [p[0], p[1], 0.0]).collect())
    }

    /// `n_mics` capsules on the `x` axis, `spacing_m` apart, centred on the origin.
    pub fn uniform_linear(n_mics: usize, spacing_m: f64) -> Result<Self> {
        check_positive("spacing_m", spacing_m)?;
        let offset = (n_mics as f64 - 1.0) / 2.0;
        MicArray::new(
            (0..n_mics)
                .map(|k| [(k as f64 - offset) * spacing_m, 0.0, 0.0])
                .collect(),
        )
    }

    /// `n_mics` capsules evenly on a circle of `radius_m` in the `xy` plane, the
    /// first on `+x`, counter-clockwise.
    pub fn uniform_circular(n_mics: usize, radius_m: f64) -> Result<Self> {
        check_positive("radius_m", radius_m)?;
        MicArray::new(circle(n_mics, radius_m))
    }

    /// A 4-capsule board: a square of side 45.7 mm (radius 32.3 mm) in the `xy`
    /// plane, capsules at azimuths 45, 135, 225 and 315 degrees. This is the layout
    /// of the ReSpeaker 4-Mic Array for Raspberry Pi as its users configure it
    /// (capsules at `(±22.85, ±22.85)` mm).
    pub fn four_mic_board() -> Self {
        let h = 0.02285;
        MicArray::new(vec![[h, h, 0.0], [-h, h, 0.0], [-h, -h, 0.0], [h, -h, 0.0]])
            .expect("the 4-mic board geometry is valid")
    }

    /// A 6-capsule circular board: a circle of radius 46.3 mm, the first capsule on
    /// `+x`, counter-clockwise (the size of the ReSpeaker 6-Mic Circular Array).
    pub fn six_mic_board() -> Self {
        MicArray::new(circle(6, 0.0463)).expect("the 6-mic board geometry is valid")
    }

    /// A 7-capsule board: one capsule at the centre, then six on a circle of radius
    /// 43 mm, the first on `+x`, counter-clockwise (the layout of the miniDSP UMA-8,
    /// whose outer capsules sit 42 to 43 mm from the centre).
    pub fn seven_mic_board() -> Self {
        let mut positions = vec![[0.0, 0.0, 0.0]];
        positions.extend(circle(6, 0.043));
        MicArray::new(positions).expect("the 7-mic board geometry is valid")
    }

    /// Four capsules at the vertices of a regular tetrahedron inscribed in a sphere of
    /// `radius_m`, as in first-order ambisonic (A-format) microphones: front-left-up,
    /// front-right-down, back-left-down, back-right-up, with front `+x` and left `+y`.
    pub fn tetrahedron(radius_m: f64) -> Result<Self> {
        check_positive("radius_m", radius_m)?;
        let s = radius_m / 3f64.sqrt();
        MicArray::new(vec![[s, s, s], [s, -s, -s], [-s, s, -s], [-s, -s, s]])
    }

    /// Number of microphones.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Always false: an array holds at least two microphones.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Capsule positions in metres, one row per microphone.
    pub fn positions(&self) -> &[[f64; 3]] {
        &self.positions
    }

    /// The mean of the capsule positions: the point delays are measured from.
    pub fn centroid(&self) -> [f64; 3] {
        self.centroid
    }

    /// The largest distance between two capsules, in metres.
    pub fn aperture_m(&self) -> f64 {
        self.aperture_m
    }

    /// The dimensions the capsules span.
    pub fn shape(&self) -> ArrayShape {
        self.shape
    }

    /// The largest delay any pair can show, `aperture / c`, in seconds.
    pub fn max_delay_s(&self, speed_of_sound: f64) -> f64 {
        self.aperture_m / speed_of_sound
    }

    /// Arrival time at each microphone, relative to the centroid, of a plane wave
    /// from `direction`, in seconds: `t_i = -(r_i - r_c) . u / c`.
    pub fn far_field_delays_s(&self, direction: &Direction, speed_of_sound: f64) -> Vec<f64> {
        let u = direction.unit();
        self.positions
            .iter()
            .map(|p| -dot(sub(*p, self.centroid), u) / speed_of_sound)
            .collect()
    }

    /// Arrival time at each microphone, relative to the centroid, of a spherical wave
    /// from a point `source` (metres, in the array frame), in seconds:
    /// `t_i = (|s - r_i| - |s - r_c|) / c`.
    pub fn near_field_delays_s(&self, source: [f64; 3], speed_of_sound: f64) -> Vec<f64> {
        let reference = distance(source, self.centroid);
        self.positions
            .iter()
            .map(|p| (distance(source, *p) - reference) / speed_of_sound)
            .collect()
    }

    /// The unit vector `u` as a direction estimate from this array reports it: for a
    /// planar array, `u` when it lies on the side of the plane's normal
    /// ([`ArrayShape::Planar`]: the `+z` side, or for a vertical plane the `+x` side,
    /// `+y` for the `xz` plane), otherwise its mirror image across the plane, so that
    /// of the two directions the array cannot tell apart the same one always comes
    /// first (the other is [`Ambiguity::Mirror`]); `u` unchanged for linear and
    /// volumetric arrays.
    pub fn normal_side(&self, u: [f64; 3]) -> [f64; 3] {
        match self.shape {
            ArrayShape::Planar { normal } if dot(u, normal) < 0.0 => {
                sub(u, scale(normal, 2.0 * dot(u, normal)))
            }
            _ => u,
        }
    }

    /// What an estimate of `direction` from this array cannot tell apart.
    pub fn ambiguity(&self, direction: &Direction) -> Ambiguity {
        let u = direction.unit();
        match self.shape {
            ArrayShape::Volumetric => Ambiguity::None,
            ArrayShape::Linear { axis } => Ambiguity::Cone {
                axis,
                half_angle: angle_between(axis, u),
            },
            ArrayShape::Planar { normal } => {
                let along = dot(u, normal);
                let mirrored = sub(u, scale(normal, 2.0 * along));
                Ambiguity::Mirror {
                    mirror: Direction::from_vector(mirrored).unwrap_or(*direction),
                }
            }
        }
    }
}

/// `n` points evenly on a circle of `radius` in the `xy` plane, the first on `+x`.
fn circle(n: usize, radius: f64) -> Vec<[f64; 3]> {
    (0..n)
        .map(|k| {
            let phi = std::f64::consts::TAU * k as f64 / n as f64;
            [radius * phi.cos(), radius * phi.sin(), 0.0]
        })
        .collect()
}

fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::parameter(
            name,
            "a positive finite length in metres",
            value,
        ))
    }
}

fn centroid(positions: &[[f64; 3]]) -> [f64; 3] {
    let n = positions.len() as f64;
    let mut c = [0.0; 3];
    for p in positions {
        for k in 0..3 {
            c[k] += p[k] / n;
        }
    }
    c
}

/// Classifies the spread of the positions by the eigenvalues of their scatter matrix.
/// A spread below a millionth of the aperture (a micrometre on a one-metre array) is
/// taken as none.
fn shape_of(positions: &[[f64; 3]], centroid: [f64; 3], aperture_m: f64) -> ArrayShape {
    let mut scatter = nalgebra::Matrix3::<f64>::zeros();
    for p in positions {
        let d = nalgebra::Vector3::from(sub(*p, centroid));
        scatter += d * d.transpose();
    }
    let eigen = scatter.symmetric_eigen();
    let mut order = [0usize, 1, 2];
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));

    let spread = |k: usize| eigen.eigenvalues[order[k]].max(0.0).sqrt();
    let flat = 1e-6 * aperture_m;
    let column = |k: usize| {
        let v = eigen.eigenvectors.column(order[k]);
        let v = [v[0], v[1], v[2]];
        // A fixed sign makes the reported axis or normal reproducible.
        let first = v.iter().copied().find(|x| x.abs() > 1e-12).unwrap_or(1.0);
        let flip = if v[2].abs() > 1e-12 { v[2] } else { first };
        if flip < 0.0 { scale(v, -1.0) } else { v }
    };

    if spread(1) <= flat {
        ArrayShape::Linear { axis: column(0) }
    } else if spread(2) <= flat {
        ArrayShape::Planar { normal: column(2) }
    } else {
        ArrayShape::Volumetric
    }
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn scale(a: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] * s, a[1] * s, a[2] * s]
}

pub(crate) fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

pub(crate) fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    norm(sub(a, b))
}

pub(crate) fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// A unit vector perpendicular to the unit vector `u`: the part of `+z` (or of `+x`,
/// when `u` is near the vertical) across `u`, so that on the sphere it points along a
/// meridian.
pub(crate) fn perpendicular(u: [f64; 3]) -> [f64; 3] {
    let helper = if u[2].abs() < 0.9 {
        [0.0, 0.0, 1.0]
    } else {
        [1.0, 0.0, 0.0]
    };
    let p = sub(helper, scale(u, dot(helper, u)));
    scale(p, 1.0 / norm(p))
}

/// The angle between two non-zero vectors, in radians, accurate near 0 and π (it uses
/// `atan2` of the cross and dot products rather than `acos`).
pub(crate) fn angle_between(a: [f64; 3], b: [f64; 3]) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{FRAC_PI_2, PI};

    #[test]
    fn direction_round_trips_through_its_unit_vector() {
        for &(az, col) in &[(0.3, 1.1), (-2.9, 0.2), (PI, 2.5), (1.0, FRAC_PI_2)] {
            let d = Direction::new(az, col);
            let back = Direction::from_vector(d.unit()).unwrap();
            assert!((back.azimuth - az).abs() < 1e-12, "{back:?}");
            assert!((back.colatitude - col).abs() < 1e-12, "{back:?}");
        }
        assert_eq!(Direction::horizontal(0.0).unit()[0], 1.0);
        assert!(Direction::from_vector([0.0; 3]).is_none());
    }

    #[test]
    fn angle_is_accurate_for_nearly_equal_directions() {
        let a = Direction::new(0.5, 1.0);
        let b = Direction::new(0.5 + 1e-9, 1.0);
        let angle = a.angle_to(&b);
        assert!((angle - 1e-9 * 1f64.sin()).abs() < 1e-15, "{angle}");
        let opposite = Direction::from_vector(scale(a.unit(), -1.0)).unwrap();
        assert!((a.angle_to(&opposite) - PI).abs() < 1e-12);
    }

    #[test]
    fn far_field_delays_follow_the_convention() {
        // Source on +x: the capsule at +x hears first, so tdoa(left, right) < 0.
        let array = MicArray::uniform_linear(2, 0.1).unwrap();
        let t = array.far_field_delays_s(&Direction::horizontal(0.0), 340.0);
        assert!((t[1] - t[0] + 0.1 / 340.0).abs() < 1e-15, "{t:?}");
        assert!(
            (t[0] + t[1]).abs() < 1e-15,
            "delays are relative to the centroid"
        );
    }

    #[test]
    fn near_field_delays_tend_to_far_field_ones() {
        let array = MicArray::uniform_circular(6, 0.05).unwrap();
        let d = Direction::new(0.7, 1.2);
        let far = array.far_field_delays_s(&d, 343.0);
        let near = array.near_field_delays_s(scale(d.unit(), 1e5), 343.0);
        for (a, b) in far.iter().zip(&near) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn shapes_are_recognised() {
        let linear = MicArray::uniform_linear(4, 0.05).unwrap();
        assert!(
            matches!(linear.shape(), ArrayShape::Linear { axis } if (axis[0].abs() - 1.0).abs() < 1e-12)
        );
        let planar = MicArray::seven_mic_board();
        assert!(
            matches!(planar.shape(), ArrayShape::Planar { normal } if (normal[2] - 1.0).abs() < 1e-12)
        );
        let tetra = MicArray::tetrahedron(0.02).unwrap();
        assert_eq!(tetra.shape(), ArrayShape::Volumetric);
    }

    #[test]
    fn presets_have_the_documented_geometry() {
        let four = MicArray::four_mic_board();
        assert!((four.aperture_m() - 2.0 * 0.02285 * 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(MicArray::six_mic_board().len(), 6);
        assert!((MicArray::six_mic_board().aperture_m() - 0.0926).abs() < 1e-12);
        let seven = MicArray::seven_mic_board();
        assert_eq!(seven.positions()[0], [0.0, 0.0, 0.0]);
        assert!((seven.aperture_m() - 0.086).abs() < 1e-12);

        let tetra = MicArray::tetrahedron(0.02).unwrap();
        for p in tetra.positions() {
            assert!((norm(*p) - 0.02).abs() < 1e-15);
        }
        let edge = distance(tetra.positions()[0], tetra.positions()[1]);
        for i in 0..4 {
            for j in i + 1..4 {
                let d = distance(tetra.positions()[i], tetra.positions()[j]);
                assert!((d - edge).abs() < 1e-15, "a regular tetrahedron");
            }
        }
    }

    #[test]
    fn a_planar_array_reports_the_side_of_its_normal() {
        let mirror_z = |u: [f64; 3]| [u[0], u[1], -u[2]];
        let horizontal = MicArray::uniform_circular(6, 0.05).unwrap();
        let up = Direction::new(0.4, 0.9).unit();
        assert_eq!(horizontal.normal_side(up), up);
        let folded = horizontal.normal_side(mirror_z(up));
        assert!(distance(folded, up) < 1e-12, "{folded:?}");

        // A vertical plane through y and z: its side is +x.
        let yz = MicArray::new(vec![[0.0, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 0.1]]).unwrap();
        let west = Direction::new(PI - 0.3, 1.1).unit();
        let folded = yz.normal_side(west);
        assert!(
            distance(folded, [-west[0], west[1], west[2]]) < 1e-12,
            "{folded:?}"
        );
        // The xz plane itself: its side is +y.
        let xz = MicArray::new(vec![[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [0.0, 0.0, 0.1]]).unwrap();
        let south = Direction::new(-1.0, 1.1).unit();
        assert!(xz.normal_side(south)[1] > 0.0);

        // Linear and volumetric arrays keep the direction.
        let lower = mirror_z(up);
        assert_eq!(
            MicArray::uniform_linear(3, 0.1).unwrap().normal_side(lower),
            lower
        );
        assert_eq!(
            MicArray::tetrahedron(0.02).unwrap().normal_side(lower),
            lower
        );
    }

    #[test]
    fn ambiguities_match_the_shape() {
        let d = Direction::new(0.4, 0.9);
        let linear = MicArray::uniform_linear(3, 0.1).unwrap();
        match linear.ambiguity(&d) {
            Ambiguity::Cone { half_angle, .. } => {
                let expected = angle_between([1.0, 0.0, 0.0], d.unit());
                assert!(
                    (half_angle - expected).abs() < 1e-12
                        || (PI - half_angle - expected).abs() < 1e-12
                );
            }
            other => panic!("expected a cone, got {other:?}"),
        }
        let planar = MicArray::uniform_circular(4, 0.05).unwrap();
        match planar.ambiguity(&d) {
            Ambiguity::Mirror { mirror } => {
                assert!((mirror.azimuth - 0.4).abs() < 1e-12);
                assert!((mirror.colatitude - (PI - 0.9)).abs() < 1e-12);
            }
            other => panic!("expected a mirror, got {other:?}"),
        }
        assert_eq!(
            MicArray::tetrahedron(0.02).unwrap().ambiguity(&d),
            Ambiguity::None
        );
    }

    #[test]
    fn bad_arrays_are_refused_with_reasons() {
        let one = MicArray::new(vec![[0.0; 3]]).unwrap_err();
        assert!(
            one.to_string().contains("at least 2 microphones, got 1"),
            "{one}"
        );
        let empty = MicArray::new(vec![]).unwrap_err();
        assert!(empty.to_string().contains("got 0"), "{empty}");

        let same = MicArray::new(vec![[0.0; 3], [0.1, 0.0, 0.0], [0.1, 0.0, 0.0]]).unwrap_err();
        assert!(same.to_string().contains("microphones 1 and 2"), "{same}");
        assert_eq!(same.kind(), crate::ErrorKind::InvalidInput);

        let nan = MicArray::new(vec![[0.0; 3], [f64::NAN, 0.0, 0.0]]).unwrap_err();
        assert!(nan.to_string().contains("microphone 1 position"), "{nan}");
        assert!(MicArray::uniform_circular(4, -1.0).is_err());
        assert!(MicArray::uniform_linear(4, 0.0).is_err());
    }
}
