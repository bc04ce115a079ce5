//! Direction of arrival from measured pair delays, for a distant (far-field) source.
//!
//! When the wave front crossing an array is flat, the delay between microphones `i`
//! and `j` is linear in the unit vector `u` towards the source:
//!
//! ```text
//! delay_s(i, j) = t_j - t_i = (r_i - r_j) . u / c
//! ```
//!
//! so a set of measured delays is a linear system in `u`, overdetermined as soon as
//! there are more pairs than the array has dimensions. Solving it by least squares and
//! normalising is the approach of Valin, Michaud, Rouat and Létourneau ("Robust sound
//! source localization using a microphone array on a mobile robot", IROS 2003).
//! [`direction_from_delays`] does this in four steps.
//!
//! 1. **Impossible delays out.** No plane wave makes a pair's delay longer than the
//!    pair's own travel time `|r_i - r_j| / c`. A delay beyond that bound by more than
//!    a margin ([`DelayDirectionOptions::impossible_margin`] of the array's largest
//!    delay, plus [`DelayDirectionOptions::reject_sigmas`] times its `std_s`) is a
//!    wrong correlation peak, not noise, and is left out before anything is fitted.
//! 2. **Linear least squares in the span of the array.** Delays only see the part of
//!    `u` in the directions the microphones span ([`ArrayShape`]): all three for a
//!    volumetric array, the plane of a planar one, the axis of a linear one. The
//!    weighted (`1 / std_s²`) least-squares vector is found in that subspace only, and
//!    `|u| = 1` supplies the rest: a planar array's estimate gets the out-of-plane
//!    component `+sqrt(1 - |v|²)` on the side of the plane's normal (the reflection
//!    fits equally well and is reported as [`Ambiguity::Mirror`]); a linear array
//!    fixes only the angle to its axis ([`Ambiguity::Cone`]). When noise makes the
//!    in-plane or on-axis part longer than one, it is clipped to the unit sphere (the
//!    source lies in the array's plane, or on its axis), [`DelayDirection::clipped`]
//!    says so and the residual shows the misfit.
//! 3. **Refinement on the sphere.** For a volumetric array the unconstrained vector
//!    is not a unit vector, and normalising it does not minimise the residuals of unit
//!    vectors (it is biased where the pairs constrain `u` unevenly). Gauss-Newton steps
//!    in two tangent angles around the current direction minimise the weighted
//!    residuals over the sphere itself; a clipped planar estimate is refined the same
//!    way along the unit circle.
//! 4. **Robust rejection.** A wrong delay pulls a least-squares fit towards itself
//!    and hides among the residuals it spreads, so the rejection starts from a fit
//!    that ignores it: Rousseeuw's least median of squares ("Least median of squares
//!    regression", JASA 1984), the direction from a minimal set of delays (as many as
//!    the array has dimensions) whose median residual over all delays is smallest. The
//!    residuals from that start, divided by `std_s`, give the robust scale
//!    `1.4826 × median |residual|` (the median absolute deviation, which stays near
//!    the noise level with up to half the data wrong: Rousseeuw and Croux,
//!    "Alternatives to the median absolute deviation", JASA 1993). Delays beyond
//!    [`DelayDirectionOptions::reject_sigmas`] times the larger of that scale and one
//!    (a delay within a few of its own `std_s` is never an outlier) are set aside,
//!    the rest refitted by steps 2 and 3, and all delays judged again against the new
//!    fit, until the split settles. At most
//!    [`DelayDirectionOptions::max_rejected_fraction`] of the delays are set aside,
//!    those with the largest residuals.
//!
//! Every delay left out is reported in [`DelayDirection::rejected`] with the reason;
//! callers pass all their delays and need not filter them.
//!
//! # Uncertainty
//!
//! The covariance of the direction comes from the Jacobian of the delays at the
//! solution, `(Jᵀ W J)⁻¹`, in two tangent angles ([`DelayDirection::tangent_axes`]).
//! It is scaled by the reduced chi-square `χ² / dof` of the residuals when the given
//! `std_s` are too small to explain them (when `χ²` exceeds its 99th percentile for
//! that many degrees of freedom); otherwise the `std_s` are taken as they are. For a
//! planar array the out-of-plane angle is `acos |v|`, whose sigma grows as the source
//! nears the array's plane. Close to the plane (out-of-plane component
//! `sqrt(1 - |v|²)` below `sqrt(σ_ρ / 2)`, with `σ_ρ` the sigma of `|v|`) that
//! linearisation fails, and the sigma is capped at `sqrt(2 σ_ρ)`, the angle whose
//! cosine falls short of one by `σ_ρ`; a linear array's angle to its axis likewise.
//! The
//! reported [`DirectionEstimate::std_rad`] is the one-axis sigma `sqrt(trace / 2)`:
//! for an isotropic error the great-circle error then exceeds `2.45 σ` one time in
//! twenty.
//!
//! [`Ambiguity::Mirror`]: crate::array::Ambiguity::Mirror
//! [`Ambiguity::Cone`]: crate::array::Ambiguity::Cone

use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::array::{
    ArrayShape, Direction, MicArray, add, cross, dot, norm, perpendicular, scale, sub,
};
use crate::doa::DirectionEstimate;
use crate::error::{Error, Result};
use crate::locate::TdoaMeasurement;

/// How [`direction_from_delays`] sorts good delays from bad ones.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayDirectionOptions {
    /// A delay whose residual exceeds this many robust standard deviations (and at
    /// least this many of its own `std_s`) is rejected; also the number of `std_s` a
    /// delay may overshoot its pair's physical bound by. Default 4.
    pub reject_sigmas: f64,
    /// How far beyond `|r_i - r_j| / c` a delay may lie before it is impossible, as a
    /// fraction of the array's largest delay `aperture / c`: room for errors in the
    /// microphone positions and the speed of sound. Default 0.1.
    pub impossible_margin: f64,
    /// The largest fraction of the given delays the robust step may reject (impossible
    /// delays do not count). Default 0.25.
    pub max_rejected_fraction: f64,
}

impl Default for DelayDirectionOptions {
    fn default() -> Self {
        DelayDirectionOptions {
            reject_sigmas: 4.0,
            impossible_margin: 0.1,
            max_rejected_fraction: 0.25,
        }
    }
}

impl DelayDirectionOptions {
    fn validate(&self) -> Result<()> {
        if !(self.reject_sigmas.is_finite() && self.reject_sigmas >= 1.0) {
            return Err(Error::parameter(
                "reject_sigmas",
                "a finite number of standard deviations, at least 1",
                self.reject_sigmas,
            ));
        }
        if !(self.impossible_margin.is_finite() && self.impossible_margin >= 0.0) {
            return Err(Error::parameter(
                "impossible_margin",
                "a finite fraction of the aperture delay, at least 0",
                self.impossible_margin,
            ));
        }
        if !(0.0..1.0).contains(&self.max_rejected_fraction) {
            return Err(Error::parameter(
                "max_rejected_fraction",
                "a fraction in [0, 1)",
                self.max_rejected_fraction,
            ));
        }
        Ok(())
    }
}

/// Why a delay was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Longer than any plane wave can make it for that pair.
    Impossible,
    /// Far from what the other delays agree on.
    Outlier,
}

/// One delay [`direction_from_delays`] left out.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedDelay {
    /// Position of the measurement in the input slice.
    pub index: usize,
    /// Its first microphone.
    pub i: usize,
    /// Its second microphone.
    pub j: usize,
    /// Which test it failed.
    pub kind: RejectionKind,
    /// The numbers behind the decision, for a person to read.
    pub reason: String,
}

/// A direction fitted to pair delays, with its uncertainty and the delays left out.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayDirection {
    /// The direction, its one-axis sigma ([`DirectionEstimate::std_rad`], see the
    /// module docs) and the array's ambiguity. `power` is the fraction of the given
    /// delays that were used, in `(0, 1]`.
    pub estimate: DirectionEstimate,
    /// Covariance of the angular error in radians², in the basis `tangent_axes`.
    /// For a linear array the second axis runs around the cone and its variance is
    /// infinite.
    pub covariance_rad2: [[f64; 2]; 2],
    /// Two orthonormal unit vectors tangent to the sphere at the estimate. Volumetric
    /// and planar arrays: towards increasing colatitude, then increasing azimuth.
    /// Linear arrays: away from the array's axis, then around it (`axis × u`).
    pub tangent_axes: [[f64; 3]; 2],
    /// Root mean square of `delay_s - (r_i - r_j) . u / c` over the delays used, s.
    pub residual_rms_s: f64,
    /// `χ² / dof` of the delays used, with residuals in units of their `std_s`; near
    /// one when the `std_s` describe the noise (zero when there is no redundancy).
    pub reduced_chi_square: f64,
    /// Whether the covariance was scaled up by `reduced_chi_square` because the given
    /// `std_s` could not explain the residuals.
    pub scaled_by_residuals: bool,
    /// Number of delays used.
    pub used: usize,
    /// Delays left out: the impossible ones in input order, then the outliers from
    /// the largest residual down.
    pub rejected: Vec<RejectedDelay>,
    /// Whether the in-plane (planar) or on-axis (linear) part of the least-squares
    /// vector was longer than one and was clipped to the unit sphere.
    pub clipped: bool,
}

/// The direction of a distant source from measured pair delays; see the module docs.
///
/// `delays` follow [`TdoaMeasurement`]: `delay_s = t_j - t_i` between microphones `i`
/// and `j` of `array`, with standard deviation `std_s`. Any number of pairs, in any
/// mix (relative to one reference microphone or all pairs), may be given.
///
/// Fails with [`Error::InvalidParameter`] for a non-positive speed of sound, a pair
/// naming a microphone the array does not have (or the same one twice), or a
/// non-positive `std_s`; with [`Error::NonFinite`] for a NaN or infinite delay or
/// `std_s`; and with [`Error::NoEstimate`] when the delays left after rejection do not
/// span the dimensions the array's shape needs (three independent pairs for a
/// volumetric array, two for a planar one, one for a linear one).
pub fn direction_from_delays(
    array: &MicArray,
    delays: &[TdoaMeasurement],
    speed_of_sound: f64,
    options: &DelayDirectionOptions,
) -> Result<DelayDirection> {
    if !(speed_of_sound.is_finite() && speed_of_sound > 0.0) {
        return Err(Error::parameter(
            "speed_of_sound",
            "a positive finite speed in m/s",
            speed_of_sound,
        ));
    }
    options.validate()?;
    let rows = rows_of(array, delays, speed_of_sound)?;

    let aperture_delay_s = array.max_delay_s(speed_of_sound);
    let (rows, mut rejected) = drop_impossible(rows, aperture_delay_s, options);
    let subspace = Subspace::of(array.shape());
    let full_fit = subspace.fit(&rows, delays.len(), &rejected)?;

    let max_outliers = (options.max_rejected_fraction * delays.len() as f64).floor() as usize;
    let (kept, outliers) = if rows.len() >= subspace.dimension() + 2 && max_outliers > 0 {
        let start = subspace.least_median_start(&rows).unwrap_or(full_fit.unit);
        separate_outliers(&subspace, rows, start, options.reject_sigmas, max_outliers)?
    } else {
        (rows, Vec::new())
    };
    let fit = if outliers.is_empty() {
        full_fit
    } else {
        rejected.extend(outliers);
        subspace.fit(&kept, delays.len(), &rejected)?
    };
    Ok(fit.into_result(array, &kept, delays.len(), rejected))
}

/// One delay, checked, as a linear equation `baseline . u = delay_s`.
#[derive(Debug, Clone)]
struct Row {
    index: usize,
    i: usize,
    j: usize,
    /// `(r_i - r_j) / c`, s.
    baseline: [f64; 3],
    delay_s: f64,
    std_s: f64,
}

impl Row {
    fn weight(&self) -> f64 {
        1.0 / (self.std_s * self.std_s)
    }

    fn residual_s(&self, unit: [f64; 3]) -> f64 {
        self.delay_s - dot(self.baseline, unit)
    }

    fn rejection(&self, kind: RejectionKind, reason: String) -> RejectedDelay {
        RejectedDelay {
            index: self.index,
            i: self.i,
            j: self.j,
            kind,
            reason,
        }
    }
}

fn rows_of(array: &MicArray, delays: &[TdoaMeasurement], speed: f64) -> Result<Vec<Row>> {
    let n_mics = array.len();
    let positions = array.positions();
    delays
        .iter()
        .enumerate()
        .map(|(index, m)| {
            if m.i >= n_mics || m.j >= n_mics || m.i == m.j {
                return Err(Error::parameter(
                    "delays",
                    format!("pairs of two different microphones below {n_mics}"),
                    format!("pair {index} = ({}, {})", m.i, m.j),
                ));
            }
            for (what, value) in [("delay_s", m.delay_s), ("std_s", m.std_s)] {
                if !value.is_finite() {
                    return Err(Error::NonFinite {
                        what: format!("{what} of pair {index} (microphones {}, {})", m.i, m.j),
                        index,
                        value: value.to_string(),
                    });
                }
            }
            if m.std_s <= 0.0 {
                return Err(Error::parameter(
                    "delays",
                    "a positive std_s for every pair",
                    format!("std_s {} for pair {index} = ({}, {})", m.std_s, m.i, m.j),
                ));
            }

            let baseline = scale(sub(positions[m.i], positions[m.j]), 1.0 / speed);
            Ok(Row {
                index,
                i: m.i,
                j: m.j,
                baseline,
                delay_s: m.delay_s,
                std_s: m.std_s,
            })
        })
        .collect()
}

/// Splits off the delays no plane wave can produce.
fn drop_impossible(
    rows: Vec<Row>,
    aperture_delay_s: f64,
    options: &DelayDirectionOptions,
) -> (Vec<Row>, Vec<RejectedDelay>) {
    let mut kept = Vec::with_capacity(rows.len());
    let mut rejected = Vec::new();
    for row in rows {
        let bound_s = norm(row.baseline);
        let limit_s = bound_s
            + options.impossible_margin * aperture_delay_s
            + options.reject_sigmas * row.std_s;
        if row.delay_s.abs() > limit_s {
            let reason = format!(
                "|delay| {:.3e} s exceeds the pair's largest possible delay {:.3e} s \
                 (limit with margins {:.3e} s)",
                row.delay_s.abs(),
                bound_s,
                limit_s
            );
            rejected.push(row.rejection(RejectionKind::Impossible, reason));
        } else {
            kept.push(row);
        }
    }
    (kept, rejected)
}

/// Residuals in units of their `std_s`, and the robust scale of those:
/// `1.4826 × median |residual|`.
fn normalised_residuals(rows: &[Row], unit: [f64; 3]) -> (Vec<f64>, f64) {
    let normalised: Vec<f64> = rows.iter().map(|r| r.residual_s(unit) / r.std_s).collect();
    let mut magnitudes: Vec<f64> = normalised.iter().map(|r| r.abs()).collect();
    magnitudes.sort_by(f64::total_cmp);
    (normalised, 1.4826 * median_of_sorted(&magnitudes))
}

/// Splits `rows` into inliers and outliers: from `start`, the rows whose residual
/// exceeds `reject_sigmas` robust scales (and `reject_sigmas` of their own `std_s`)
/// are set aside, the inliers refitted, and the residuals of all rows judged again
/// against the new fit, until the split no longer changes. At most `max_outliers`
/// rows (those with the largest residuals) are set aside.
fn separate_outliers(
    subspace: &Subspace,
    rows: Vec<Row>,
    start: [f64; 3],
    reject_sigmas: f64,
    max_outliers: usize,
) -> Result<(Vec<Row>, Vec<RejectedDelay>)> {
    let inliers_of = |outlying: &[usize]| -> Vec<Row> {
        (0..rows.len())
            .filter(|k| !outlying.contains(k))
            .map(|k| rows[k].clone())
            .collect()
    };

    let mut unit = start;
    let mut outlying: Vec<usize> = Vec::new();
    for round in 0.. {
        let (normalised, robust_sigma) = normalised_residuals(&rows, unit);
        let threshold = reject_sigmas * robust_sigma.max(1.0);
        let mut beyond: Vec<usize> = (0..rows.len())
            .filter(|&k| normalised[k].abs() > threshold)
            .collect();
        beyond.sort_by(|&a, &b| normalised[b].abs().total_cmp(&normalised[a].abs()));
        beyond.truncate(max_outliers);

        let mut split = beyond.clone();
        split.sort_unstable();
        let settled = split == outlying;
        if settled || round == 20 {
            let rejected = beyond
                .iter()
                .map(|&k| {
                    let reason = format!(
                        "residual {:.3e} s is {:.1} std_s from the fit to the others; \
                         the threshold is {threshold:.1} std_s ({reject_sigmas} × the robust \
                         scale of {robust_sigma:.2} std_s, and at least 1 std_s)",
                        rows[k].residual_s(unit),
                        normalised[k].abs(),
                    );
                    rows[k].rejection(RejectionKind::Outlier, reason)
                })
                .collect();
            return Ok((inliers_of(&split), rejected));
        }

        outlying = split;
        unit = subspace.fit(&inliers_of(&outlying), rows.len(), &[])?.unit;
    }
    unreachable!("the loop returns by round 20")
}

/// How many minimal sets of rows the least-median start tries at most.
const MINIMAL_SETS: usize = 300;

/// Sets of `size` distinct row indices below `n_rows` (`size` 1 to 3): all of them
/// when there are at most [`MINIMAL_SETS`], else that many drawn by a fixed-seed
/// generator.
fn minimal_sets(n_rows: usize, size: usize) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    let mut count = 1usize;
    for k in 0..size {
        count = count.saturating_mul(n_rows - k) / (k + 1);
    }
    if count <= MINIMAL_SETS {
        let mut set = Vec::with_capacity(size);
        push_sets(n_rows, size, 0, &mut set, &mut all);
        return all;
    }

    let mut rng = ChaCha8Rng::seed_from_u64(n_rows as u64);
    while all.len() < MINIMAL_SETS {
        let mut set: Vec<usize> = Vec::with_capacity(size);
        while set.len() < size {
            let k = rng.random_range(0..n_rows);
            if !set.contains(&k) {
                set.push(k);
            }
        }
        all.push(set);
    }
    all
}

fn push_sets(n: usize, size: usize, from: usize, set: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if set.len() == size {
        out.push(set.clone());
        return;
    }
    for k in from..n {
        set.push(k);
        push_sets(n, size, k + 1, set, out);
        set.pop();
    }
}

fn median_of_sorted(values: &[f64]) -> f64 {
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// The part of direction space an array's delays can see.
#[derive(Debug, Clone, Copy)]
enum Subspace {
    Volume,
    Plane {
        normal: [f64; 3],
        axes: [[f64; 3]; 2],
    },
    Line {
        axis: [f64; 3],
    },
}

/// How the angular covariance follows from the fit, before noise scaling.
#[derive(Debug, Clone, Copy)]
enum Spread {
    /// Inverse information matrix in the tangent axes (volumetric arrays).
    Tangent([[f64; 2]; 2]),
    /// Inverse information of the in-plane vector `x` in the plane's axes.
    Plane {
        inverse: [[f64; 2]; 2],
        in_plane: [f64; 2],
    },
    /// Inverse information of the on-axis component `x`.
    Line { variance: f64, on_axis: f64 },
}

#[derive(Debug, Clone)]
struct Fit {
    unit: [f64; 3],
    subspace: Subspace,
    spread: Spread,
    clipped: bool,
    /// Parameters fitted: two angles, an in-plane vector, a component; fewer when
    /// clipped.
    free_parameters: usize,
}

impl Subspace {
    fn of(shape: ArrayShape) -> Self {
        match shape {
            ArrayShape::Volumetric => Subspace::Volume,
            ArrayShape::Planar { normal } => {
                let first = perpendicular(normal);
                Subspace::Plane {
                    normal,
                    axes: [first, cross(normal, first)],
                }
            }
            ArrayShape::Linear { axis } => Subspace::Line { axis },
        }
    }

    fn dimension(&self) -> usize {
        self.basis().len()
    }

    fn basis(&self) -> Vec<[f64; 3]> {
        match self {
            Subspace::Volume => vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            Subspace::Plane { axes, .. } => axes.to_vec(),
            Subspace::Line { axis } => vec![*axis],
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Subspace::Volume => "a volumetric array needs pairs spanning 3 dimensions",
            Subspace::Plane { .. } => "a planar array needs pairs spanning its plane",
            Subspace::Line { .. } => "a linear array needs a pair along its axis",
        }
    }

    /// Weighted least squares in the subspace's coordinates; `None` when `rows` do not
    /// determine them all.
    fn least_squares(&self, rows: &[Row]) -> Option<(DVector<f64>, DMatrix<f64>)> {
        subspace_least_squares(&self.basis(), rows)
    }

    /// The unit vector for subspace coordinates `x`, the in-plane or on-axis part
    /// clipped to length one; `None` for a zero volumetric vector.
    fn complete(&self, x: &DVector<f64>) -> Option<[f64; 3]> {
        match *self {
            Subspace::Volume => {
                let length = x.norm();
                (length.is_finite() && length > 0.0)
                    .then(|| [x[0] / length, x[1] / length, x[2] / length])
            }
            Subspace::Plane { normal, axes } => {
                let shrink = x.norm().max(1.0);
                let in_plane = [x[0] / shrink, x[1] / shrink];
                Some(plane_point(normal, axes, in_plane))
            }
            Subspace::Line { axis } => Some(cone_point(axis, x[0].clamp(-1.0, 1.0))),
        }
    }

    /// The start of the robust step, by Rousseeuw's least median of squares ("Least
    /// median of squares regression", JASA 1984): of the unit vectors that fit minimal
    /// sets of rows (as many as the subspace has dimensions), the one whose median
    /// residual over all rows, in units of `std_s`, is smallest. All minimal sets are
    /// tried when there are at most [`MINIMAL_SETS`], otherwise that many drawn by a
    /// fixed-seed generator, so that the result is reproducible; with a quarter of the
    /// rows wrong, the chance that none of them is clean is below `1e-60`.
    fn least_median_start(&self, rows: &[Row]) -> Option<[f64; 3]> {
        let mut best: Option<(f64, [f64; 3])> = None;
        let mut magnitudes = Vec::with_capacity(rows.len());
        for set in minimal_sets(rows.len(), self.dimension()) {
            let chosen: Vec<Row> = set.iter().map(|&k| rows[k].clone()).collect();
            let Some(unit) = self
                .least_squares(&chosen)
                .and_then(|(x, _)| self.complete(&x))
            else {
                continue;
            };

            magnitudes.clear();
            magnitudes.extend(rows.iter().map(|r| (r.residual_s(unit) / r.std_s).abs()));
            let middle = magnitudes.len() / 2;
            let (_, median, _) = magnitudes.select_nth_unstable_by(middle, f64::total_cmp);
            if best.is_none_or(|(score, _)| *median < score) {
                best = Some((*median, unit));
            }
        }
        best.map(|(_, unit)| unit)
    }

    /// Least squares in the subspace, completed to a unit vector, then refined on the
    /// sphere where that is needed.
    fn fit(&self, rows: &[Row], n_given: usize, rejected: &[RejectedDelay]) -> Result<Fit> {
        let (solution, inverse) = self
            .least_squares(rows)
            .ok_or_else(|| self.underdetermined(rows.len(), n_given, rejected))?;

        match *self {
            Subspace::Volume => {
                let start = self.complete(&solution).ok_or_else(|| Error::NoEstimate {
                    reason: format!(
                        "the least-squares direction vector of the {} delays used is zero",
                        rows.len()
                    ),
                })?;
                let (unit, tangent_inverse) = refine_on_sphere(rows, start);
                Ok(Fit {
                    unit,
                    subspace: *self,
                    spread: Spread::Tangent(tangent_inverse),
                    clipped: false,
                    free_parameters: 2,
                })
            }
            Subspace::Plane { normal, axes } => {
                let mut in_plane = [solution[0], solution[1]];
                let length = in_plane[0].hypot(in_plane[1]);
                let clipped = length > 1.0;
                if clipped {
                    let start = [in_plane[0] / length, in_plane[1] / length];
                    in_plane = refine_on_circle(rows, axes, start);
                }
                let inverse = [
                    [inverse[(0, 0)], inverse[(0, 1)]],
                    [inverse[(1, 0)], inverse[(1, 1)]],
                ];
                Ok(Fit {
                    unit: plane_point(normal, axes, in_plane),
                    subspace: *self,
                    spread: Spread::Plane { inverse, in_plane },
                    clipped,
                    free_parameters: if clipped { 1 } else { 2 },
                })
            }
            Subspace::Line { axis } => {
                let clipped = solution[0].abs() > 1.0;
                let on_axis = solution[0].clamp(-1.0, 1.0);
                Ok(Fit {
                    unit: cone_point(axis, on_axis),
                    subspace: *self,
                    spread: Spread::Line {
                        variance: inverse[(0, 0)],
                        on_axis,
                    },
                    clipped,
                    free_parameters: if clipped { 0 } else { 1 },
                })
            }
        }
    }

    fn underdetermined(&self, usable: usize, given: usize, rejected: &[RejectedDelay]) -> Error {
        let mut reason = format!(
            "{}; the {usable} usable delays (of {given} given) do not",
            self.name()
        );
        if !rejected.is_empty() {
            let pairs: Vec<String> = rejected
                .iter()
                .map(|r| format!("({}, {})", r.i, r.j))
                .collect();
            reason.push_str(&format!("; rejected pairs: {}", pairs.join(", ")));
        }
        Error::NoEstimate { reason }
    }
}

/// Weighted least squares for `x` in `baseline . (basis x) = delay`; `None` when the
/// rows do not determine every coordinate. Returns `x` and the inverse of the normal
/// matrix.
fn subspace_least_squares(
    basis: &[[f64; 3]],
    rows: &[Row],
) -> Option<(DVector<f64>, DMatrix<f64>)> {
    let p = basis.len();
    let mut normal = DMatrix::<f64>::zeros(p, p);
    let mut right = DVector::<f64>::zeros(p);
    for row in rows {
        let projected = DVector::from_iterator(p, basis.iter().map(|b| dot(*b, row.baseline)));
        normal += row.weight() * &projected * projected.transpose();
        right += row.weight() * row.delay_s * &projected;
    }

    let eigen = normal.clone().symmetric_eigen();
    let largest = eigen.eigenvalues.max();
    if !(largest.is_finite() && largest > 0.0) || eigen.eigenvalues.min() <= 1e-10 * largest {
        return None;
    }
    let inverse = normal.try_inverse()?;
    let solution = &inverse * right;
    Some((solution, inverse))
}

/// Gauss-Newton on the sphere from `start`: steps in the two tangent angles of
/// [`colatitude_azimuth_axes`], halved while they raise the cost. Returns the unit
/// vector and the inverse information matrix in those axes there.
fn refine_on_sphere(rows: &[Row], start: [f64; 3]) -> ([f64; 3], [[f64; 2]; 2]) {
    let mut unit = start;
    let mut cost = weighted_cost(rows, unit);
    for _ in 0..50 {
        let axes = colatitude_azimuth_axes(unit);
        let (information, gradient) = tangent_normal_equations(rows, unit, axes);
        let Some(inverse) = invert_2x2(information) else {
            break;
        };
        let mut step = [
            inverse[0][0] * gradient[0] + inverse[0][1] * gradient[1],
            inverse[1][0] * gradient[0] + inverse[1][1] * gradient[1],
        ];

        let mut improved = false;
        for _ in 0..30 {
            let candidate = rotate(unit, axes, step);
            let candidate_cost = weighted_cost(rows, candidate);
            if candidate_cost <= cost {
                unit = candidate;
                cost = candidate_cost;
                improved = true;
                break;
            }
            step = [0.5 * step[0], 0.5 * step[1]];
        }
        if !improved || step[0].hypot(step[1]) < 1e-14 {
            break;
        }
    }

    let axes = colatitude_azimuth_axes(unit);
    let (information, _) = tangent_normal_equations(rows, unit, axes);
    let inverse = invert_2x2(information).unwrap_or([[f64::INFINITY, 0.0], [0.0, f64::INFINITY]]);
    (unit, inverse)
}

/// Gauss-Newton along the unit circle of the plane, for an in-plane vector clipped to
/// length one. Returns the in-plane coordinates of the best point on the circle.
fn refine_on_circle(rows: &[Row], axes: [[f64; 3]; 2], start: [f64; 2]) -> [f64; 2] {
    let point = |angle: f64| {
        let (s, c) = angle.sin_cos();
        add(scale(axes[0], c), scale(axes[1], s))
    };
    let mut angle = start[1].atan2(start[0]);
    let mut cost = weighted_cost(rows, point(angle));
    for _ in 0..50 {
        let unit = point(angle);
        let along = add(scale(axes[0], -angle.sin()), scale(axes[1], angle.cos()));
        let (mut information, mut gradient) = (0.0, 0.0);
        for row in rows {
            let slope = dot(row.baseline, along);
            information += row.weight() * slope * slope;
            gradient += row.weight() * slope * row.residual_s(unit);
        }
        if !(information.is_finite() && information > 0.0) {
            break;
        }

        let mut step = gradient / information;
        let mut improved = false;
        for _ in 0..30 {
            let candidate_cost = weighted_cost(rows, point(angle + step));
            if candidate_cost <= cost {
                angle += step;
                cost = candidate_cost;
                improved = true;
                break;
            }
            step *= 0.5;
        }
        if !improved || step.abs() < 1e-14 {
            break;
        }
    }
    let (s, c) = angle.sin_cos();
    [c, s]
}

fn tangent_normal_equations(
    rows: &[Row],
    unit: [f64; 3],
    axes: [[f64; 3]; 2],
) -> ([[f64; 2]; 2], [f64; 2]) {
    let mut information = [[0.0; 2]; 2];
    let mut gradient = [0.0; 2];
    for row in rows {
        let slope = [dot(row.baseline, axes[0]), dot(row.baseline, axes[1])];
        let (weight, residual) = (row.weight(), row.residual_s(unit));
        for a in 0..2 {
            gradient[a] += weight * slope[a] * residual;
            for b in 0..2 {
                information[a][b] += weight * slope[a] * slope[b];
            }
        }
    }
    (information, gradient)
}

fn weighted_cost(rows: &[Row], unit: [f64; 3]) -> f64 {
    rows.iter()
        .map(|r| r.weight() * r.residual_s(unit).powi(2))
        .sum()
}

impl Fit {
    fn into_result(
        self,
        array: &MicArray,
        rows: &[Row],
        n_given: usize,
        rejected: Vec<RejectedDelay>,
    ) -> DelayDirection {
        let chi_square: f64 = rows
            .iter()
            .map(|r| (r.residual_s(self.unit) / r.std_s).powi(2))
            .sum();
        let dof = rows.len().saturating_sub(self.free_parameters);
        let reduced_chi_square = if dof > 0 {
            chi_square / dof as f64
        } else {
            0.0
        };
        let scaled_by_residuals = dof > 0 && chi_square > chi_square_99th_percentile(dof);
        let noise_scale = if scaled_by_residuals {
            reduced_chi_square
        } else {
            1.0
        };

        let (tangent_axes, covariance_rad2) = self.covariance(noise_scale);
        let std_rad = (0.5 * (covariance_rad2[0][0] + covariance_rad2[1][1])).sqrt();
        let std_rad = match self.subspace {
            Subspace::Line { .. } => covariance_rad2[0][0].sqrt(),
            _ => std_rad,
        };

        let direction = Direction::from_vector(self.unit).expect("a unit vector");
        let residual_rms_s = (rows
            .iter()
            .map(|r| r.residual_s(self.unit).powi(2))
            .sum::<f64>()
            / rows.len() as f64)
            .sqrt();
        DelayDirection {
            estimate: DirectionEstimate {
                direction,
                power: rows.len() as f64 / n_given as f64,
                std_rad: Some(std_rad),
                ambiguity: array.ambiguity(&direction),
            },
            covariance_rad2,
            tangent_axes,
            residual_rms_s,
            reduced_chi_square,
            scaled_by_residuals,
            used: rows.len(),
            rejected,
            clipped: self.clipped,
        }
    }

    /// The tangent axes and the angular covariance in them, with the information
    /// scaled by `noise_scale`.
    fn covariance(&self, noise_scale: f64) -> ([[f64; 3]; 2], [[f64; 2]; 2]) {
        match self.spread {
            Spread::Tangent(inverse) => (
                colatitude_azimuth_axes(self.unit),
                scale_2x2(inverse, noise_scale),
            ),
            Spread::Plane { inverse, in_plane } => {
                let Subspace::Plane { normal, axes } = self.subspace else {
                    unreachable!("a planar spread comes from a planar fit")
                };
                let inverse = scale_2x2(inverse, noise_scale);
                let local = plane_covariance(inverse, in_plane, normal, axes);
                let target = colatitude_azimuth_axes(self.unit);
                (target, change_basis(local.1, local.0, target))
            }
            Spread::Line { variance, on_axis } => {
                let Subspace::Line { axis } = self.subspace else {
                    unreachable!("a linear spread comes from a linear fit")
                };
                let sigma = (variance * noise_scale).sqrt();
                let across = (1.0 - on_axis * on_axis).max(0.0).sqrt();
                let variance = (sigma / across.max((0.5 * sigma).sqrt())).powi(2);
                let around = cross(axis, self.unit);
                let around = if norm(around) > 0.0 {
                    scale(around, 1.0 / norm(around))
                } else {
                    perpendicular(axis)
                };
                let away = cross(around, self.unit);
                ([away, around], [[variance, 0.0], [0.0, f64::INFINITY]])
            }
        }
    }
}

/// The covariance of a planar estimate in the axes (away from the plane, around the
/// normal): the in-plane vector's radial error moves the out-of-plane angle by
/// `-δρ / z`, its tangential error moves the direction along the plane by the same
/// amount. `z` is held above `sqrt(σ_ρ / 2)`: nearer the plane the angle is no
/// longer linear in `ρ` and `acos(1 - σ_ρ) ≈ sqrt(2 σ_ρ)` is the better sigma.
fn plane_covariance(
    inverse: [[f64; 2]; 2],
    in_plane: [f64; 2],
    normal: [f64; 3],
    axes: [[f64; 3]; 2],
) -> ([[f64; 3]; 2], [[f64; 2]; 2]) {
    let radius = in_plane[0].hypot(in_plane[1]);
    let radial = if radius > 0.0 {
        [in_plane[0] / radius, in_plane[1] / radius]
    } else {
        [1.0, 0.0]
    };
    let tangential = [-radial[1], radial[0]];
    let quadratic = |a: [f64; 2], b: [f64; 2]| {
        let mut sum = 0.0;
        for k in 0..2 {
            for l in 0..2 {
                sum += a[k] * inverse[k][l] * b[l];
            }
        }
        sum
    };
    let radial_variance = quadratic(radial, radial);
    let height = (1.0 - radius * radius).max(0.0).sqrt();
    let z = height.max((0.5 * radial_variance.sqrt()).sqrt());

    let in_plane_vector = |c: [f64; 2]| add(scale(axes[0], c[0]), scale(axes[1], c[1]));
    let away = sub(
        scale(normal, radius),
        scale(in_plane_vector(radial), height),
    );
    let along = in_plane_vector(tangential);

    let covariance = [
        [
            radial_variance / (z * z),
            -quadratic(radial, tangential) / z,
        ],
        [
            -quadratic(radial, tangential) / z,
            quadratic(tangential, tangential),
        ],
    ];
    ([away, along], covariance)
}

/// Expresses a covariance given in orthonormal tangent axes `from` in the axes `to`
/// (both spanning the same tangent plane).
fn change_basis(
    covariance: [[f64; 2]; 2],
    from: [[f64; 3]; 2],
    to: [[f64; 3]; 2],
) -> [[f64; 2]; 2] {
    let rotation = [
        [dot(to[0], from[0]), dot(to[0], from[1])],
        [dot(to[1], from[0]), dot(to[1], from[1])],
    ];
    let mut out = [[0.0; 2]; 2];
    for a in 0..2 {
        for b in 0..2 {
            for k in 0..2 {
                for l in 0..2 {
                    out[a][b] += rotation[a][k] * covariance[k][l] * rotation[b][l];
                }
            }
        }
    }
    out
}

/// Unit vectors towards increasing colatitude and increasing azimuth at `unit`; an
/// orthonormal tangent pair everywhere, the poles included.
fn colatitude_azimuth_axes(unit: [f64; 3]) -> [[f64; 3]; 2] {
    let direction = Direction::from_vector(unit).expect("a unit vector");
    let (sin_c, cos_c) = direction.colatitude.sin_cos();
    let (sin_a, cos_a) = direction.azimuth.sin_cos();
    [[cos_c * cos_a, cos_c * sin_a, -sin_c], [-sin_a, cos_a, 0.0]]
}

/// `unit` turned by the tangent angles `step` along `axes`, exactly on the sphere.
fn rotate(unit: [f64; 3], axes: [[f64; 3]; 2], step: [f64; 2]) -> [f64; 3] {
    let angle = step[0].hypot(step[1]);
    if angle == 0.0 {
        return unit;
    }
    let towards = add(
        scale(axes[0], step[0] / angle),
        scale(axes[1], step[1] / angle),
    );
    let moved = add(scale(unit, angle.cos()), scale(towards, angle.sin()));
    scale(moved, 1.0 / norm(moved))
}

/// The unit vector with in-plane coordinates `in_plane` (length at most one) on the
/// side of `normal`.
fn plane_point(normal: [f64; 3], axes: [[f64; 3]; 2], in_plane: [f64; 2]) -> [f64; 3] {
    let height = (1.0 - in_plane[0].powi(2) - in_plane[1].powi(2))
        .max(0.0)
        .sqrt();
    add(
        add(scale(axes[0], in_plane[0]), scale(axes[1], in_plane[1])),
        scale(normal, height),
    )
}

/// The unit vector with component `on_axis` along `axis`, on the reported side of
/// the cone ([`cone_side`]).
fn cone_point(axis: [f64; 3], on_axis: f64) -> [f64; 3] {
    let across = (1.0 - on_axis * on_axis).max(0.0).sqrt();
    add(scale(axis, on_axis), scale(cone_side(axis), across))
}

/// The side of a linear array's cone reported as the estimate: horizontal and
/// counter-clockwise from the axis (`z × axis`), or `+x` for a vertical axis.
fn cone_side(axis: [f64; 3]) -> [f64; 3] {
    let side = cross([0.0, 0.0, 1.0], axis);
    if norm(side) > 1e-9 {
        scale(side, 1.0 / norm(side))
    } else {
        [1.0, 0.0, 0.0]
    }
}

fn invert_2x2(m: [[f64; 2]; 2]) -> Option<[[f64; 2]; 2]> {
    let determinant = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let size = m[0][0].abs().max(m[1][1].abs());
    if !(determinant.is_finite() && determinant > 1e-12 * size * size) {
        return None;
    }
    Some([
        [m[1][1] / determinant, -m[0][1] / determinant],
        [-m[1][0] / determinant, m[0][0] / determinant],
    ])
}

fn scale_2x2(m: [[f64; 2]; 2], s: f64) -> [[f64; 2]; 2] {
    [[m[0][0] * s, m[0][1] * s], [m[1][0] * s, m[1][1] * s]]
}

/// The 99th percentile of the chi-square distribution with `dof` degrees of freedom,
/// by the Wilson-Hilferty cube-root approximation (within a few percent for `dof >= 1`).
fn chi_square_99th_percentile(dof: usize) -> f64 {
    let k = dof as f64;
    let spread = 2.0 / (9.0 * k);
    k * (1.0 - spread + 2.326_348 * spread.sqrt()).powi(3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Ambiguity;
    use crate::test_utils::rng;
    use rand::Rng;
    use rand::rngs::StdRng;
    use rand_distr::StandardNormal;
    use std::f64::consts::{FRAC_PI_2, PI};

    const C: f64 = 343.0;

    fn all_pairs(n_mics: usize) -> Vec<(usize, usize)> {
        (0..n_mics)
            .flat_map(|i| (i + 1..n_mics).map(move |j| (i, j)))
            .collect()
    }

    /// `t_j - t_i` for each pair from a plane wave from `direction`, plus Gaussian noise
    /// of `noise_s` (none when `rng` is `None`); every delay is given `std_s`.
    fn delays_from(
        array: &MicArray,
        direction: &Direction,
        std_s: f64,
        noise: Option<(&mut StdRng, f64)>,
    ) -> Vec<TdoaMeasurement> {
        let arrival = array.far_field_delays_s(direction, C);
        let mut noise = noise;
        all_pairs(array.len())
            .into_iter()
            .map(|(i, j)| {
                let error = match noise.as_mut() {
                    Some((rng, noise_s)) => *noise_s * rng.sample::<f64, _>(StandardNormal),
                    None => 0.0,
                };
                TdoaMeasurement::new(i, j, arrival[j] - arrival[i] + error, std_s)
            })
            .collect()
    }

    fn random_direction(rng: &mut StdRng) -> Direction {
        loop {
            let v: [f64; 3] = std::array::from_fn(|_| rng.sample(StandardNormal));
            if let Some(d) = Direction::from_vector(v) {
                return d;
            }
        }
    }

    fn random_array(rng: &mut StdRng, n_mics: usize, size_m: f64) -> MicArray {
        let positions = (0..n_mics)
            .map(|_| std::array::from_fn(|_| size_m * (rng.random::<f64>() - 0.5)))
            .collect();
        MicArray::new(positions).unwrap()
    }

    fn solve(array: &MicArray, delays: &[TdoaMeasurement]) -> DelayDirection {
        direction_from_delays(array, delays, C, &DelayDirectionOptions::default()).unwrap()
    }

    /// The squared Mahalanobis length of the angular error, in the estimate's axes.
    fn mahalanobis_squared(found: &DelayDirection, truth: &Direction) -> f64 {
        let u = truth.unit();
        let error = [dot(u, found.tangent_axes[0]), dot(u, found.tangent_axes[1])];
        let inverse = invert_2x2(found.covariance_rad2).unwrap();
        let mut sum = 0.0;
        for a in 0..2 {
            for b in 0..2 {
                sum += error[a] * inverse[a][b] * error[b];
            }
        }
        sum
    }

    #[test]
    fn exact_delays_give_the_direction_back_on_volumetric_arrays() {
        let mut rng = rng(11);
        let arrays = [
            MicArray::tetrahedron(0.05).unwrap(),
            random_array(&mut rng, 7, 0.2),
        ];
        let mut directions = vec![
            Direction::new(0.0, 0.0),
            Direction::new(0.3, PI),
            Direction::horizontal(-2.0),
        ];
        directions.extend((0..20).map(|_| random_direction(&mut rng)));

        for array in &arrays {
            for truth in &directions {
                let found = solve(array, &delays_from(array, truth, 1e-6, None));
                let error = found.estimate.direction.angle_to(truth);
                assert!(error < 1e-9, "{truth:?}: error {error:e} rad");
                assert!(found.residual_rms_s < 1e-15, "{}", found.residual_rms_s);
                assert!(found.rejected.is_empty(), "{:?}", found.rejected);
                assert_eq!(found.estimate.ambiguity, Ambiguity::None);
                assert_eq!(found.estimate.power, 1.0);
                assert!(!found.clipped);
            }
        }
    }

    #[test]
    fn a_planar_array_reports_the_normal_side_and_the_mirror() {
        let array = MicArray::uniform_circular(8, 0.05).unwrap();
        for &(azimuth, colatitude) in &[(0.4, 0.3), (-2.5, 1.2), (3.0, 0.0), (1.0, 2.6)] {
            let truth = Direction::new(azimuth, colatitude);
            let found = solve(&array, &delays_from(&array, &truth, 1e-6, None));
            let Ambiguity::Mirror { mirror } = found.estimate.ambiguity else {
                panic!("expected a mirror, got {:?}", found.estimate.ambiguity);
            };

            let (chosen, other) = if colatitude <= FRAC_PI_2 {
                (found.estimate.direction, mirror)
            } else {
                (mirror, found.estimate.direction)
            };
            let error = chosen.angle_to(&truth);
            assert!(error < 1e-9, "{truth:?}: error {error:e} rad");
            assert!(
                found.estimate.direction.unit()[2] >= 0.0,
                "the +normal side"
            );
            let reflected = Direction::new(azimuth, PI - colatitude);
            assert!(other.angle_to(&reflected) < 1e-9, "{other:?}");
            assert!(!found.clipped);
        }
    }

    #[test]
    fn a_linear_array_gives_the_cone_half_angle() {
        let array = MicArray::uniform_linear(5, 0.04).unwrap();
        let mut rng = rng(5);
        for _ in 0..20 {
            let truth = random_direction(&mut rng);
            let found = solve(&array, &delays_from(&array, &truth, 1e-6, None));
            let Ambiguity::Cone { axis, half_angle } = found.estimate.ambiguity else {
                panic!("expected a cone, got {:?}", found.estimate.ambiguity);
            };
            let expected = crate::array::angle_between(axis, truth.unit());
            assert!(
                (half_angle - expected).abs() < 1e-9,
                "{half_angle} vs {expected}"
            );
        }

        // On the horizon, counter-clockwise from the axis, the cone's reported side is
        // the source itself.
        let truth = Direction::horizontal(1.1);
        let found = solve(&array, &delays_from(&array, &truth, 1e-6, None));
        assert!(found.estimate.direction.angle_to(&truth) < 1e-9);
        assert!(found.covariance_rad2[1][1].is_infinite());
    }

    #[test]
    fn an_in_plane_vector_longer_than_one_is_clipped_and_shows_in_the_residual() {
        let array = MicArray::uniform_circular(6, 0.05).unwrap();
        let truth = Direction::horizontal(0.7);
        let stretched: Vec<TdoaMeasurement> = delays_from(&array, &truth, 1e-6, None)
            .into_iter()
            .map(|m| TdoaMeasurement::new(m.i, m.j, 1.05 * m.delay_s, m.std_s))
            .collect();

        let found = solve(&array, &stretched);
        assert!(found.clipped);
        assert!(found.estimate.direction.angle_to(&truth) < 1e-9);
        assert!(found.residual_rms_s > 1e-6, "{}", found.residual_rms_s);

        let exact = solve(&array, &delays_from(&array, &truth, 1e-6, None));
        assert!(!exact.clipped);
        assert!(exact.residual_rms_s < 1e-15);
    }

    #[test]
    fn the_sphere_refinement_lowers_the_cost_of_the_normalised_least_squares() {
        let mut rng = rng(21);
        // A flat array: the pairs constrain the out-of-plane component weakly.
        let positions = (0..8)
            .map(|_| {
                [
                    0.2 * (rng.random::<f64>() - 0.5),
                    0.2 * (rng.random::<f64>() - 0.5),
                    0.01 * (rng.random::<f64>() - 0.5),
                ]
            })
            .collect();
        let array = MicArray::new(positions).unwrap();
        let mut lowered = 0;
        for _ in 0..50 {
            let truth = random_direction(&mut rng);
            let delays = delays_from(&array, &truth, 20e-6, Some((&mut rng, 20e-6)));
            let rows = rows_of(&array, &delays, C).unwrap();
            let basis = Subspace::Volume.basis();
            let (v, _) = subspace_least_squares(&basis, &rows).unwrap();
            let normalised = scale([v[0], v[1], v[2]], 1.0 / v.norm());

            let fit = Subspace::Volume.fit(&rows, rows.len(), &[]).unwrap();
            let (before, after) = (
                weighted_cost(&rows, normalised),
                weighted_cost(&rows, fit.unit),
            );
            assert!(after <= before * (1.0 + 1e-12), "{after} > {before}");
            lowered += usize::from(after < 0.99 * before);
        }
        assert!(
            lowered > 25,
            "the refinement mattered in {lowered} of 50 fits"
        );
    }

    #[test]
    fn the_reported_sigma_is_calibrated_on_a_tetrahedron() {
        let array = MicArray::tetrahedron(0.05).unwrap();
        let mut rng = rng(7);
        let std_s = 10e-6;
        let trials = 500;
        let mut inside = 0;
        for _ in 0..trials {
            let truth = random_direction(&mut rng);
            let delays = delays_from(&array, &truth, std_s, Some((&mut rng, std_s)));
            let found = solve(&array, &delays);
            let error = found.estimate.direction.angle_to(&truth);
            inside += usize::from(error < 2.45 * found.estimate.std_rad.unwrap());
        }
        let fraction = inside as f64 / trials as f64;
        eprintln!("tetrahedron: {fraction} of errors within 2.45 sigma");
        assert!((0.90..=0.98).contains(&fraction), "{fraction}");
    }

    #[test]
    fn the_covariance_is_calibrated_on_uneven_arrays() {
        let mut rng = rng(8);
        let volumetric = random_array(&mut rng, 8, 0.15);
        let planar = MicArray::uniform_circular(7, 0.06).unwrap();
        let trials = 500;

        // (array, the std_s the caller gives, the noise there really is)
        let cases = [
            (&volumetric, 10e-6, 10e-6, false),
            (&planar, 5e-6, 5e-6, true),
            (&volumetric, 5e-6, 20e-6, false),
        ];
        for (case, &(array, std_s, noise_s, upper)) in cases.iter().enumerate() {
            let mut inside = 0;
            let mut scaled = 0;
            for _ in 0..trials {
                let mut truth = random_direction(&mut rng);
                if upper {
                    // Away from the plane, where the planar array sees elevation.
                    truth.colatitude = 0.2 + 0.8 * truth.colatitude / PI;
                }
                let delays = delays_from(array, &truth, std_s, Some((&mut rng, noise_s)));
                let found = solve(array, &delays);
                inside += usize::from(mahalanobis_squared(&found, &truth) < 5.991);
                scaled += usize::from(found.scaled_by_residuals);
            }
            let fraction = inside as f64 / trials as f64;
            eprintln!("case {case}: {fraction} inside the 95% ellipse, {scaled} scaled");
            assert!((0.90..=0.98).contains(&fraction), "case {case}: {fraction}");
            if noise_s > std_s {
                assert!(scaled > trials * 9 / 10, "case {case}: scaled {scaled}");
            } else {
                assert!(scaled < trials / 20, "case {case}: scaled {scaled}");
            }
        }
    }

    #[test]
    fn wrong_delays_are_rejected_and_named() {
        let mut rng = rng(3);
        let array = random_array(&mut rng, 8, 0.2);
        let std_s = 5e-6;
        for _ in 0..20 {
            let truth = random_direction(&mut rng);
            let mut delays = delays_from(&array, &truth, std_s, Some((&mut rng, std_s)));
            let clean = solve(&array, &delays);

            // One far beyond the array's size; the two longest of the rest reversed,
            // as from a source in the opposite direction: possible, but wrong.
            delays[3].delay_s = 0.75;
            let mut by_length: Vec<usize> = (0..delays.len()).filter(|&k| k != 3).collect();
            by_length.sort_by(|&a, &b| delays[b].delay_s.abs().total_cmp(&delays[a].delay_s.abs()));
            let reversed = [by_length[0], by_length[1]];
            for &k in &reversed {
                delays[k].delay_s = -delays[k].delay_s;
            }
            let found = solve(&array, &delays);

            let kind_of = |index: usize| {
                found
                    .rejected
                    .iter()
                    .find(|r| r.index == index)
                    .map(|r| (r.kind, r.i, r.j, r.reason.clone()))
            };
            let (kind, i, j, reason) = kind_of(3).expect("the impossible delay is rejected");
            assert_eq!(kind, RejectionKind::Impossible);
            assert_eq!((i, j), (delays[3].i, delays[3].j));
            assert!(reason.contains("largest possible delay"), "{reason}");
            for index in reversed {
                let (kind, _, _, reason) = kind_of(index).expect("the wrong delay is rejected");
                assert_eq!(kind, RejectionKind::Outlier, "{reason}");
                assert!(reason.contains("std_s"), "{reason}");
            }

            let sigma = clean.estimate.std_rad.unwrap();
            let error = found.estimate.direction.angle_to(&truth);
            let clean_error = clean.estimate.direction.angle_to(&truth);
            assert!(
                error < clean_error + 3.0 * sigma,
                "{error} vs {clean_error}"
            );
            assert_eq!(found.used + found.rejected.len(), delays.len());
            assert!((found.estimate.power - found.used as f64 / 28.0).abs() < 1e-15);
        }
    }

    #[test]
    fn bad_inputs_are_refused_with_reasons() {
        let array = MicArray::tetrahedron(0.05).unwrap();
        let good = delays_from(&array, &Direction::new(0.2, 1.0), 1e-6, None);
        let options = DelayDirectionOptions::default();
        let message = |delays: &[TdoaMeasurement], speed: f64, options: &DelayDirectionOptions| {
            let error = direction_from_delays(&array, delays, speed, options).unwrap_err();
            (error.to_string(), error.kind())
        };
        use crate::ErrorKind::{InvalidInput, Numerical};

        for speed in [0.0, -343.0, f64::NAN] {
            let (text, kind) = message(&good, speed, &options);
            assert!(
                text.contains("speed_of_sound") && text.contains("positive"),
                "{text}"
            );
            assert_eq!(kind, InvalidInput);
        }

        let mut outside = good.clone();
        outside[1].j = 9;
        let (text, kind) = message(&outside, C, &options);
        assert!(
            text.contains("below 4") && text.contains("pair 1 = (0, 9)"),
            "{text}"
        );
        assert_eq!(kind, InvalidInput);

        let mut same = good.clone();
        same[2].j = same[2].i;
        let (text, _) = message(&same, C, &options);
        assert!(text.contains("pair 2 = (0, 0)"), "{text}");

        let mut nan = good.clone();
        nan[4].delay_s = f64::NAN;
        let (text, kind) = message(&nan, C, &options);
        assert!(
            text.contains("delay_s of pair 4 (microphones 1, 3)") && text.contains("NaN"),
            "{text}"
        );
        assert_eq!(kind, InvalidInput);

        let mut zero_std = good.clone();
        zero_std[0].std_s = 0.0;
        let (text, _) = message(&zero_std, C, &options);
        assert!(
            text.contains("positive std_s") && text.contains("pair 0"),
            "{text}"
        );

        let (text, kind) = message(&good[..2], C, &options);
        assert!(
            text.contains("spanning 3 dimensions") && text.contains("2 usable"),
            "{text}"
        );
        assert_eq!(kind, Numerical);
        let (text, _) = message(&[], C, &options);
        assert!(text.contains("0 usable delays (of 0 given)"), "{text}");

        // Three pairs, one impossible: the two left cannot fix a 3-D direction, and
        // the message names the rejected pair.
        let mut impossible = vec![good[0], good[1], good[5]];
        impossible[2].delay_s = 1.0;
        let (text, _) = message(&impossible, C, &options);
        assert!(text.contains("rejected pairs: (2, 3)"), "{text}");

        let planar = MicArray::uniform_circular(4, 0.05).unwrap();
        let opposite = [
            TdoaMeasurement::new(0, 2, 1e-4, 1e-6),
            TdoaMeasurement::new(2, 0, -1e-4, 1e-6),
        ];
        let error = direction_from_delays(&planar, &opposite, C, &options).unwrap_err();
        assert!(error.to_string().contains("spanning its plane"), "{error}");

        let bad = DelayDirectionOptions {
            reject_sigmas: 0.5,
            ..options.clone()
        };
        let (text, _) = message(&good, C, &bad);
        assert!(
            text.contains("reject_sigmas") && text.contains("0.5"),
            "{text}"
        );
        let bad = DelayDirectionOptions {
            max_rejected_fraction: 1.0,
            ..options.clone()
        };
        assert!(message(&good, C, &bad).0.contains("max_rejected_fraction"));
        let bad = DelayDirectionOptions {
            impossible_margin: -0.1,
            ..options
        };
        assert!(message(&good, C, &bad).0.contains("impossible_margin"));
    }
}
