//! Multilateration: a source position, with its covariance, from time differences of arrival.
//!
//! # The model
//!
//! A sound leaves a source at `s` at an unknown time and reaches sensor `k` at `p_k` after
//! `|s - p_k| / c`. The emission time is unknown, so only differences carry information. A
//! [`TdoaMeasurement`] `(i, j, delay_s)` follows the crate-wide convention
//! `delay_s = t_j - t_i`, positive when sensor `j` hears the sound later:
//!
//! ```text
//! delay_s = (|s - p_j| - |s - p_i|) / c
//! ```
//!
//! Each measurement fixes `s` to one sheet of a hyperboloid with foci `p_i` and `p_j`;
//! [`locate`] intersects them. Units are metres, seconds and m/s; positions are east, north,
//! up in a local frame. In [`Dimension::Two`] the source is held on the horizontal plane
//! `z = plane_height_m` and only `(x, y)` is solved, with three-dimensional distances, so
//! sensors at different heights are modelled correctly.
//!
//! Measurements may be given relative to one reference sensor (`(r, k)` for every `k`) or
//! over all pairs, or any mix, as long as they link the sensors into one connected group.
//!
//! # Closed-form start
//!
//! Move the reference sensor `r` to the origin (`q_k = p_k - p_r`, `s' = s - p_r`) and write
//! `r_0 = |s'|` and `d_k = c (t_k - t_r)`. Squaring `|s' - q_k| = r_0 + d_k` removes the
//! square roots and leaves one *linear* equation per sensor:
//!
//! ```text
//! 2 q_k . s' + 2 d_k r_0 = |q_k|^2 - d_k^2
//! ```
//!
//! This is the starting point of the spherical interpolation of Smith and Abel (1987,
//! "Closed-form least-squares source location estimation from range-difference
//! measurements", IEEE Trans. ASSP 35(12)) and of the two-stage estimator of Chan and Ho
//! (1994, "A simple and efficient estimator for hyperbolic location", IEEE Trans. Signal
//! Processing 42(8)). Delays over all pairs are first reduced to arrival times relative to
//! the reference by weighted least squares on the measurement graph. Then:
//!
//! - With `r_0` treated as one more unknown (Chan and Ho's first stage), the system is
//!   solved by least squares when it has more equations than unknowns.
//! - With `s'` solved as a linear function of `r_0`, the constraint `|s'|^2 = r_0^2` gives a
//!   quadratic in `r_0`. With exactly `dim + 1` sensors its two non-negative roots, when
//!   there are two, are two positions that reproduce the delays *exactly*: the data cannot
//!   tell them apart. Both are reported, the better-fitting one as [`Solution::position`] and
//!   the other in [`Solution::ambiguous`].
//! - When the sensors span one dimension less than the problem (collinear in 2-D, coplanar
//!   in 3-D) or nearly so, the linear system cannot see the direction across the array; it
//!   is solved within the array, and the distance from the array follows from `r_0` up to a
//!   sign: the source and its mirror image across the array fit equally well.
//!
//! The centroid of the sensors and the caller's [`LocateOptions::initial_guess`] are added
//! as starts, so that a poor closed form (noisy, or spoiled by an outlier) cannot trap the
//! answer.
//!
//! # Refinement
//!
//! Every start is refined by Levenberg-Marquardt (Levenberg 1944, "A method for the solution
//! of certain non-linear problems in least squares", Q. Appl. Math. 2; Marquardt 1963, "An
//! algorithm for least-squares estimation of nonlinear parameters", SIAM J. Appl. Math.
//! 11(2)) on the weighted residuals `(model - delay_s) / std_s`, with the analytic Jacobian
//! `(u_j - u_i) / c`, `u_k = (s - p_k) / |s - p_k|`. Where `s` sits exactly on a sensor, that
//! sensor's unit vector is undefined; it is taken as zero (a zero gradient) and the other
//! sensors move the estimate off it. The normal equations are 3x3, so an iteration does
//! not allocate. The start with the lowest cost wins.
//!
//! # Uncertainty
//!
//! The covariance is `(J^T W J)^-1` at the solution, with `W = diag(1 / std_s^2)`, inverted
//! through a symmetric eigen-decomposition so that it is symmetric positive semi-definite.
//! A direction whose information is below `1e-12` of the best-observed one's (its std
//! would be a million times larger, which no accepted range allows) is unobservable: for
//! example where noisy delays fit no point exactly and the solver stops where the
//! Jacobian is singular. Every axis it leans along is reported with an infinite variance
//! and zero covariance with the other axes, as the height is in [`Dimension::Two`],
//! rather than as a huge number that rounding has made meaningless. When the
//! fit is worse than the stated `std_s` explain (a reduced chi-square above one), the
//! covariance is multiplied by that reduced chi-square, so every std becomes
//! `max(given std, residual-based estimate)` and stays honest; it is never scaled down. A
//! [`HeightPrior`] keeps `z` within its bounds during the fit and adds its information
//! (a uniform prior of width `w` has a std of `w / sqrt(12)`) to the normal matrix, so the
//! reported `z` std never exceeds the prior's.
//!
//! `(J^T W J)^-1` takes the cost to be quadratic around the fit, which it is not next to a
//! sensor: that sensor's distance has a kink there. A source on the axis of a line of
//! sensors, beyond its end, fits the delays equally well anywhere along the axis, yet a
//! fit that stops on the end sensor sees a steep cost behind it, and the quadratic model
//! gives its range a std of millimetres. So along each principal direction of the
//! covariance the cost itself is read three stds out on both sides: where it has risen by
//! less than the nine units of chi-square the model predicts, the std along that direction
//! becomes a third of the distance at which the cost does rise that much (on the flatter
//! side), or infinite when it never does. Stds are only ever widened by this check.
//!
//! All measurements are weighted as independent in the fit. That is exact for delays given
//! relative to one reference with independent errors. For delays over all pairs it is a
//! choice: the estimate is still the least-squares one, but when the pair errors come from
//! per-sensor timing errors the pairs are correlated: `m` pair delays among `n` sensors
//! hold only `n - 1` independent ones. Treated as independent they would overstate the
//! information by `m / (n - 1)` (`n / 2` for all pairs), so the covariance is multiplied
//! by that factor.
//!
//! # Outliers and ambiguity
//!
//! A wrong correlation peak or a reflection gives one sensor delays that fit nothing; a
//! sound that reaches sensors round a building (non-line-of-sight) makes their delays
//! late together. After a fit, if a normalised residual exceeds
//! [`LocateOptions::outlier_threshold`]:
//!
//! 1. **Consensus** (with at least `dim + 4` sensors): random sets of `dim + 2` sensors
//!    are located, and the position that the most sensors' delays agree with is kept
//!    if it fits better than all of them together (RANSAC, Fischler and Bolles 1981,
//!    "Random sample consensus", Comm. ACM 24(6)). The others are rejected.
//! 2. **Leave-one-out**, while at least `dim + 2` sensors would remain (so the rest can
//!    still be checked against each other): each sensor is left out in turn and the
//!    problem solved again. The sensor whose removal gives the lowest cost per degree
//!    of freedom is rejected if that cost is lower than before; this repeats while it
//!    helps.
//!
//! Rejected sensors are listed in [`Solution::rejected`], with the numbers behind each
//! decision in [`Solution::rejections`].
//!
//! Other local minima whose cost is within one unit of chi-square of the best, and which
//! lie outside the best one's one-sigma ellipsoid, are reported in [`Solution::ambiguous`].
//!
//! # Limitations
//!
//! - Levenberg-Marquardt can crawl along a curved valley of the cost, for example for
//!   a source a few metres from one sensor with noisy delays to a single reference: it
//!   then needs hundreds of iterations, and with the default
//!   [`LocateOptions::max_iterations`] reports [`Error::NoConvergence`]. Geodesic
//!   acceleration (Transtrum and Sethna 2012) would be the remedy.
//! - The sound speed is one constant: no wind, no temperature gradient.
//! - A source much farther away than the array is wide is located well in direction but
//!   poorly in range; the covariance says so, and the solver may stop far out along the
//!   line of sight.
//! - With delays relative to one reference, an error in the reference's own timing shifts
//!   every measurement alike and cannot be pinned on one sensor; use all pairs where
//!   possible.
//! - Rejection copes with a minority of outliers among good sensors, not with a majority
//!   of bad ones.

use nalgebra::{DMatrix, DVector, Matrix2, Matrix3, Matrix4, SymmetricEigen, Vector3, Vector4};

use crate::air::DEFAULT_SPEED_OF_SOUND;
use crate::error::{Error, Result, check_finite};

/// The smallest delay std accepted, seconds (a femtosecond, in which sound travels
/// 0.3 nm). Smaller ones would square to weights that overflow the cost; no timing is
/// that precise, and the rounding of the delays themselves is about `1e-17` s.
pub const MIN_DELAY_STD_S: f64 = 1e-15;

/// The largest coordinate accepted, metres, in any axis (sensors, initial guess, plane
/// height, height bounds): 100 000 km, far beyond any place on Earth in any frame, and
/// small enough that squared distances cannot overflow.
pub const MAX_COORDINATE_M: f64 = 1e8;

/// Speeds of sound accepted, m/s: from far below any gas to above any solid.
pub const SPEED_OF_SOUND_RANGE_M_S: (f64, f64) = (1.0, 1e5);

/// The largest delay or delay std accepted, seconds (a year is 3e7 s).
pub const MAX_DELAY_S: f64 = 1e9;

/// Two sensors closer than this, metres, are taken to be at the same position.
const COINCIDENT_SENSORS_M: f64 = 1e-6;

/// An axis of the sensor geometry whose spread (variance) is below this fraction of the
/// largest one is missing: the sensors are collinear or coplanar.
const DEGENERATE_AXIS_RATIO: f64 = 1e-12;

/// Below this fraction the array is thin along that axis, and mirror-image starts are tried.
const THIN_AXIS_RATIO: f64 = 1e-2;

/// A direction of the information matrix with less than this fraction of the largest
/// eigenvalue is unobservable (its std would exceed a million times the best one's, far
/// beyond the range the solver accepts): it is reported as an infinite variance, not as
/// a number that rounding has made meaningless.
const UNOBSERVABLE_INFORMATION_RATIO: f64 = 1e-12;

/// An unobservable direction leans along an axis when its component there exceeds this
/// (eigenvectors carry rounding of about `1e-16`).
const UNOBSERVABLE_COMPONENT: f64 = 1e-8;

/// How many standard deviations out the cost is checked against the quadratic model the
/// covariance stands for: there it must have risen by this number squared (nine units of
/// chi-square), or the standard deviation is widened until it does.
const PROFILE_SIGMAS: f64 = 3.0;

/// Most steps taken when placing where the cost reaches [`PROFILE_SIGMAS`] (a few are
/// usual: the search converges faster than linearly).
const PROFILE_STEPS: usize = 100;

/// The relative width of the bracket at which that search stops.
const PROFILE_TOLERANCE: f64 = 1e-9;

/// Two minima are equally good when their chi-squares differ by less than this.
const AMBIGUITY_CHI2: f64 = 1.0;

/// Levenberg-Marquardt damping at the start, and the damping at which the step is given up
/// as unable to lower the cost (the estimate is then a stationary point).
const INITIAL_DAMPING: f64 = 1e-3;
const MAX_DAMPING: f64 = 1e12;

/// One time difference of arrival between two sensors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TdoaMeasurement {
    /// Index of the first sensor.
    pub i: usize,
    /// Index of the second sensor.
    pub j: usize,
    /// `t_j - t_i`, seconds: positive when sensor `j` hears the sound later.
    pub delay_s: f64,
    /// Standard deviation of `delay_s`, seconds; at least [`MIN_DELAY_STD_S`].
    pub std_s: f64,
}

impl TdoaMeasurement {
    /// A measurement of `delay_s = t_j - t_i` with standard deviation `std_s`, seconds.
    pub fn new(i: usize, j: usize, delay_s: f64, std_s: f64) -> Self {
        Self {
            i,
            j,
            delay_s,
            std_s,
        }
    }

    /// The same measurement with the sensors swapped: `(j, i, -delay_s)`.
    pub fn reversed(&self) -> Self {
        Self::new(self.j, self.i, -self.delay_s, self.std_s)
    }
}

/// How many coordinates of the source are solved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dimension {
    /// Solve `(x, y)`; the source is held at `z =` [`LocateOptions::plane_height_m`].
    Two,
    /// Solve `(x, y, z)`.
    #[default]
    Three,
}

impl Dimension {
    /// The number of unknown coordinates: 2 or 3.
    pub fn unknowns(self) -> usize {
        match self {
            Dimension::Two => 2,
            Dimension::Three => 3,
        }
    }
}

/// Bounds on the source height `z`, metres (for example the ground and a ceiling).
///
/// Used in [`Dimension::Three`] only: the estimate is kept within the bounds and its `z`
/// std never exceeds that of a uniform distribution over them, [`HeightPrior::std_m`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeightPrior {
    /// Lowest possible `z`, metres.
    pub min_m: f64,
    /// Highest possible `z`, metres; above `min_m`.
    pub max_m: f64,
}

impl HeightPrior {
    /// Standard deviation of a uniform distribution between the bounds: `width / sqrt(12)`.
    pub fn std_m(&self) -> f64 {
        (self.max_m - self.min_m) / 12f64.sqrt()
    }
}

/// Settings of [`locate`].
#[derive(Debug, Clone, PartialEq)]
pub struct LocateOptions {
    /// Solve in two or three dimensions. Default three.
    pub dimension: Dimension,
    /// Speed of sound, m/s. Default [`DEFAULT_SPEED_OF_SOUND`] (343.2, dry air at 20 degC).
    pub speed_of_sound: f64,
    /// Bounds on the source height, for [`Dimension::Three`]. Default none.
    pub height_prior: Option<HeightPrior>,
    /// For [`Dimension::Two`], the `z` of the source, metres. Default: the mean `z` of the
    /// sensors that have measurements.
    pub plane_height_m: Option<f64>,
    /// A normalised residual (`|residual| / std_s`) above this marks the fit as holding an
    /// outlier. Default 4.
    pub outlier_threshold: f64,
    /// Leave out sensors whose delays do not fit. Default true.
    pub reject_outliers: bool,
    /// One more start for the solver, metres. Default none.
    pub initial_guess: Option<[f64; 3]>,
    /// Levenberg-Marquardt iterations allowed per start. Default 50.
    pub max_iterations: usize,
    /// Farthest acceptable source, metres from the sensors' centroid; beyond it the
    /// delays are taken to fit no single source and [`locate`] fails. Default 100 times
    /// the largest distance between two used sensors.
    pub max_range_m: Option<f64>,
}

impl Default for LocateOptions {
    fn default() -> Self {
        Self {
            dimension: Dimension::Three,
            speed_of_sound: DEFAULT_SPEED_OF_SOUND,
            height_prior: None,
            plane_height_m: None,
            outlier_threshold: 4.0,
            reject_outliers: true,
            initial_guess: None,
            max_iterations: 50,
            max_range_m: None,
        }
    }
}

/// Why a sensor was left out: the fit before and after.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rejection {
    /// The sensor left out.
    pub sensor: usize,
    /// The largest normalised residual (`|residual| / std_s`) among this sensor's
    /// measurements, in the fit that still used it.
    pub worst_residual: f64,
    /// Chi-square per degree of freedom with the sensor.
    pub cost_before: f64,
    /// Chi-square per degree of freedom without it.
    pub cost_after: f64,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sensor {}: a residual of {:.1} std; leaving it out lowers the reduced \
             chi-square from {:.3} to {:.3}",
            self.sensor, self.worst_residual, self.cost_before, self.cost_after
        )
    }
}

/// A located source.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// The source position, metres (east, north, up).
    pub position: [f64; 3],
    /// Covariance of `position`, m^2: `(J^T W J)^-1` with `W = 1 / std_s^2`, multiplied by
    /// the reduced chi-square when that exceeds one, with the height prior's information
    /// added. In [`Dimension::Two`] the height is assumed, not measured: its variance is
    /// infinite and its covariances with `x` and `y` zero. A direction the sensors
    /// cannot observe at all makes every axis it leans along infinite in the same way.
    /// The finite part is symmetric positive semi-definite.
    pub covariance: [[f64; 3]; 3],
    /// Root mean square of the delay residuals of the used measurements, seconds.
    pub residual_rms_s: f64,
    /// Sensors whose measurements contributed, in increasing order.
    pub used: Vec<usize>,
    /// Sensors left out as inconsistent, in the order they were rejected.
    pub rejected: Vec<usize>,
    /// Why each sensor of `rejected` was left out, in the same order.
    pub rejections: Vec<Rejection>,
    /// Other positions that fit the data as well (a mirror image); empty when unique.
    pub ambiguous: Vec<[f64; 3]>,
    /// Levenberg-Marquardt iterations taken by the winning start.
    pub iterations: usize,
    /// The height sits on a bound of [`LocateOptions::height_prior`]: the delays pull
    /// beyond it, so the prior, not the data, set `z` (and the source may be outside
    /// the stated range).
    pub height_at_bound: bool,
}

impl Solution {
    /// Standard deviation of each coordinate, metres: the square roots of the covariance
    /// diagonal.
    pub fn position_std(&self) -> [f64; 3] {
        [0, 1, 2].map(|axis| self.covariance[axis][axis].max(0.0).sqrt())
    }
}

/// The delay `t_j - t_i`, seconds, that a source at `source` produces between sensors at
/// `sensor_i` and `sensor_j`: `(|source - sensor_j| - |source - sensor_i|) / speed_of_sound`.
pub fn model_delay_s(
    source: [f64; 3],
    sensor_i: [f64; 3],
    sensor_j: [f64; 3],
    speed_of_sound: f64,
) -> f64 {
    let source = Vector3::from(source);
    let range_i = (source - Vector3::from(sensor_i)).norm();
    let range_j = (source - Vector3::from(sensor_j)).norm();
    (range_j - range_i) / speed_of_sound
}

/// Locates a source from time differences of arrival between sensors.
///
/// `sensors` holds the sensor positions, metres; `measurements` refer to them by index.
/// Sensors that no measurement mentions are ignored. See the [module docs](self) for the
/// method.
///
/// # Errors
/// - [`Error::InvalidParameter`] for a non-positive or non-finite speed of sound or outlier
///   threshold, a `std_s` below [`MIN_DELAY_STD_S`] or not finite, zero
///   `max_iterations`, an empty or inverted height prior, a sensor index out of range, or
///   a measurement between a sensor and itself.
/// - [`Error::NonFinite`] for a sensor position, delay, plane height or initial guess that
///   is NaN or infinite.
/// - [`Error::Geometry`] for two sensors at the same position, or sensors that span too
///   little to locate in the requested dimension (collinear in 3-D, stacked in 2-D).
/// - [`Error::Underdetermined`] when fewer than `dim + 1` sensors are linked by
///   measurements (`got` counts the largest linked group), or when the measurements fall
///   into separate groups (`needed` is then every sensor mentioned, which must all be
///   linked).
/// - [`Error::NoConvergence`] when no start gives a finite cost or the best one has not
///   settled within `max_iterations`.
pub fn locate(
    sensors: &[[f64; 3]],
    measurements: &[TdoaMeasurement],
    options: &LocateOptions,
) -> Result<Solution> {
    validate_options(options)?;
    validate_sensors(sensors)?;
    validate_measurements(sensors.len(), measurements)?;

    // Every sensor some measurement mentions takes part; they must form one linked group.
    let mut active = vec![false; sensors.len()];
    for m in measurements {
        active[m.i] = true;
        active[m.j] = true;
    }
    let dim = options.dimension.unknowns();
    let groups = linked_groups(measurements, &active);
    let mentioned = active.iter().filter(|&&a| a).count();
    let largest = groups.iter().map(Vec::len).max().unwrap_or(0);
    if largest < dim + 1 {
        return Err(Error::Underdetermined {
            dim,
            needed: dim + 1,
            got: largest,
        });
    }
    if groups.len() > 1 {
        return Err(Error::Underdetermined {
            dim,
            needed: mentioned,
            got: largest,
        });
    }
    check_distinct_positions(sensors, &active)?;

    // Solve with every sensor, then leave out inconsistent ones while that helps. A fit
    // that has not converged is no answer, but it is a start for leaving sensors out:
    // two sensors whose sound came round a building can make the full set's cost so
    // rough that no start settles.
    let problem = Problem::new(sensors, measurements, options, &active);
    let mut scratch = vec![Ray::default(); sensors.len()];
    let mut fits = if options.reject_outliers {
        problem.fits(&active, &mut scratch)?
    } else {
        problem.solve(&active, &mut scratch)?
    };
    let mut rejections = Vec::new();
    if options.reject_outliers {
        if let Some((inliers, left_out, better)) =
            problem.consensus(&active, &fits[0], &mut scratch)
        {
            active = inliers;
            rejections.extend(left_out);
            fits = better;
        }
        while let Some((rejection, better)) =
            problem.best_rejection(&active, &fits[0], &mut scratch)
        {
            active[rejection.sensor] = false;
            rejections.push(rejection);
            fits = better;
        }
        fits = converged(fits)?;
    }

    // Report the best fit with its uncertainty and any equally good alternative.
    let solution = problem.solution(&active, &fits, rejections, &mut scratch)?;
    check_range(sensors, &solution, options)?;
    Ok(solution)
}

/// How many random sets of sensors [`Problem::consensus`] locates from.
const CONSENSUS_SAMPLES: usize = 40;

/// A small, seeded generator for the consensus draws (Steele, Lea and Flood 2014,
/// "Fast splittable pseudorandom number generators"): the same measurements always
/// give the same answer.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A source this many array apertures away is taken as a failed fit unless
/// [`LocateOptions::max_range_m`] says otherwise.
const DEFAULT_RANGE_APERTURES: f64 = 100.0;

/// Refuses a position further from the sensors than the range the array can measure:
/// delays that fit no single source send the least-squares answer off towards infinity
/// along an asymptote of the hyperbolae.
fn check_range(sensors: &[[f64; 3]], solution: &Solution, options: &LocateOptions) -> Result<()> {
    let used: Vec<Vector3<f64>> = solution
        .used
        .iter()
        .map(|&k| Vector3::from(sensors[k]))
        .collect();
    let centroid = used.iter().sum::<Vector3<f64>>() / used.len().max(1) as f64;
    let aperture = used
        .iter()
        .flat_map(|a| used.iter().map(move |b| (a - b).norm()))
        .fold(0.0, f64::max);
    let limit = options
        .max_range_m
        .unwrap_or(DEFAULT_RANGE_APERTURES * aperture);
    let range = (Vector3::from(solution.position) - centroid).norm();
    if range > limit {
        // Whole metres, but a small setting keeps its millimetres (0.001, not 0).
        let metres = |m: f64| {
            if m >= 10.0 {
                format!("{m:.0}")
            } else {
                format!("{m:.3}")
            }
        };
        let (limit, aperture) = (metres(limit), metres(aperture));
        return Err(Error::NoConvergence {
            reason: format!(
                "the delays put the source {range:.3e} m from the sensors, beyond the \
                 {limit} m this {aperture} m array can range (max_range_m); they fit \
                 no single source, or the source is too far for a position"
            ),
        });
    }
    Ok(())
}

/// Checks the settings, naming the one that is wrong.
fn validate_options(options: &LocateOptions) -> Result<()> {
    if let Some(range) = options.max_range_m {
        if !(range.is_finite() && range > 0.0) {
            return Err(Error::parameter(
                "max_range_m",
                "a positive distance in metres",
                range,
            ));
        }
    }
    let c = options.speed_of_sound;
    let (c_min, c_max) = SPEED_OF_SOUND_RANGE_M_S;
    if !(c_min..=c_max).contains(&c) {
        return Err(Error::parameter(
            "speed_of_sound",
            format!("a speed from {c_min} to {c_max:e} m/s"),
            c,
        ));
    }
    let threshold = options.outlier_threshold;
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(Error::parameter(
            "outlier_threshold",
            "a positive, finite number of standard deviations",
            threshold,
        ));
    }
    if options.max_iterations == 0 {
        return Err(Error::parameter("max_iterations", "at least 1", 0));
    }
    if let Some(prior) = options.height_prior {
        let ordered = prior.min_m < prior.max_m;
        let inside = |z: f64| z.abs() <= MAX_COORDINATE_M;
        if !(inside(prior.min_m) && inside(prior.max_m) && ordered) {
            return Err(Error::parameter(
                "height_prior",
                format!("bounds within +-{MAX_COORDINATE_M:e} m with min_m < max_m"),
                format!("min_m = {}, max_m = {}", prior.min_m, prior.max_m),
            ));
        }
    }
    if let Some(height) = options.plane_height_m {
        check_coordinates(|| "plane_height_m".to_string(), &[height])?;
    }
    if let Some(guess) = options.initial_guess {
        check_coordinates(|| "initial_guess".to_string(), &guess)?;
    }
    Ok(())
}

/// Checks that every sensor coordinate is finite and within [`MAX_COORDINATE_M`].
fn validate_sensors(sensors: &[[f64; 3]]) -> Result<()> {
    for (k, position) in sensors.iter().enumerate() {
        check_coordinates(|| format!("sensor {k} position"), position)?;
    }
    Ok(())
}

/// Finite coordinates within [`MAX_COORDINATE_M`] of the origin in every axis.
fn check_coordinates(what: impl Fn() -> String, values: &[f64]) -> Result<()> {
    check_finite(&what, values)?;
    match values.iter().find(|v| v.abs() > MAX_COORDINATE_M) {
        Some(value) => Err(Error::parameter(
            "position",
            format!("coordinates within +-{MAX_COORDINATE_M:e} m"),
            format!("{value} in {}", what()),
        )),
        None => Ok(()),
    }
}

/// Checks indices, delays and standard deviations of every measurement.
fn validate_measurements(n_sensors: usize, measurements: &[TdoaMeasurement]) -> Result<()> {
    for (index, m) in measurements.iter().enumerate() {
        // Both sensors must exist and differ.
        for (name, sensor) in [("measurement.i", m.i), ("measurement.j", m.j)] {
            if sensor >= n_sensors {
                return Err(Error::parameter(
                    name,
                    format!("a sensor index below {n_sensors}"),
                    format!("{sensor} in measurement {index}"),
                ));
            }
        }
        if m.i == m.j {
            return Err(Error::parameter(
                "measurement.j",
                "a sensor other than measurement.i",
                format!("{} = i in measurement {index}", m.j),
            ));
        }

        // The delay must be a number and its std a positive one.
        if !m.delay_s.is_finite() {
            return Err(Error::NonFinite {
                what: "measurement delay_s".to_string(),
                index,
                value: m.delay_s.to_string(),
            });
        }
        if m.delay_s.abs() > MAX_DELAY_S {
            return Err(Error::parameter(
                "measurement.delay_s",
                format!("a delay within +-{MAX_DELAY_S:e} s"),
                format!("{} in measurement {index}", m.delay_s),
            ));
        }
        if !((MIN_DELAY_STD_S..=MAX_DELAY_S).contains(&m.std_s)) {
            return Err(Error::parameter(
                "measurement.std_s",
                format!("a standard deviation from {MIN_DELAY_STD_S:e} to {MAX_DELAY_S:e} s"),
                format!("{} in measurement {index}", m.std_s),
            ));
        }
    }
    Ok(())
}

/// Fails if two active sensors share a position: their delays would be undefined.
fn check_distinct_positions(sensors: &[[f64; 3]], active: &[bool]) -> Result<()> {
    for a in (0..sensors.len()).filter(|&a| active[a]) {
        for b in (a + 1..sensors.len()).filter(|&b| active[b]) {
            let gap = (Vector3::from(sensors[a]) - Vector3::from(sensors[b])).norm();
            if gap < COINCIDENT_SENSORS_M {
                return Err(Error::Geometry {
                    reason: format!(
                        "sensors {a} and {b} are at the same position ({gap:.1e} m apart); \
                         expected distinct positions"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Groups of active sensors linked to each other by measurements between active sensors.
fn linked_groups(measurements: &[TdoaMeasurement], active: &[bool]) -> Vec<Vec<usize>> {
    // Union-find over the sensors, joining the two ends of every usable measurement.
    let mut parent: Vec<usize> = (0..active.len()).collect();
    fn root(parent: &mut [usize], mut k: usize) -> usize {
        while parent[k] != k {
            parent[k] = parent[parent[k]];
            k = parent[k];
        }
        k
    }
    for m in measurements.iter().filter(|m| active[m.i] && active[m.j]) {
        let (a, b) = (root(&mut parent, m.i), root(&mut parent, m.j));
        parent[a.max(b)] = a.min(b);
    }

    // Collect the active sensors that some usable measurement touches, by root.
    let mut touched = vec![false; active.len()];
    for m in measurements.iter().filter(|m| active[m.i] && active[m.j]) {
        touched[m.i] = true;
        touched[m.j] = true;
    }
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for k in (0..active.len()).filter(|&k| touched[k]) {
        let r = root(&mut parent, k);
        match groups.iter_mut().find(|(group_root, _)| *group_root == r) {
            Some((_, members)) => members.push(k),
            None => groups.push((r, vec![k])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// Distance and unit vector from one sensor to the current estimate.
#[derive(Debug, Clone, Copy, Default)]
struct Ray {
    range_m: f64,
    unit: Vector3<f64>,
}

/// The weighted normal equations at one position.
struct NormalEquations {
    /// `J^T W J`, 1/m^2 (delays normalised by their std).
    information: Matrix3<f64>,
    /// `J^T W r`.
    gradient: Vector3<f64>,
    /// `r^T W r`.
    chi2: f64,
    /// Measurements used.
    n_measurements: usize,
}

/// One refined start.
#[derive(Debug, Clone, Copy)]
struct Fit {
    position: Vector3<f64>,
    chi2: f64,
    n_measurements: usize,
    converged: bool,
    iterations: usize,
}

impl Fit {
    /// Chi-square per degree of freedom (zero for an exactly determined problem).
    fn reduced_chi2(&self, dim: usize) -> f64 {
        match self.n_measurements.checked_sub(dim) {
            Some(dof) if dof > 0 => self.chi2 / dof as f64,
            _ => 0.0,
        }
    }
}

/// The validated inputs of one call, with defaults resolved.
struct Problem<'a> {
    sensors: &'a [[f64; 3]],
    measurements: &'a [TdoaMeasurement],
    dimension: Dimension,
    speed_of_sound: f64,
    /// The `z` of the source in [`Dimension::Two`].
    plane_height_m: f64,
    /// Bounds on `z` in [`Dimension::Three`].
    height_prior: Option<HeightPrior>,
    outlier_threshold: f64,
    initial_guess: Option<[f64; 3]>,
    max_iterations: usize,
}

impl<'a> Problem<'a> {
    fn new(
        sensors: &'a [[f64; 3]],
        measurements: &'a [TdoaMeasurement],
        options: &LocateOptions,
        active: &[bool],
    ) -> Self {
        // The default plane is the mean height of the sensors in use.
        let heights: Vec<f64> = (0..sensors.len())
            .filter(|&k| active[k])
            .map(|k| sensors[k][2])
            .collect();
        let mean_height = heights.iter().sum::<f64>() / heights.len().max(1) as f64;
        let height_prior = match options.dimension {
            Dimension::Two => None,
            Dimension::Three => options.height_prior,
        };
        Self {
            sensors,
            measurements,
            dimension: options.dimension,
            speed_of_sound: options.speed_of_sound,
            plane_height_m: options.plane_height_m.unwrap_or(mean_height),
            height_prior,
            outlier_threshold: options.outlier_threshold,
            initial_guess: options.initial_guess,
            max_iterations: options.max_iterations,
        }
    }

    fn dim(&self) -> usize {
        self.dimension.unknowns()
    }

    fn sensor(&self, k: usize) -> Vector3<f64> {
        Vector3::from(self.sensors[k])
    }

    /// Measurements between two active sensors, with their index.
    fn usable<'s>(
        &'s self,
        active: &'s [bool],
    ) -> impl Iterator<Item = (usize, &'a TdoaMeasurement)> + 's {
        self.measurements
            .iter()
            .enumerate()
            .filter(move |(_, m)| active[m.i] && active[m.j])
    }

    /// Moves a position onto the allowed set: the plane in 2-D, within the height bounds in 3-D.
    fn constrain(&self, mut position: Vector3<f64>) -> Vector3<f64> {
        match (self.dimension, self.height_prior) {
            (Dimension::Two, _) => position.z = self.plane_height_m,
            (Dimension::Three, Some(prior)) => {
                position.z = position.z.clamp(prior.min_m, prior.max_m)
            }
            (Dimension::Three, None) => {}
        }
        position
    }

    /// Fills `rays` for the active sensors, as seen from `position`.
    fn trace_rays(&self, active: &[bool], position: &Vector3<f64>, rays: &mut [Ray]) {
        for (k, ray) in rays.iter_mut().enumerate().filter(|(k, _)| active[*k]) {
            let offset = position - self.sensor(k);
            let range_m = offset.norm();
            // On top of a sensor the direction is undefined: give it no gradient.
            let unit = if range_m > f64::EPSILON * (1.0 + position.norm()) {
                offset / range_m
            } else {
                Vector3::zeros()
            };
            *ray = Ray { range_m, unit };
        }
    }

    /// The normalised residual of a measurement, given the rays to its sensors.
    fn normalised_residual(&self, m: &TdoaMeasurement, rays: &[Ray]) -> f64 {
        let model = (rays[m.j].range_m - rays[m.i].range_m) / self.speed_of_sound;
        (model - m.delay_s) / m.std_s
    }

    /// Builds `J^T W J`, `J^T W r` and the chi-square at `position`.
    fn normal_equations(
        &self,
        active: &[bool],
        position: &Vector3<f64>,
        rays: &mut [Ray],
    ) -> NormalEquations {
        // Accumulate one Jacobian row `(u_j - u_i) / (c std)` per measurement.
        self.trace_rays(active, position, rays);
        let mut information = Matrix3::zeros();
        let mut gradient = Vector3::zeros();
        let mut chi2 = 0.0;
        let mut n_measurements = 0;
        for (_, m) in self.usable(active) {
            let residual = self.normalised_residual(m, rays);
            let row = (rays[m.j].unit - rays[m.i].unit) / (self.speed_of_sound * m.std_s);
            information += row * row.transpose();
            gradient += row * residual;
            chi2 += residual * residual;
            n_measurements += 1;
        }

        // In 2-D the height is not an unknown.
        if self.dimension == Dimension::Two {
            information.row_mut(2).fill(0.0);
            information.column_mut(2).fill(0.0);
            gradient.z = 0.0;
        }
        NormalEquations {
            information,
            gradient,
            chi2,
            n_measurements,
        }
    }

    /// Axes held fixed in the next step: `z` in 2-D, or `z` on a height bound that the
    /// cost would push it through.
    fn frozen_axes(&self, position: &Vector3<f64>, gradient: &Vector3<f64>) -> [bool; 3] {
        let frozen_z = match (self.dimension, self.height_prior) {
            (Dimension::Two, _) => true,
            (Dimension::Three, Some(prior)) => {
                (position.z <= prior.min_m && gradient.z > 0.0)
                    || (position.z >= prior.max_m && gradient.z < 0.0)
            }
            (Dimension::Three, None) => false,
        };
        [false, false, frozen_z]
    }

    /// Levenberg-Marquardt from `start` on the active sensors.
    fn refine(&self, active: &[bool], start: Vector3<f64>, rays: &mut [Ray]) -> Fit {
        let mut position = self.constrain(start);
        let mut normal = self.normal_equations(active, &position, rays);
        let mut damping = INITIAL_DAMPING;
        let mut converged = false;
        let mut iterations = 0;
        while iterations < self.max_iterations && normal.chi2.is_finite() {
            iterations += 1;

            // Damp the diagonal (Marquardt's scaling, with a floor for empty columns) and
            // hold frozen axes still.
            let frozen = self.frozen_axes(&position, &normal.gradient);
            let floor = 1e-12 * normal.information.trace().max(f64::MIN_POSITIVE);
            let mut damped = normal.information;
            let mut gradient = normal.gradient;
            for axis in 0..3 {
                if frozen[axis] {
                    damped.row_mut(axis).fill(0.0);
                    damped.column_mut(axis).fill(0.0);
                    damped[(axis, axis)] = 1.0;
                    gradient[axis] = 0.0;
                } else {
                    damped[(axis, axis)] += damping * (damped[(axis, axis)] + floor);
                }
            }

            // Try the step; keep it if the cost does not rise, else damp harder.
            let step = match damped.cholesky() {
                Some(factor) => factor.solve(&-gradient),
                None => Vector3::zeros(),
            };
            let trial = self.constrain(position + step);
            let moved = (trial - position).norm();
            let negligible = moved <= 1e-10 * (1.0 + position.norm());
            let trial_normal = self.normal_equations(active, &trial, rays);
            let mut flat = false;
            if trial_normal.chi2 <= normal.chi2 {
                flat = normal.chi2 - trial_normal.chi2 <= 1e-12 * normal.chi2;
                position = trial;
                normal = trial_normal;
                damping = (damping * 0.1).max(1e-15);
            } else {
                damping *= 10.0;
            }

            // Done when the step no longer moves the estimate, or no step lowers the cost
            // (a stationary point to rounding), or a full step lowers it by no more than
            // rounding: the estimate may still slide along a flat valley (a source far
            // outside the array, a height the sensors barely see), but the fit is as good
            // as it gets, and the covariance says how flat the valley is.
            if negligible || damping > MAX_DAMPING || flat {
                converged = true;
                break;
            }
        }
        Fit {
            position,
            chi2: normal.chi2,
            n_measurements: normal.n_measurements,
            converged,
            iterations,
        }
    }

    /// All refined starts on the active sensors, best first.
    /// Every start refined on the active sensors, converged ones first, then by cost;
    /// an error only when none gives a finite cost.
    fn fits(&self, active: &[bool], rays: &mut [Ray]) -> Result<Vec<Fit>> {
        // Gather the starts: closed forms, the centroid, the caller's guess.
        let members: Vec<usize> = linked_groups(self.measurements, active)
            .into_iter()
            .flatten()
            .collect();
        let mut starts = self.closed_form_starts(active, &members)?;
        let centroid = members
            .iter()
            .map(|&k| self.sensor(k))
            .sum::<Vector3<f64>>()
            / members.len() as f64;
        starts.push(centroid);
        if let Some(guess) = self.initial_guess {
            starts.push(Vector3::from(guess));
        }

        // Refine each and sort by cost.
        let mut fits: Vec<Fit> = starts
            .into_iter()
            .map(|start| self.refine(active, start, rays))
            .filter(|fit| fit.chi2.is_finite())
            .collect();
        // Converged fits come first: a start still creeping along a valley floor may sit at
        // a marginally lower cost by rounding, but it is not an answer.
        fits.sort_by(|a, b| {
            b.converged
                .cmp(&a.converged)
                .then(a.chi2.total_cmp(&b.chi2))
        });
        match fits.first() {
            None => Err(Error::NoConvergence {
                reason: "no starting point gave a finite cost".to_string(),
            }),
            Some(_) => Ok(fits),
        }
    }

    /// [`Problem::fits`], as long as the best one converged.
    fn solve(&self, active: &[bool], rays: &mut [Ray]) -> Result<Vec<Fit>> {
        let fits = self.fits(active, rays)?;
        converged(fits)
    }

    /// Principal axes of the member sensors, by decreasing spread, with their variances.
    /// In 2-D the first two axes are horizontal and the third is `z`.
    fn principal_axes(&self, members: &[usize]) -> ([Vector3<f64>; 3], [f64; 3]) {
        // Scatter of the positions about their centroid.
        let centroid = members
            .iter()
            .map(|&k| self.sensor(k))
            .sum::<Vector3<f64>>()
            / members.len() as f64;
        let mut scatter = Matrix3::zeros();
        for &k in members {
            let offset = self.sensor(k) - centroid;
            scatter += offset * offset.transpose();
        }
        scatter /= members.len() as f64;

        // Diagonalise: in 2-D only the horizontal block.
        let mut axes = [Vector3::x(), Vector3::y(), Vector3::z()];
        let mut spreads = [0.0; 3];
        match self.dimension {
            Dimension::Two => {
                let horizontal: Matrix2<f64> = scatter.fixed_view::<2, 2>(0, 0).into_owned();
                let eigen = SymmetricEigen::new(horizontal);
                let order = if eigen.eigenvalues[0] >= eigen.eigenvalues[1] {
                    [0, 1]
                } else {
                    [1, 0]
                };
                for (slot, &index) in order.iter().enumerate() {
                    let v = eigen.eigenvectors.column(index);
                    axes[slot] = Vector3::new(v[0], v[1], 0.0);
                    spreads[slot] = eigen.eigenvalues[index].max(0.0);
                }
            }
            Dimension::Three => {
                let eigen = SymmetricEigen::new(scatter);
                let mut order = [0, 1, 2];
                order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
                for (slot, &index) in order.iter().enumerate() {
                    axes[slot] = eigen.eigenvectors.column(index).into_owned();
                    spreads[slot] = eigen.eigenvalues[index].max(0.0);
                }
            }
        }
        (axes, spreads)
    }

    /// Arrival times relative to `reference`, seconds, for each member, by weighted least
    /// squares on the measurement graph (exact when every measurement involves the
    /// reference). `None` if the graph is not connected.
    fn relative_arrival_times(
        &self,
        active: &[bool],
        members: &[usize],
        reference: usize,
    ) -> Option<Vec<f64>> {
        // The weighted graph Laplacian `L t = b` of `sum w (t_j - t_i - delay)^2`.
        let local = |sensor: usize| members.iter().position(|&k| k == sensor);
        let n = members.len();
        let mut laplacian = DMatrix::<f64>::zeros(n, n);
        let mut rhs = DVector::<f64>::zeros(n);
        for (_, m) in self.usable(active) {
            let (a, b) = (local(m.i)?, local(m.j)?);
            let weight = 1.0 / (m.std_s * m.std_s);
            laplacian[(a, a)] += weight;
            laplacian[(b, b)] += weight;
            laplacian[(a, b)] -= weight;
            laplacian[(b, a)] -= weight;
            rhs[b] += weight * m.delay_s;
            rhs[a] -= weight * m.delay_s;
        }

        // Pin the reference at zero and solve.
        let r = local(reference)?;
        laplacian.row_mut(r).fill(0.0);
        laplacian.column_mut(r).fill(0.0);
        laplacian[(r, r)] = 1.0;
        rhs[r] = 0.0;
        let times = laplacian.cholesky()?.solve(&rhs);
        Some(times.iter().copied().collect())
    }

    /// Closed-form starting points (see the module docs), in metres.
    ///
    /// # Errors
    /// [`Error::Geometry`] if the sensors span too few dimensions.
    fn closed_form_starts(&self, active: &[bool], members: &[usize]) -> Result<Vec<Vector3<f64>>> {
        let dim = self.dim();
        let mut starts = Vec::new();

        // The geometry must span at least `dim - 1` axes; one missing axis gives a mirror pair.
        let (axes, spreads) = self.principal_axes(members);
        let spanned = (0..dim)
            .filter(|&a| spreads[a] > DEGENERATE_AXIS_RATIO * spreads[0])
            .count();
        if spanned + 1 < dim {
            return Err(Error::Geometry {
                reason: format!(
                    "sensors {members:?} are {}; a {dim}-D position needs sensors spanning \
                     at least {} dimensions",
                    if dim == 3 {
                        "collinear"
                    } else {
                        "stacked at one horizontal point"
                    },
                    dim - 1
                ),
            });
        }
        let thin = spreads[dim - 1] < THIN_AXIS_RATIO * spreads[0];

        // Reference: the sensor in the most measurements; range differences to it.
        let mut degree = vec![0usize; self.sensors.len()];
        for (_, m) in self.usable(active) {
            degree[m.i] += 1;
            degree[m.j] += 1;
        }
        let reference = *members
            .iter()
            .max_by_key(|&&k| (degree[k], std::cmp::Reverse(k)))
            .expect("members is not empty");
        let Some(times) = self.relative_arrival_times(active, members, reference) else {
            return Ok(starts);
        };
        let origin = self.sensor(reference);
        let fixed = match self.dimension {
            Dimension::Two => Vector3::new(0.0, 0.0, self.plane_height_m - origin.z),
            Dimension::Three => Vector3::zeros(),
        };

        // One linear equation per other sensor: along the axes, for r_0, and the right side.
        let rows: Vec<(Vector3<f64>, f64, f64)> = members
            .iter()
            .zip(&times)
            .filter(|&(&k, _)| k != reference)
            .map(|(&k, &time)| {
                let q = self.sensor(k) - origin;
                let d = self.speed_of_sound * time;
                let along = Vector3::new(
                    2.0 * q.dot(&axes[0]),
                    2.0 * q.dot(&axes[1]),
                    2.0 * q.dot(&axes[2]),
                );
                (
                    along,
                    2.0 * d,
                    q.norm_squared() - d * d - 2.0 * q.dot(&fixed),
                )
            })
            .collect();
        let to_position = |coordinates: Vector3<f64>| {
            origin
                + fixed
                + axes[0] * coordinates[0]
                + axes[1] * coordinates[1]
                + axes[2] * coordinates[2]
        };

        // Full rank: the joint least squares and the roots of the quadratic.
        if spanned == dim {
            if let Some((coordinates, _)) = joint_least_squares(&rows, dim) {
                starts.push(to_position(coordinates));
            }
            for coordinates in quadratic_roots(&rows, dim, fixed.norm_squared()) {
                starts.push(to_position(coordinates));
            }
        }

        // Thin or flat: solve within the array, then step off it both ways.
        if spanned < dim || thin {
            if let Some((mut coordinates, r0)) = joint_least_squares(&rows, dim - 1) {
                let off = (r0 * r0 - coordinates.norm_squared() - fixed.norm_squared())
                    .max(0.0)
                    .sqrt();
                for side in [1.0, -1.0] {
                    coordinates[dim - 1] = side * off;
                    starts.push(to_position(coordinates));
                }
            }
        }
        Ok(starts)
    }

    /// Random-sample consensus over sensors (Fischler and Bolles 1981): when the fit
    /// has an outlier and sensors to spare, locate from [`CONSENSUS_SAMPLES`] random
    /// sets of `dim + 2` sensors, count for each position the sensors whose delays to
    /// the set agree within the outlier threshold, and keep the largest agreeing set
    /// if it fits better than all sensors together. Two or more sensors whose sound
    /// came round a building arrive late together: leaving out one at a time can fail
    /// to free the fit of both, a set without either cannot. Returns the agreeing
    /// sensors, a rejection for each one left out, and their fits.
    fn consensus(
        &self,
        active: &[bool],
        best: &Fit,
        rays: &mut [Ray],
    ) -> Option<(Vec<bool>, Vec<Rejection>, Vec<Fit>)> {
        let dim = self.dim();
        let members: Vec<usize> = (0..self.sensors.len()).filter(|&k| active[k]).collect();
        let per_sensor_worst = self.per_sensor_worst(active, &best.position, rays);
        let worst = per_sensor_worst.iter().copied().fold(0.0, f64::max);
        if worst <= self.outlier_threshold || members.len() < dim + 4 {
            return None;
        }

        // Draw sets, keep the position most sensors agree with (then the lowest cost).
        let mut random = SplitMix64(0x5eed_c075_e75e_ed00_u64 ^ self.measurements.len() as u64);
        let mut agreeing: Option<(usize, f64, Vec<bool>)> = None;
        for _ in 0..CONSENSUS_SAMPLES {
            let mut set = vec![false; self.sensors.len()];
            let mut pool = members.clone();
            for _ in 0..dim + 2 {
                let pick = (random.next() % pool.len() as u64) as usize;
                set[pool.swap_remove(pick)] = true;
            }
            if linked_groups(self.measurements, &set).len() != 1 {
                continue;
            }
            let Ok(fits) = self.solve(&set, rays) else {
                continue;
            };
            let inliers = self.agreeing_with(active, &set, &fits[0].position, rays);
            let count = inliers.iter().filter(|&&a| a).count();
            let cost = fits[0].chi2;
            if agreeing
                .as_ref()
                .is_none_or(|(c, lowest, _)| count > *c || (count == *c && cost < *lowest))
            {
                agreeing = Some((count, cost, inliers));
            }
        }

        // Worth it only if some sensors disagree, enough agree, and the fit improves.
        let (count, _, inliers) = agreeing?;
        if count == members.len() || count < dim + 2 {
            return None;
        }
        if linked_groups(self.measurements, &inliers).len() != 1 {
            return None;
        }
        let fits = self.solve(&inliers, rays).ok()?;
        let (cost_before, cost_after) = (best.reduced_chi2(dim), fits[0].reduced_chi2(dim));
        if cost_after >= cost_before {
            return None;
        }
        let rejections = members
            .iter()
            .filter(|&&k| !inliers[k])
            .map(|&sensor| Rejection {
                sensor,
                worst_residual: per_sensor_worst[sensor],
                cost_before,
                cost_after,
            })
            .collect();
        Some((inliers, rejections, fits))
    }

    /// The active sensors whose measurements with the sensors of `set` all fit a source
    /// at `position` within the outlier threshold (the set itself included; a sensor
    /// with no measurement to the set cannot be judged and is kept).
    fn agreeing_with(
        &self,
        active: &[bool],
        set: &[bool],
        position: &Vector3<f64>,
        rays: &mut [Ray],
    ) -> Vec<bool> {
        self.trace_rays(active, position, rays);
        let mut agree = active.to_vec();
        for (_, m) in self.usable(active) {
            let crosses = set[m.i] != set[m.j];
            if crosses && self.normalised_residual(m, rays).abs() > self.outlier_threshold {
                let outside = if set[m.i] { m.j } else { m.i };
                agree[outside] = false;
            }
        }
        agree
    }

    /// Each sensor's largest normalised residual at `position` (0 for inactive ones).
    fn per_sensor_worst(
        &self,
        active: &[bool],
        position: &Vector3<f64>,
        rays: &mut [Ray],
    ) -> Vec<f64> {
        self.trace_rays(active, position, rays);
        let mut worst = vec![0.0f64; self.sensors.len()];
        for (_, m) in self.usable(active) {
            let residual = self.normalised_residual(m, rays).abs();
            worst[m.i] = worst[m.i].max(residual);
            worst[m.j] = worst[m.j].max(residual);
        }
        worst
    }

    /// Finds the sensor whose removal best explains the data, if the fit holds an outlier
    /// and removing it helps; returns the rejection and the fits without that sensor.
    fn best_rejection(
        &self,
        active: &[bool],
        best: &Fit,
        rays: &mut [Ray],
    ) -> Option<(Rejection, Vec<Fit>)> {
        // Only an outlier, with redundancy to spare, is worth a search.
        let dim = self.dim();
        let n_active = linked_groups(self.measurements, active)
            .iter()
            .map(Vec::len)
            .sum::<usize>();
        let per_sensor_worst = self.per_sensor_worst(active, &best.position, rays);
        let worst = per_sensor_worst.iter().copied().fold(0.0, f64::max);
        if worst <= self.outlier_threshold || n_active < dim + 3 {
            return None;
        }

        // Leave each sensor out in turn; keep the removal with the lowest reduced chi-square.
        let cost_before = best.reduced_chi2(dim);
        let mut trial_active = active.to_vec();
        let mut chosen: Option<(usize, f64, Vec<Fit>)> = None;
        for sensor in (0..self.sensors.len()).filter(|&k| active[k]) {
            trial_active[sensor] = false;
            let groups = linked_groups(self.measurements, &trial_active);
            if groups.len() == 1 && groups[0].len() >= dim + 2 {
                if let Ok(fits) = self.solve(&trial_active, rays) {
                    let cost = fits[0].reduced_chi2(dim);
                    if chosen.as_ref().is_none_or(|(_, lowest, _)| cost < *lowest) {
                        chosen = Some((sensor, cost, fits));
                    }
                }
            }
            trial_active[sensor] = true;
        }

        // Reject only if it lowers the cost per degree of freedom.
        let (sensor, cost_after, fits) = chosen?;
        (cost_after < cost_before).then(|| {
            let rejection = Rejection {
                sensor,
                worst_residual: per_sensor_worst[sensor],
                cost_before,
                cost_after,
            };
            (rejection, fits)
        })
    }

    /// Covariance of the fit, m^2, and the information matrix it inverts (scaled, with the
    /// prior), at `position`.
    fn covariance(
        &self,
        active: &[bool],
        fit: &Fit,
        rays: &mut [Ray],
    ) -> (Matrix3<f64>, Matrix3<f64>) {
        // Information from the measurements, inflated when the fit is worse than the stds.
        let normal = self.normal_equations(active, &fit.position, rays);
        let scale = fit.reduced_chi2(self.dim()).max(1.0);

        // Pair delays share their sensors' timing errors: `m` measurements among `n`
        // sensors carry at most `n - 1` independent ones. Weighting them as independent
        // overstates the information by `m / (n - 1)` (exactly, for all pairs and
        // per-sensor errors), so take it back out.
        let mut distinct: Vec<usize> = self.usable(active).flat_map(|(_, m)| [m.i, m.j]).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let redundancy = (fit.n_measurements as f64 / (distinct.len().max(2) - 1) as f64).max(1.0);
        let level = scale * redundancy;
        let information = normal.information / level;

        // Where the cost is far from quadratic (next to a sensor, whose distance has a
        // kink there), follow it out along each principal direction instead.
        let mut information = self.profiled(active, fit, information, level, rays);

        // Add the prior's information on z.
        if let Some(prior) = self.height_prior {
            information[(2, 2)] += 1.0 / prior.std_m().powi(2);
        }

        // Invert over the solved axes; an unobservable direction gets infinite variance.
        let solved = match self.dimension {
            Dimension::Two => 2,
            Dimension::Three => 3,
        };
        let mut covariance = pseudo_inverse(&information, solved);
        if self.dimension == Dimension::Two {
            // The height was assumed, not measured: its variance is unbounded.
            covariance[(2, 2)] = f64::INFINITY;
        }
        mark_unbounded(&mut covariance);
        (covariance, information)
    }

    /// `information` (scaled so that one unit of chi-square is `level` of raw cost) with
    /// each principal direction checked against the cost itself.
    ///
    /// The covariance takes the cost to be quadratic around the fit. It is not next to a
    /// sensor, where that sensor's distance has a kink: a source beyond the end of a line
    /// of sensors (end-fire) fits every delay equally well anywhere along the line, but a
    /// fit stopped on the end sensor sees a steep cost behind it and none ahead. Along each
    /// principal direction the cost is read [`PROFILE_SIGMAS`] standard deviations out on
    /// both sides. Where it has risen by less than the model says (nine units), the standard
    /// deviation becomes a third of the distance at which it does rise that much on the
    /// flatter side, or infinite when it never does; it is never narrowed.
    fn profiled(
        &self,
        active: &[bool],
        fit: &Fit,
        information: Matrix3<f64>,
        level: f64,
        rays: &mut [Ray],
    ) -> Matrix3<f64> {
        // The principal directions of the solved block.
        let solved = self.dim();
        let block = information.view((0, 0), (solved, solved)).into_owned();
        if !block.iter().all(|v| v.is_finite()) {
            return information;
        }
        let eigen = SymmetricEigen::new((&block + block.transpose()) / 2.0);
        let largest = eigen.eigenvalues.iter().copied().fold(0.0, f64::max);

        // Rebuild the information from the directions, each with the width the cost shows.
        let mut corrected = Matrix3::zeros();
        for (k, &value) in eigen.eigenvalues.iter().enumerate() {
            let mut direction = Vector3::zeros();
            for axis in 0..solved {
                direction[axis] = eigen.eigenvectors[(axis, k)];
            }
            let observable = largest > 0.0 && value > UNOBSERVABLE_INFORMATION_RATIO * largest;
            let value = match observable {
                false => value,
                true => match self.profile_width(
                    active,
                    fit,
                    direction,
                    value.sqrt().recip(),
                    level,
                    rays,
                ) {
                    Some(width) => width.powi(-2),
                    None => 0.0,
                },
            };
            corrected += direction * direction.transpose() * value;
        }
        corrected
    }

    /// The standard deviation along the unit vector `direction` that the cost itself
    /// shows: `std` when the cost has risen by [`PROFILE_SIGMAS`] squared units (of `level`
    /// raw chi-square) `PROFILE_SIGMAS * std` from the fit on both sides, as the quadratic
    /// model says; otherwise a [`PROFILE_SIGMAS`]-th of the distance at which it has, on
    /// both sides; `None` when it never has within [`MAX_COORDINATE_M`].
    fn profile_width(
        &self,
        active: &[bool],
        fit: &Fit,
        direction: Vector3<f64>,
        std: f64,
        level: f64,
        rays: &mut [Ray],
    ) -> Option<f64> {
        // The rise on the flatter side, in units of the model's chi-square.
        let target = PROFILE_SIGMAS * PROFILE_SIGMAS;
        let mut rise = |offset: f64| {
            let mut at = |offset: f64| {
                let chi2 = self.chi2_at(active, &(fit.position + direction * offset), rays);
                (chi2 - fit.chi2) / level
            };
            at(offset).min(at(-offset))
        };
        let mut inner = PROFILE_SIGMAS * std;
        if rise(inner) >= target {
            return Some(std);
        }

        // Double the distance until the cost has risen enough, then close in on it.
        let mut outer = 2.0 * inner;
        while rise(outer) < target {
            if outer > MAX_COORDINATE_M {
                return None;
            }
            inner = outer;
            outer *= 2.0;
        }
        Some(crossing(rise, target, (inner, outer)) / PROFILE_SIGMAS)
    }

    /// The chi-square of the active sensors' measurements at `position`.
    fn chi2_at(&self, active: &[bool], position: &Vector3<f64>, rays: &mut [Ray]) -> f64 {
        self.trace_rays(active, position, rays);
        self.usable(active)
            .map(|(_, m)| self.normalised_residual(m, rays).powi(2))
            .sum()
    }

    /// Assembles the public [`Solution`] from the fits of the final set of sensors.
    fn solution(
        &self,
        active: &[bool],
        fits: &[Fit],
        rejections: Vec<Rejection>,
        rays: &mut [Ray],
    ) -> Result<Solution> {
        let best = fits[0];
        let (mut covariance, information) = self.covariance(active, &best, rays);

        // Delay residual RMS, seconds.
        self.trace_rays(active, &best.position, rays);
        let squares: f64 = self
            .usable(active)
            .map(|(_, m)| (self.normalised_residual(m, rays) * m.std_s).powi(2))
            .sum();
        let residual_rms_s = (squares / best.n_measurements.max(1) as f64).sqrt();

        // Other minima as good as the best, outside its one-sigma ellipsoid and each other's.
        let scale = best.reduced_chi2(self.dim()).max(1.0);
        let mut ambiguous: Vec<Vector3<f64>> = Vec::new();
        for fit in &fits[1..] {
            let as_good = fit.converged && fit.chi2 - best.chi2 < AMBIGUITY_CHI2 * scale;
            let distinct_from = |other: &Vector3<f64>| {
                let offset = fit.position - other;
                offset.norm() > COINCIDENT_SENSORS_M && offset.dot(&(information * offset)) > 1.0
            };
            if as_good && distinct_from(&best.position) && ambiguous.iter().all(distinct_from) {
                ambiguous.push(fit.position);
            }
        }

        // The answer may be any of the equally good points: widen the covariance to
        // their spread about the reported one (equal weights), so the stds say so.
        for alternative in &ambiguous {
            let offset = alternative - best.position;
            covariance += offset * offset.transpose() / (1 + ambiguous.len()) as f64;
        }
        mark_unbounded(&mut covariance);

        // Sensors in use, and those rejected.
        let used: Vec<usize> = {
            let mut used: Vec<usize> = linked_groups(self.measurements, active)
                .into_iter()
                .flatten()
                .collect();
            used.sort_unstable();
            used
        };
        // A height held at a bound of the prior: the data may point beyond it.
        let height_at_bound = self.dimension == Dimension::Three
            && self.height_prior.is_some_and(|prior| {
                let z = best.position.z;
                let slack = 1e-9 * (1.0 + z.abs());
                z <= prior.min_m + slack || z >= prior.max_m - slack
            });

        Ok(Solution {
            position: best.position.into(),
            covariance: covariance.into(),
            residual_rms_s,
            used,
            rejected: rejections.iter().map(|r| r.sensor).collect(),
            rejections,
            ambiguous: ambiguous.into_iter().map(Into::into).collect(),
            iterations: best.iterations,
            height_at_bound,
        })
    }
}

/// The offset in `bracket = (inside, outside)` where `rise` reaches `target`, given
/// `rise(inside) < target <= rise(outside)`; within [`PROFILE_TOLERANCE`] of the
/// bracket's width, on the outside (never narrower than the crossing).
///
/// Near a minimum the cost rises about quadratically, so `sqrt(rise)` is about linear in
/// the offset: regula falsi on it lands close at once. The Illinois rule (Dowell and
/// Jarratt 1971) halves the value kept at an end that survives twice, so both ends
/// close in; a step that leaves the bracket, or follows two steps that did not halve it
/// between them (a kink, a jump), is replaced by its middle.
fn crossing(mut rise: impl FnMut(f64) -> f64, target: f64, bracket: (f64, f64)) -> f64 {
    let level = target.sqrt();
    let mut excess = |offset: f64| rise(offset).max(0.0).sqrt() - level;
    let (mut inside, mut outside) = bracket;
    let (mut below, mut above) = (excess(inside), excess(outside));
    let mut moved_outside_last = None;
    let mut widths = [f64::INFINITY; 2];

    for _ in 0..PROFILE_STEPS {
        let width = outside - inside;
        let tolerance = PROFILE_TOLERANCE * outside;
        if width <= tolerance {
            break;
        }
        let slow = width > 0.5 * widths[0];
        widths = [widths[1], width];
        let secant = (inside * above - outside * below) / (above - below);
        let step = if secant > inside && secant < outside && !slow {
            secant
        } else {
            0.5 * (inside + outside)
        };
        // At least half the tolerance from either end: once the estimate has converged
        // next to one end, the following step lands just across and closes the bracket.
        let step = step.clamp(inside + 0.5 * tolerance, outside - 0.5 * tolerance);

        let value = excess(step);
        if value == 0.0 {
            return step;
        }
        let moved_outside = value > 0.0;
        if moved_outside {
            (outside, above) = (step, value);
        } else {
            (inside, below) = (step, value);
        }
        if moved_outside_last == Some(moved_outside) {
            // The other end survived twice: halve its value.
            match moved_outside {
                true => below *= 0.5,
                false => above *= 0.5,
            }
        }
        moved_outside_last = Some(moved_outside);
    }
    outside
}

/// The inverse of the information matrix over its first `solved` axes, m^2, from a
/// symmetric eigen-decomposition, so that the result is symmetric positive semi-definite.
///
/// A direction whose information is below [`UNOBSERVABLE_INFORMATION_RATIO`] of the
/// largest (or not finite) is unobservable: every axis it leans along gets an infinite
/// variance. Axes beyond `solved` are left at zero.
fn pseudo_inverse(information: &Matrix3<f64>, solved: usize) -> Matrix3<f64> {
    // Decompose the symmetric part of the solved block.
    let block = information.view((0, 0), (solved, solved)).into_owned();
    let block = (&block + block.transpose()) / 2.0;
    let mut covariance = Matrix3::zeros();
    if !block.iter().all(|v| v.is_finite()) {
        for axis in 0..solved {
            covariance[(axis, axis)] = f64::INFINITY;
        }
        return covariance;
    }
    let eigen = SymmetricEigen::new(block);
    let largest = eigen.eigenvalues.iter().copied().fold(0.0, f64::max);

    // Sum the observable directions' variances; flag the axes the others lean along.
    let mut unbounded = [false; 3];
    for (k, &value) in eigen.eigenvalues.iter().enumerate() {
        let direction = eigen.eigenvectors.column(k);
        if largest > 0.0 && value > UNOBSERVABLE_INFORMATION_RATIO * largest {
            for r in 0..solved {
                for c in 0..solved {
                    covariance[(r, c)] += direction[r] * direction[c] / value;
                }
            }
        } else {
            for axis in 0..solved {
                unbounded[axis] |= direction[axis].abs() > UNOBSERVABLE_COMPONENT;
            }
        }
    }
    for axis in (0..solved).filter(|&axis| unbounded[axis]) {
        covariance[(axis, axis)] = f64::INFINITY;
    }
    covariance
}

/// Gives every axis with an infinite variance zero covariance with the others: its
/// position along that axis is unknown, so it correlates with nothing.
fn mark_unbounded(covariance: &mut Matrix3<f64>) {
    for axis in 0..3 {
        if covariance[(axis, axis)] == f64::INFINITY {
            covariance.row_mut(axis).fill(0.0);
            covariance.column_mut(axis).fill(0.0);
            covariance[(axis, axis)] = f64::INFINITY;
        }
    }
}

/// Least squares for the coordinates along the first `n_axes` axes and `r_0` together
/// (Chan and Ho's first stage). Needs more than `n_axes` equations and full rank.
fn joint_least_squares(
    rows: &[(Vector3<f64>, f64, f64)],
    n_axes: usize,
) -> Option<(Vector3<f64>, f64)> {
    if rows.len() < n_axes + 1 {
        return None;
    }

    // Normal equations over [axes..., r_0], with unused axes pinned to zero.
    let mut normal = Matrix4::<f64>::zeros();
    let mut rhs = Vector4::<f64>::zeros();
    for (along, range_coefficient, right) in rows {
        let mut row = Vector4::new(along[0], along[1], along[2], *range_coefficient);
        for axis in n_axes..3 {
            row[axis] = 0.0;
        }
        normal += row * row.transpose();
        rhs += row * *right;
    }
    for axis in n_axes..3 {
        normal[(axis, axis)] = 1.0;
    }
    let factor = normal
        .cholesky()
        .filter(|f| well_conditioned(&normal, f.l_dirty()))?;
    let solution = factor.solve(&rhs);
    Some((solution.xyz(), solution[3]))
}

/// Positions along the first `n_axes` axes that satisfy the linear equations by least
/// squares for a given `r_0` and the constraint `|s'|^2 = r_0^2` (with `fixed_squared` the
/// squared fixed offset): zero, one or two roots.
fn quadratic_roots(
    rows: &[(Vector3<f64>, f64, f64)],
    n_axes: usize,
    fixed_squared: f64,
) -> Vec<Vector3<f64>> {
    if rows.len() < n_axes {
        return Vec::new();
    }

    // Coordinates as a linear function of r_0: a + r_0 e.
    let mut normal = Matrix3::<f64>::zeros();
    let mut from_right = Vector3::<f64>::zeros();
    let mut from_range = Vector3::<f64>::zeros();
    for (along, range_coefficient, right) in rows {
        let mut row = *along;
        for axis in n_axes..3 {
            row[axis] = 0.0;
        }
        normal += row * row.transpose();
        from_right += row * *right;
        from_range += row * *range_coefficient;
    }
    for axis in n_axes..3 {
        normal[(axis, axis)] = 1.0;
    }
    let Some(factor) = normal
        .cholesky()
        .filter(|f| well_conditioned(&normal, f.l_dirty()))
    else {
        return Vec::new();
    };
    let a = factor.solve(&from_right);
    let e = -factor.solve(&from_range);

    // |a + r_0 e|^2 + fixed^2 = r_0^2, a quadratic in r_0; keep the non-negative roots.
    let quadratic = e.norm_squared() - 1.0;
    let linear = 2.0 * a.dot(&e);
    let constant = a.norm_squared() + fixed_squared;
    let ranges: Vec<f64> = if quadratic.abs() < 1e-12 {
        if linear == 0.0 {
            vec![]
        } else {
            vec![-constant / linear]
        }
    } else {
        let discriminant = linear * linear - 4.0 * quadratic * constant;
        if discriminant < 0.0 {
            // Noise pushed the roots apart from real: take the closest point.
            vec![-linear / (2.0 * quadratic)]
        } else {
            let q = -0.5 * (linear + linear.signum() * discriminant.sqrt());
            let mut roots = vec![q / quadratic];
            if q != 0.0 {
                roots.push(constant / q);
            }
            roots
        }
    };
    ranges
        .into_iter()
        .filter(|r0| r0.is_finite() && *r0 >= 0.0)
        .map(|r0| a + e * r0)
        .collect()
}

/// Whether a symmetric positive definite matrix is safely invertible: the smallest
/// Cholesky pivot (`L_kk^2`, an upper bound of the smallest eigenvalue) is not negligible
/// next to the largest diagonal entry.
fn well_conditioned<const N: usize>(
    matrix: &nalgebra::SMatrix<f64, N, N>,
    cholesky_factor: &nalgebra::SMatrix<f64, N, N>,
) -> bool {
    let largest = matrix.diagonal().max();
    let smallest_pivot = (0..N)
        .map(|k| cholesky_factor[(k, k)].powi(2))
        .fold(f64::INFINITY, f64::min);
    largest > 0.0 && smallest_pivot > 1e-13 * largest
}

/// The fits, unless even the best one was still moving.
fn converged(fits: Vec<Fit>) -> Result<Vec<Fit>> {
    match fits.first() {
        Some(best) if !best.converged => Err(Error::NoConvergence {
            reason: format!(
                "the best estimate was still moving after {} iterations",
                best.iterations
            ),
        }),
        _ => Ok(fits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};
    use rand_distr::{Distribution, Normal};

    #[test]
    fn crossing_places_where_a_rise_reaches_its_target_from_the_outside() {
        // Quadratic, steeper than quadratic, a kink, and a jump: (rise, true crossing).
        let cases: [(&dyn Fn(f64) -> f64, f64); 4] = [
            (&|o: f64| o * o, 3.0),
            (&|o: f64| o.exp() - 1.0, 10f64.ln()),
            (&|o: f64| if o < 4.0 { 0.1 * o } else { 9.0 * o / 4.0 }, 4.0),
            (&|o: f64| if o < 5.5 { 1.0 } else { 50.0 }, 5.5),
        ];
        for (k, (rise, truth)) in cases.into_iter().enumerate() {
            let mut calls = 0;
            let found = crossing(
                |o| {
                    calls += 1;
                    rise(o)
                },
                9.0,
                (2.0, 8.0),
            );
            assert!(found >= truth, "case {k}: {found} below {truth}");
            assert!(
                found - truth <= 1e-8 * truth,
                "case {k}: {found} vs {truth}"
            );
            assert!(calls <= 2 + PROFILE_STEPS, "case {k}: {calls} calls");
            // Bisection to this width would take 33 halvings of the bracket; a smooth
            // rise needs fewer steps (3 for the exact quadratic, 21 for the exponential).
            if k < 2 {
                assert!(calls <= 24, "case {k}: {calls} calls for a smooth rise");
            }
        }
    }

    const C: f64 = DEFAULT_SPEED_OF_SOUND;

    /// Eight sensors spread over a 100 m box with some height variation.
    fn field_array() -> Vec<[f64; 3]> {
        vec![
            [0.0, 0.0, 0.0],
            [100.0, 0.0, 5.0],
            [0.0, 100.0, 10.0],
            [100.0, 100.0, 2.0],
            [50.0, -10.0, 20.0],
            [-10.0, 50.0, 1.0],
            [60.0, 110.0, 15.0],
            [110.0, 40.0, 8.0],
        ]
    }

    /// Exact delays from sensor 0 to every other sensor.
    fn reference_delays(
        sensors: &[[f64; 3]],
        source: [f64; 3],
        std_s: f64,
    ) -> Vec<TdoaMeasurement> {
        (1..sensors.len())
            .map(|k| {
                TdoaMeasurement::new(
                    0,
                    k,
                    model_delay_s(source, sensors[0], sensors[k], C),
                    std_s,
                )
            })
            .collect()
    }

    /// Exact delays over all pairs.
    fn pair_delays(sensors: &[[f64; 3]], source: [f64; 3], std_s: f64) -> Vec<TdoaMeasurement> {
        let mut measurements = Vec::new();
        for i in 0..sensors.len() {
            for j in i + 1..sensors.len() {
                let delay_s = model_delay_s(source, sensors[i], sensors[j], C);
                measurements.push(TdoaMeasurement::new(i, j, delay_s, std_s));
            }
        }
        measurements
    }

    fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
        (Vector3::from(a) - Vector3::from(b)).norm()
    }

    #[test]
    fn exact_delays_give_back_the_source_in_3d() {
        let sensors = field_array();
        let source = [37.0, 62.0, 4.0];
        for measurements in [
            reference_delays(&sensors, source, 1e-5),
            pair_delays(&sensors, source, 1e-5),
        ] {
            let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
            assert!(distance(solution.position, source) < 1e-6, "{solution:?}");
            assert_eq!(solution.used, (0..8).collect::<Vec<_>>());
            assert!(solution.rejected.is_empty());
            assert!(solution.ambiguous.is_empty());
            assert!(solution.residual_rms_s < 1e-12);
        }
    }

    #[test]
    fn three_sensors_heard_round_a_building_are_all_rejected() {
        // Ten sensors; the sound reaches three of them 4 to 6 ms late (non-line-of-sight),
        // which shifts all their pair delays together. Leaving out one sensor at a time
        // goes astray here (it rejects five, the wrong ones); the consensus does not.
        let mut sensors = field_array();
        sensors.extend([[130.0, 70.0, 3.0], [-20.0, 120.0, 6.0]]);
        let source = [42.0, 57.0, 2.0];
        let late = [(3, 4e-3), (8, 6e-3), (5, 5e-3)];
        let lateness = |k: usize| late.iter().find(|(s, _)| *s == k).map_or(0.0, |l| l.1);
        let measurements: Vec<TdoaMeasurement> = pair_delays(&sensors, source, 2e-5)
            .into_iter()
            .map(|m| TdoaMeasurement {
                delay_s: m.delay_s + lateness(m.j) - lateness(m.i),
                ..m
            })
            .collect();

        let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();

        let mut rejected = solution.rejected.clone();
        rejected.sort_unstable();
        assert_eq!(rejected, vec![3, 5, 8], "{solution:?}");
        assert!(distance(solution.position, source) < 1e-6, "{solution:?}");
        assert_eq!(solution.used.len(), 7);
    }

    #[test]
    fn two_dimensions_hold_the_source_on_its_plane() {
        let sensors = [
            [0.0, 0.0, 1.0],
            [30.0, 0.0, 2.0],
            [0.0, 40.0, 1.5],
            [35.0, 45.0, 0.5],
        ];
        let source = [12.0, 18.0, 1.7];
        let options = LocateOptions {
            dimension: Dimension::Two,
            plane_height_m: Some(1.7),
            ..LocateOptions::default()
        };
        let solution = locate(
            &sensors,
            &reference_delays(&sensors, source, 1e-5),
            &options,
        )
        .unwrap();
        assert!(distance(solution.position, source) < 1e-6, "{solution:?}");
        assert_eq!(solution.covariance[2][..2], [0.0; 2]);
        assert_eq!(solution.covariance[2][2], f64::INFINITY);
        assert!(solution.position_std()[0] > 0.0);
    }

    #[test]
    fn a_start_on_top_of_a_sensor_still_converges() {
        // Refine directly from each sensor position: the unit vector there is undefined.
        let sensors = field_array();
        let source = [37.0, 62.0, 4.0];
        let measurements = pair_delays(&sensors, source, 1e-5);
        let options = LocateOptions::default();
        let active = vec![true; sensors.len()];
        let problem = Problem::new(&sensors, &measurements, &options, &active);
        let mut rays = vec![Ray::default(); sensors.len()];
        for sensor in &sensors {
            let fit = problem.refine(&active, Vector3::from(*sensor), &mut rays);
            assert!(fit.converged && fit.chi2.is_finite());
            assert!(
                distance(fit.position.into(), source) < 1e-6,
                "from {sensor:?}: {fit:?}"
            );
        }

        // Through the public entry point as well, with the guess on sensor 3.
        let options = LocateOptions {
            initial_guess: Some(sensors[3]),
            ..options
        };
        let solution = locate(&sensors, &measurements, &options).unwrap();
        assert!(distance(solution.position, source) < 1e-6);
    }

    #[test]
    fn three_sensors_in_2d_can_fit_two_positions() {
        // Delays from three sensors: two hyperbola branches meet twice.
        let sensors = [[0.0, 0.0, 0.0], [20.0, 0.0, 0.0], [0.0, 20.0, 0.0]];
        let source = [-30.0, -15.0, 0.0];
        let options = LocateOptions {
            dimension: Dimension::Two,
            ..LocateOptions::default()
        };
        let measurements = reference_delays(&sensors, source, 1e-5);
        let solution = locate(&sensors, &measurements, &options).unwrap();
        assert_eq!(solution.ambiguous.len(), 1, "{solution:?}");

        // Both positions reproduce every delay, and one of them is the source.
        let candidates = [solution.position, solution.ambiguous[0]];
        for candidate in candidates {
            for m in &measurements {
                let delay_s = model_delay_s(candidate, sensors[m.i], sensors[m.j], C);
                assert!((delay_s - m.delay_s).abs() < 1e-12, "{candidate:?}");
            }
        }
        assert!(candidates.iter().any(|&c| distance(c, source) < 1e-6));
        assert!(distance(candidates[0], candidates[1]) > 1.0);
    }

    #[test]
    fn an_outlying_sensor_is_rejected_and_does_not_drag_the_answer() {
        let sensors = field_array();
        let source = [37.0, 62.0, 4.0];
        let std_s = 10e-6;
        let noise = Normal::new(0.0, std_s).unwrap();
        let mut rng = StdRng::seed_from_u64(7);

        // Sensor 5 hears the sound 2 ms late (a reflection, a wrong peak).
        let mut arrival: Vec<f64> = sensors.iter().map(|p| distance(*p, source) / C).collect();
        arrival[5] += 2e-3;
        let reference: Vec<_> = (1..8)
            .map(|k| {
                TdoaMeasurement::new(
                    0,
                    k,
                    arrival[k] - arrival[0] + noise.sample(&mut rng),
                    std_s,
                )
            })
            .collect();
        let mut pairs = Vec::new();
        for i in 0..8 {
            for j in i + 1..8 {
                pairs.push(TdoaMeasurement::new(
                    i,
                    j,
                    arrival[j] - arrival[i] + noise.sample(&mut rng),
                    std_s,
                ));
            }
        }
        for measurements in [reference, pairs] {
            let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
            let error_m = distance(solution.position, source);
            eprintln!(
                "outlier: error {error_m:.4} m, rejections {:?}",
                solution.rejections
            );
            assert!(error_m < 0.05, "{solution:?}");
            assert_eq!(solution.rejected, vec![5]);
            assert!(!solution.used.contains(&5));
            assert!(solution.rejections[0].worst_residual > 4.0);
        }
    }

    #[test]
    fn clean_data_reject_nothing() {
        let sensors = field_array();
        let std_s = 20e-6;
        let noise = Normal::new(0.0, std_s).unwrap();
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..50 {
            let source = [
                rng.random_range(0.0..100.0),
                rng.random_range(0.0..100.0),
                rng.random_range(0.0..10.0),
            ];
            let mut measurements = pair_delays(&sensors, source, std_s);
            for m in &mut measurements {
                m.delay_s += noise.sample(&mut rng);
            }
            let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
            assert!(solution.rejected.is_empty(), "{solution:?}");
            assert_eq!(solution.used.len(), 8);
        }
    }

    /// A flat 10 m array: the height of a source 40 m up is barely observable.
    fn flat_array() -> Vec<[f64; 3]> {
        vec![
            [0.0, 0.0, 0.0],
            [10.0, 0.0, 0.01],
            [0.0, 10.0, -0.01],
            [10.0, 10.0, 0.0],
            [5.0, -2.0, 0.02],
            [-2.0, 5.0, 0.0],
            [12.0, 5.0, -0.02],
            [5.0, 12.0, 0.01],
        ]
    }

    #[test]
    fn an_unobservable_height_comes_back_with_a_large_std() {
        let sensors = flat_array();
        let source = [4.0, 6.0, 40.0];
        let std_s = 10e-6;
        let noise = Normal::new(0.0, std_s).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let mut measurements = reference_delays(&sensors, source, std_s);
        for m in &mut measurements {
            m.delay_s += noise.sample(&mut rng);
        }
        let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
        let std = solution.position_std();
        eprintln!(
            "no prior: {:?} std {std:?} ambiguous {:?}",
            solution.position, solution.ambiguous
        );
        assert!(std[2] > 5.0 * std[0].max(std[1]), "{std:?}");
        assert!(std[2] > 1.0);

        // Honest: the error is within a few std.
        let error_z = (solution.position[2].abs() - source[2]).abs();
        assert!(error_z < 3.0 * std[2], "{solution:?}");
    }

    /// Checks that a covariance is symmetric, positive semi-definite over its finite axes,
    /// and that an infinite variance correlates with nothing.
    fn assert_honest_covariance(solution: &Solution) {
        let covariance = solution.covariance;
        let finite: Vec<usize> = (0..3).filter(|&a| covariance[a][a].is_finite()).collect();
        for (r, row) in covariance.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                assert_eq!(value, covariance[c][r], "{solution:?}");
                assert!(!value.is_nan(), "{solution:?}");
                let unbounded = !finite.contains(&r) || !finite.contains(&c);
                if unbounded && r != c {
                    assert_eq!(value, 0.0, "{solution:?}");
                }
            }
        }
        if finite.is_empty() {
            return;
        }
        let block = DMatrix::from_fn(finite.len(), finite.len(), |r, c| {
            covariance[finite[r]][finite[c]]
        });
        let eigenvalues = SymmetricEigen::new(block).eigenvalues;
        let largest = eigenvalues.iter().copied().fold(0.0, f64::max);
        assert!(
            eigenvalues.iter().all(|&v| v >= -1e-12 * largest),
            "{eigenvalues:?} {solution:?}"
        );
    }

    #[test]
    fn a_nearly_singular_fit_reports_an_unobservable_direction_as_infinite() {
        // Four sensors, three noisy delays to sensor 0 that no point fits exactly: the
        // solver stops where the Jacobian is singular. Inverting it directly gave
        // eigenvalues (-2.9e-4, 1.9e-4, 7.8e12) m^2 and stds of hundreds of km.
        let sensors = [
            [18.40283668104704, 14.16036285367381, 7.668591567381553],
            [-6.453596664791261, -7.2798720855087105, 8.826207199019183],
            [5.064472773124841, 11.898327014653333, 1.9728256983174652],
            [14.512369396749392, 11.885076513845188, 5.736411794985231],
        ];
        let delays_s = [
            -0.006718327978069337,
            -0.029799638578946016,
            -0.01411698336952668,
        ];
        let measurements: Vec<TdoaMeasurement> = delays_s
            .iter()
            .enumerate()
            .map(|(k, &delay_s)| TdoaMeasurement::new(0, k + 1, delay_s, 2e-5))
            .collect();
        let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();

        assert_honest_covariance(&solution);
        let std = solution.position_std();
        assert!(std.iter().any(|s| s.is_infinite()), "{solution:?}");
        assert!(std.iter().all(|&s| s.is_infinite() || s < 1e3), "{std:?}");
    }

    #[test]
    fn covariances_of_random_layouts_are_positive_semi_definite() {
        // Four to six sensors in a 40 m box, delays to one reference or over all pairs.
        let mut rng = StdRng::seed_from_u64(7);
        let std_s = 2e-5;
        let noise = Normal::new(0.0, std_s).unwrap();
        let mut checked = 0;
        for trial in 0..300 {
            let n = 4 + trial % 3;
            let sensors: Vec<[f64; 3]> = (0..n)
                .map(|_| {
                    [
                        rng.random_range(-20.0..20.0),
                        rng.random_range(-20.0..20.0),
                        rng.random_range(0.0..10.0),
                    ]
                })
                .collect();
            let source = [
                rng.random_range(-15.0..15.0),
                rng.random_range(-15.0..15.0),
                rng.random_range(1.0..8.0),
            ];
            let mut measurements = if trial % 2 == 0 {
                reference_delays(&sensors, source, std_s)
            } else {
                pair_delays(&sensors, source, std_s)
            };
            for m in &mut measurements {
                m.delay_s += noise.sample(&mut rng);
            }
            if let Ok(solution) = locate(&sensors, &measurements, &LocateOptions::default()) {
                assert_honest_covariance(&solution);
                checked += 1;
            }
        }
        assert!(checked > 250, "{checked}");
    }

    #[test]
    fn a_flat_array_reports_the_mirror_image() {
        // Exactly coplanar sensors cannot tell a source above them from its mirror below.
        let sensors: Vec<[f64; 3]> = flat_array().iter().map(|p| [p[0], p[1], 0.0]).collect();
        let source = [4.0, 6.0, 15.0];
        let measurements = pair_delays(&sensors, source, 1e-5);
        let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
        assert_eq!(solution.ambiguous.len(), 1, "{solution:?}");
        let mirror = [source[0], source[1], -source[2]];
        let found = [solution.position, solution.ambiguous[0]];
        assert!(
            found.iter().any(|&p| distance(p, source) < 1e-6),
            "{solution:?}"
        );
        assert!(
            found.iter().any(|&p| distance(p, mirror) < 1e-6),
            "{solution:?}"
        );

        // A ground prior removes the mirror.
        let options = LocateOptions {
            height_prior: Some(HeightPrior {
                min_m: 0.0,
                max_m: 30.0,
            }),
            ..LocateOptions::default()
        };
        let solution = locate(&sensors, &measurements, &options).unwrap();
        assert!(distance(solution.position, source) < 1e-6, "{solution:?}");
        assert!(solution.ambiguous.is_empty(), "{solution:?}");
    }

    #[test]
    fn a_height_prior_bounds_the_estimate_and_its_std() {
        let sensors = flat_array();
        let source = [4.0, 6.0, 40.0];
        let std_s = 10e-6;
        let noise = Normal::new(0.0, std_s).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let mut measurements = reference_delays(&sensors, source, std_s);
        for m in &mut measurements {
            m.delay_s += noise.sample(&mut rng);
        }
        let prior = HeightPrior {
            min_m: 0.0,
            max_m: 50.0,
        };
        let options = LocateOptions {
            height_prior: Some(prior),
            ..LocateOptions::default()
        };
        let solution = locate(&sensors, &measurements, &options).unwrap();
        let std = solution.position_std();
        eprintln!("prior: {:?} std {std:?}", solution.position);
        assert!((prior.min_m..=prior.max_m).contains(&solution.position[2]));
        assert!(std[2] <= prior.std_m() + 1e-9);
        assert!(solution.ambiguous.is_empty(), "the mirror is below ground");
        assert!(!solution.height_at_bound);

        // A tight prior clamps the estimate into its bounds, and says so.
        let low = HeightPrior {
            min_m: 0.0,
            max_m: 10.0,
        };
        let options = LocateOptions {
            height_prior: Some(low),
            ..LocateOptions::default()
        };
        let solution = locate(&sensors, &measurements, &options).unwrap();
        assert!(
            (low.min_m..=low.max_m).contains(&solution.position[2]),
            "{solution:?}"
        );
        // (Equally good points inside the bounds widen the std to their spread, never
        // beyond the prior's width.)
        let bound = if solution.ambiguous.is_empty() {
            low.std_m()
        } else {
            low.max_m - low.min_m
        };
        assert!(solution.position_std()[2] <= bound + 1e-9, "{solution:?}");
        assert!(
            solution.height_at_bound,
            "the source is 40 m up: {solution:?}"
        );
    }

    #[test]
    fn too_few_linked_sensors_are_underdetermined() {
        let sensors = field_array();
        let source = [37.0, 62.0, 4.0];
        let measurements = reference_delays(&sensors, source, 1e-5);

        // Three sensors cannot fix a 3-D position.
        let error = locate(&sensors, &measurements[..2], &LocateOptions::default()).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Underdetermined {
                    dim: 3,
                    needed: 4,
                    got: 3
                }
            ),
            "{error}"
        );

        // Two separate groups are not linked by any delay.
        let mut split = pair_delays(&sensors[..4], source, 1e-5);
        split.push(TdoaMeasurement::new(4, 5, 0.0, 1e-5));
        split.push(TdoaMeasurement::new(5, 6, 0.0, 1e-5));
        let error = locate(&sensors, &split, &LocateOptions::default()).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Underdetermined {
                    dim: 3,
                    needed: 7,
                    got: 4
                }
            ),
            "{error}"
        );

        // No measurement at all.
        let error = locate(&sensors, &[], &LocateOptions::default()).unwrap_err();
        assert!(
            matches!(error, Error::Underdetermined { got: 0, .. }),
            "{error}"
        );
    }

    #[test]
    fn absurd_magnitudes_are_refused_before_they_overflow() {
        // Found by the multilateration fuzz target: sensors 1e202 m away, a speed of
        // sound of 1e65 m/s and delays of 1e243 s gave an infinite residual.
        let sensors = field_array();
        let good = reference_delays(&sensors, [37.0, 62.0, 4.0], 1e-5);
        let defaults = LocateOptions::default();
        let message = |sensors: &[[f64; 3]], measurements: &[TdoaMeasurement], options| {
            locate(sensors, measurements, options)
                .unwrap_err()
                .to_string()
        };

        let mut far = sensors.clone();
        far[3][1] = -1.6e202;
        assert!(message(&far, &good, &defaults).contains("sensor 3 position"));

        let fast = LocateOptions {
            speed_of_sound: 1.5e65,
            ..LocateOptions::default()
        };
        assert!(message(&sensors, &good, &fast).contains("speed_of_sound"));

        let mut long = good.clone();
        long[1].delay_s = -5.6e243;
        assert!(message(&sensors, &long, &defaults).contains("measurement 1"));
        long[1] = good[1];
        long[1].std_s = 8.4e267;
        assert!(message(&sensors, &long, &defaults).contains("measurement.std_s"));

        let guess = LocateOptions {
            initial_guess: Some([0.0, -1.4e73, 0.0]),
            ..LocateOptions::default()
        };
        assert!(message(&sensors, &good, &guess).contains("initial_guess"));
    }

    #[test]
    fn bad_inputs_are_named() {
        let sensors = field_array();
        let good = reference_delays(&sensors, [37.0, 62.0, 4.0], 1e-5);
        let fails =
            |sensors: &[[f64; 3]], measurements: &[TdoaMeasurement], options: &LocateOptions| {
                locate(sensors, measurements, options).unwrap_err()
            };
        let defaults = LocateOptions::default();

        // Measurements.
        let mut bad = good.clone();
        bad[2].j = 99;
        let error = fails(&sensors, &bad, &defaults);
        assert!(
            matches!(
                error,
                Error::InvalidParameter {
                    name: "measurement.j",
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("99 in measurement 2"), "{error}");
        bad = good.clone();
        bad[1].j = bad[1].i;
        assert!(matches!(
            fails(&sensors, &bad, &defaults),
            Error::InvalidParameter { .. }
        ));
        bad = good.clone();
        bad[3].delay_s = f64::NAN;
        let error = fails(&sensors, &bad, &defaults);
        assert!(
            matches!(error, Error::NonFinite { index: 3, .. }),
            "{error}"
        );
        for std_s in [0.0, 1e-300, MIN_DELAY_STD_S / 2.0] {
            bad = good.clone();
            bad[0].std_s = std_s;
            let error = fails(&sensors, &bad, &defaults);
            assert!(
                matches!(
                    error,
                    Error::InvalidParameter {
                        name: "measurement.std_s",
                        ..
                    }
                ),
                "{error}"
            );
        }

        // Sensors.
        let mut moved = sensors.clone();
        moved[4][1] = f64::INFINITY;
        let error = fails(&moved, &good, &defaults);
        assert!(error.to_string().contains("sensor 4"), "{error}");
        moved = sensors.clone();
        moved[6] = moved[2];
        let error = fails(&moved, &good, &defaults);
        assert!(
            matches!(error, Error::Geometry { .. })
                && error.to_string().contains("sensors 2 and 6"),
            "{error}"
        );
        let line: Vec<[f64; 3]> = (0..6)
            .map(|k| [k as f64 * 7.0, 2.0 * k as f64, 0.0])
            .collect();
        let error = fails(
            &line,
            &reference_delays(&line, [3.0, 40.0, 5.0], 1e-5),
            &defaults,
        );
        assert!(matches!(error, Error::Geometry { .. }), "{error}");

        // Options.
        for speed_of_sound in [0.0, -343.0, f64::NAN] {
            let options = LocateOptions {
                speed_of_sound,
                ..LocateOptions::default()
            };
            let error = fails(&sensors, &good, &options);
            assert!(
                matches!(
                    error,
                    Error::InvalidParameter {
                        name: "speed_of_sound",
                        ..
                    }
                ),
                "{error}"
            );
        }
        let options = LocateOptions {
            height_prior: Some(HeightPrior {
                min_m: 5.0,
                max_m: 1.0,
            }),
            ..LocateOptions::default()
        };
        assert!(matches!(
            fails(&sensors, &good, &options),
            Error::InvalidParameter {
                name: "height_prior",
                ..
            }
        ));
        let options = LocateOptions {
            max_iterations: 0,
            ..LocateOptions::default()
        };
        assert!(matches!(
            fails(&sensors, &good, &options),
            Error::InvalidParameter {
                name: "max_iterations",
                ..
            }
        ));
        let options = LocateOptions {
            outlier_threshold: 0.0,
            ..LocateOptions::default()
        };
        assert!(matches!(
            fails(&sensors, &good, &options),
            Error::InvalidParameter { .. }
        ));
        let options = LocateOptions {
            initial_guess: Some([0.0, f64::NAN, 0.0]),
            ..LocateOptions::default()
        };
        assert!(matches!(
            fails(&sensors, &good, &options),
            Error::NonFinite { .. }
        ));
    }

    /// Five sensors 5 m apart on the x axis.
    fn line_array() -> Vec<[f64; 3]> {
        (0..5).map(|k| [5.0 * k as f64, 0.0, 0.0]).collect()
    }

    /// Checks that every finite std covers the error along its axis three times over.
    fn assert_covers(solution: &Solution, source: [f64; 3], what: &str) {
        let std = solution.position_std();
        for axis in 0..2 {
            let error = (solution.position[axis] - source[axis]).abs();
            assert!(
                error <= 3.0 * std[axis],
                "{what}: axis {axis} is {error:.3} m off with a std of {:.3} m ({solution:?})",
                std[axis]
            );
        }
    }

    #[test]
    fn a_source_beyond_the_end_of_a_line_of_sensors_gets_no_invented_range() {
        // On the axis of a line of sensors, beyond its end (end-fire), every delay is the
        // spacing over c wherever the source is along the axis: its range is unobservable.
        // The solver stops on the end sensor, where that sensor's distance has a kink; the
        // quadratic model there saw millimetres of std where there are kilometres.
        let sensors = line_array();
        let options = LocateOptions {
            dimension: Dimension::Two,
            ..LocateOptions::default()
        };
        let source = [40.0, 0.0, 0.0];
        let solution = locate(
            &sensors,
            &reference_delays(&sensors, source, 1e-5),
            &options,
        )
        .unwrap();
        assert_eq!(solution.position_std()[0], f64::INFINITY, "{solution:?}");
        assert_covers(&solution, source, "exact end-fire");

        // Near the axis, with noise: wherever the solver stops, its std covers the error,
        // or it says it found no position.
        let source = [40.0, 0.5, 0.0];
        let noise = Normal::new(0.0, 1e-5).unwrap();
        let mut located = 0;
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut measurements = reference_delays(&sensors, source, 1e-5);
            for m in &mut measurements {
                m.delay_s += noise.sample(&mut rng);
            }
            if let Ok(solution) = locate(&sensors, &measurements, &options) {
                assert_covers(&solution, source, &format!("seed {seed}"));
                located += 1;
            }
        }
        assert!(located >= 10, "only {located} of 20 located");
    }

    #[test]
    fn a_source_next_to_a_sensor_keeps_a_small_honest_std() {
        // Next to a sensor of a well-spread array the kink of its distance does not hide
        // the position: the other sensors pin it down, and the std stays small.
        let sensors = field_array();
        let source = [100.05, 0.03, 5.0];
        let noise = Normal::new(0.0, 1e-5).unwrap();
        for seed in 0..10 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut measurements = pair_delays(&sensors, source, 1e-5);
            for m in &mut measurements {
                m.delay_s += noise.sample(&mut rng);
            }
            let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
            let std = solution.position_std();
            assert!(std.iter().all(|&s| s < 0.1), "seed {seed}: {std:?}");
            assert!(
                distance(solution.position, source) < 0.05,
                "seed {seed}: {solution:?}"
            );
        }
    }

    #[test]
    fn a_line_of_sensors_in_2d_reports_the_mirror_image_across_it() {
        // A source beside a line of sensors and its mirror image across the line give the
        // same delays: both are reported, and the std across the line covers the two.
        let sensors = line_array();
        let options = LocateOptions {
            dimension: Dimension::Two,
            ..LocateOptions::default()
        };
        let source = [7.0, 12.0, 0.0];
        let solution = locate(
            &sensors,
            &reference_delays(&sensors, source, 1e-5),
            &options,
        )
        .unwrap();
        assert_eq!(solution.ambiguous.len(), 1, "{solution:?}");
        let found = [solution.position, solution.ambiguous[0]];
        for truth in [source, [7.0, -12.0, 0.0]] {
            assert!(
                found.iter().any(|&p| distance(p, truth) < 1e-6),
                "{solution:?}"
            );
        }
        assert!(solution.position_std()[1] >= 12.0, "{solution:?}");
    }

    #[test]
    fn a_source_in_the_plane_of_a_flat_array_has_an_unobservable_height() {
        // Coplanar sensors, a source in their plane: no delay changes with the height to
        // first order, and the height's std is infinite rather than a number.
        let sensors: Vec<[f64; 3]> = flat_array().iter().map(|p| [p[0], p[1], 0.0]).collect();
        for source in [[4.0, 6.0, 0.0], [30.0, 20.0, 0.0]] {
            let measurements = pair_delays(&sensors, source, 1e-5);
            let solution = locate(&sensors, &measurements, &LocateOptions::default()).unwrap();
            let std = solution.position_std();
            assert_eq!(std[2], f64::INFINITY, "{solution:?}");
            assert!(std[0] < 0.5 && std[1] < 0.5, "{solution:?}");
            let horizontal =
                (solution.position[0] - source[0]).hypot(solution.position[1] - source[1]);
            assert!(horizontal < 1e-3, "{solution:?}");
        }
    }
}
