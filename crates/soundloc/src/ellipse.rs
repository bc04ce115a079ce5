//! Error ellipses: a position's horizontal uncertainty, drawn on a map.
//!
//! The solver ([`crate::locate`]) gives a 3 x 3 covariance of the position. On a map,
//! what a patrol needs is the region that holds the source with a stated
//! probability. For a Gaussian error, the horizontal part (east, north) has the
//! marginal covariance `C`, the upper-left 2 x 2 block, and the points `d` with
//! `d^T C^-1 d <= k^2` hold the source with probability `p` when
//! `k^2 = -2 ln(1 - p)`, the `p` quantile of the chi-square distribution with two
//! degrees of freedom (5.99 for 95 %). That region is an ellipse whose semi-axes are
//! `k` times the square roots of the eigenvalues of `C`, along its eigenvectors
//! (see for example Hoover 1984, "The error ellipse", or any text on confidence
//! regions of the bivariate normal distribution).
//!
//! Orientation follows the crate's convention: radians counter-clockwise from east
//! (+x) to the major axis, in `(-pi/2, pi/2]`.

use crate::error::{Error, Result};

/// A confidence ellipse around a horizontal position, metres.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ErrorEllipse {
    /// Half the long axis, metres.
    pub semi_major_m: f64,
    /// Half the short axis, metres.
    pub semi_minor_m: f64,
    /// Angle of the long axis, radians counter-clockwise from east.
    pub orientation_rad: f64,
    /// Probability that the ellipse holds the source, for example 0.95.
    pub confidence: f64,
}

impl ErrorEllipse {
    /// The ellipse holding the source with probability `confidence`, from the
    /// horizontal (east, north) covariance block, square metres.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a confidence outside `(0, 1)`, or a covariance
    /// that is not finite, symmetric and positive semi-definite.
    pub fn from_covariance(covariance: [[f64; 2]; 2], confidence: f64) -> Result<Self> {
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(Error::parameter(
                "confidence",
                "a probability between 0 and 1 (exclusive)",
                confidence,
            ));
        }
        let [[a, b], [c, d]] = covariance;
        let symmetric = (b - c).abs() <= 1e-9 * (a.abs() + d.abs()).max(f64::MIN_POSITIVE);
        if ![a, b, c, d].iter().all(|v| v.is_finite()) || !symmetric || a < 0.0 || d < 0.0 {
            return Err(Error::parameter(
                "covariance",
                "a finite, symmetric, positive semi-definite 2 x 2 matrix",
                format!("{covariance:?}"),
            ));
        }

        // Eigenvalues of a symmetric 2 x 2 matrix in closed form. The smaller may come
        // out a rounding error below zero, never more.
        let mean = 0.5 * (a + d);
        let spread = (0.25 * (a - d).powi(2) + b * b).sqrt();
        let (major, minor) = (mean + spread, mean - spread);
        if minor < -1e-9 * major.abs().max(f64::MIN_POSITIVE) {
            return Err(Error::parameter(
                "covariance",
                "a finite, symmetric, positive semi-definite 2 x 2 matrix",
                format!("{covariance:?}, whose eigenvalues are {major:e} and {minor:e}"),
            ));
        }
        let minor = minor.max(0.0);
        let orientation_rad = 0.5 * (2.0 * b).atan2(a - d);

        let scale = chi_square_2_quantile(confidence).sqrt();
        Ok(ErrorEllipse {
            semi_major_m: scale * major.sqrt(),
            semi_minor_m: scale * minor.sqrt(),
            orientation_rad,
            confidence,
        })
    }

    /// Whether `offset` (east, north, metres from the ellipse's centre) lies inside.
    pub fn contains(&self, offset: [f64; 2]) -> bool {
        let (sin, cos) = self.orientation_rad.sin_cos();
        let along = offset[0] * cos + offset[1] * sin;
        let across = -offset[0] * sin + offset[1] * cos;
        let scaled = |value: f64, axis: f64| {
            if axis > 0.0 {
                (value / axis).powi(2)
            } else if value == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        };
        scaled(along, self.semi_major_m) + scaled(across, self.semi_minor_m) <= 1.0
    }

    /// `n` points on the boundary (east, north offsets from the centre, metres),
    /// counter-clockwise, for drawing. The first is not repeated at the end. Callers
    /// taking `n` from a user bound it by [`MAX_BOUNDARY_POINTS`].
    pub fn boundary(&self, n: usize) -> Vec<[f64; 2]> {
        let (sin, cos) = self.orientation_rad.sin_cos();
        (0..n)
            .map(|k| {
                let angle = std::f64::consts::TAU * k as f64 / n as f64;
                let (along, across) = (
                    self.semi_major_m * angle.cos(),
                    self.semi_minor_m * angle.sin(),
                );
                [along * cos - across * sin, along * sin + across * cos]
            })
            .collect()
    }
}

/// Most boundary points a drawing can use (a million: 16 MB); more is a mistyped count.
pub const MAX_BOUNDARY_POINTS: usize = 1_000_000;

/// The `p` quantile of the chi-square distribution with two degrees of freedom.
pub fn chi_square_2_quantile(p: f64) -> f64 {
    -2.0 * (1.0 - p).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::rng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn a_diagonal_covariance_gives_axes_along_east_and_north() {
        let ellipse = ErrorEllipse::from_covariance([[4.0, 0.0], [0.0, 1.0]], 0.95).unwrap();

        let k = 5.991_464_547_107_979_f64.sqrt();
        assert!((ellipse.semi_major_m - 2.0 * k).abs() < 1e-9);
        assert!((ellipse.semi_minor_m - k).abs() < 1e-9);
        assert!(ellipse.orientation_rad.abs() < 1e-12);

        let north = ErrorEllipse::from_covariance([[1.0, 0.0], [0.0, 9.0]], 0.95).unwrap();
        assert!((north.orientation_rad.abs() - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn the_ellipse_holds_the_stated_share_of_gaussian_samples() {
        // A tilted, elongated covariance: C = R diag(25, 1) R^T, 30 degrees.
        let angle = 30f64.to_radians();
        let (s, c) = angle.sin_cos();
        let (l1, l2) = (25.0, 1.0);
        let covariance = [
            [l1 * c * c + l2 * s * s, (l1 - l2) * s * c],
            [(l1 - l2) * s * c, l1 * s * s + l2 * c * c],
        ];
        let ellipse = ErrorEllipse::from_covariance(covariance, 0.95).unwrap();
        assert!((ellipse.orientation_rad - angle).abs() < 1e-9);

        let mut rng = rng(7);
        let n = 20_000;
        let inside = (0..n)
            .filter(|_| {
                let (u, v): (f64, f64) = (
                    StandardNormal.sample(&mut rng),
                    StandardNormal.sample(&mut rng),
                );
                let (along, across) = (u * l1.sqrt(), v * l2.sqrt());
                ellipse.contains([along * c - across * s, along * s + across * c])
            })
            .count();
        let share = inside as f64 / n as f64;
        assert!((share - 0.95).abs() < 0.006, "{share}");
    }

    #[test]
    fn boundary_points_lie_on_the_ellipse() {
        let ellipse = ErrorEllipse::from_covariance([[3.0, 1.0], [1.0, 2.0]], 0.9).unwrap();
        for point in ellipse.boundary(36) {
            let grown = [point[0] * 1.001, point[1] * 1.001];
            let shrunk = [point[0] * 0.999, point[1] * 0.999];
            assert!(ellipse.contains(shrunk) && !ellipse.contains(grown));
        }
    }

    #[test]
    fn bad_covariances_and_confidences_are_refused() {
        for covariance in [
            [[f64::NAN, 0.0], [0.0, 1.0]],
            [[1.0, 0.5], [0.2, 1.0]],
            [[-1.0, 0.0], [0.0, 1.0]],
            [[1.0, 0.0], [0.0, f64::INFINITY]],
            // Positive diagonal, but eigenvalues 3 and -1.
            [[1.0, 2.0], [2.0, 1.0]],
        ] {
            assert!(ErrorEllipse::from_covariance(covariance, 0.95).is_err());
        }
        // Singular (a line) is fine, even a rounding error below semi-definite.
        let line = ErrorEllipse::from_covariance([[1.0, 1.0], [1.0, 1.0 - 1e-15]], 0.95);
        assert_eq!(line.unwrap().semi_minor_m, 0.0);
        for confidence in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(ErrorEllipse::from_covariance([[1.0, 0.0], [0.0, 1.0]], confidence).is_err());
        }
    }
}
