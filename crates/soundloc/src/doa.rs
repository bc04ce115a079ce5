//! Direction of arrival (and near-field position) for compact microphone arrays.
//!
//! A compact array (a board a few centimetres wide, or a research array of a few dozen
//! capsules) is small next to its distance from the source, so the wave front crossing
//! it is nearly flat: the data fix a *direction* rather than a position. This module
//! holds the methods that turn one array's signals into directions:
//!
//! - [`grid`]: the candidates a steered method scans (directions on a sphere, a
//!   hemisphere or the horizon; positions on a plane or in a box for the near field),
//!   the delays each implies, and the search for separated peaks.
//! - [`delays`]: the direction of a distant source from measured pair delays, by least
//!   squares in the span of the array refined on the sphere, with robust rejection of
//!   wrong delays and a calibrated angular uncertainty.
//!
//! Geometry, presets and the [`Direction`](crate::array::Direction) convention live in
//! [`crate::array`].

use crate::array::{Ambiguity, Direction};

pub mod delays;
pub mod grid;

/// One direction found by a method, with what it cannot tell apart.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectionEstimate {
    /// Towards the source.
    pub direction: Direction,
    /// The method's score at `direction`: steered power for SRP-PHAT, pseudo-spectrum
    /// for MUSIC. Comparable between directions of one call, not between methods.
    pub power: f64,
    /// Angular standard deviation (one sigma, radians) where the method gives one.
    pub std_rad: Option<f64>,
    /// What the array's shape leaves undetermined.
    pub ambiguity: Ambiguity,
}
