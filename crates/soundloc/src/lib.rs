//! # soundloc
//!
//! Sound source localisation from synchronised microphones.
//!
//! Microphones at different places hear one sound at slightly different times.
//! `soundloc` measures those time differences of arrival (TDOA) with the generalised
//! cross-correlation of Knapp and Carter (1976), most often with the phase transform
//! (GCC-PHAT), and turns them into a position with an uncertainty you can trust.
//!
//! The path of a sound through the crate:
//!
//! 1. [`scene`] reads a deployment: sensors, their coordinates, audio files, the air.
//! 2. [`geodesy`] converts UTM or latitude/longitude into a local east-north-up frame.
//! 3. [`audio`] reads the recordings, whole or streamed in blocks; [`gcc`] measures
//!    the delays between sensors with a [`weighting::Weighting`] and sub-sample
//!    [`peak`] refinement.
//! 4. [`locate`] turns delays into a position with covariance, rejecting sensors
//!    whose delays do not fit; [`ellipse`] draws that covariance as a confidence
//!    ellipse for a map.
//! 5. [`event`] ties the steps together for one annotated event window;
//!    [`localizer`] runs them frame by frame for a fixed array, keeping its plan.
//! 6. For continuous recordings, [`continuous`] finds the events itself: [`detect`]
//!    finds impulsive onsets in each sensor's stream, [`associate`] groups the onsets
//!    one source explains, and [`event`] locates each group.
//!
//! [`simulate`] runs the path backwards: from a layout, events and propagation settings it
//! writes the recordings, the scene file and the truth, so every stage can be tested
//! against a known answer.
//!
//! ## Conventions
//!
//! - `tdoa(i, j) = t_j - t_i`: positive when sensor `j` hears the sound later.
//! - Multichannel signals are `(n_mics, n_samples)`; positions are `(n_mics, 3)`.
//! - Units: seconds, metres, hertz (`sample_rate`), radians. The local frame is
//!   east, north, up.

#![warn(missing_docs)]

pub mod air;
pub mod array;
pub mod associate;
pub mod audio;
pub mod continuous;
pub mod detect;
pub mod doa;
pub mod ellipse;
pub mod error;
pub mod event;
pub mod gcc;
pub mod geodesy;
pub mod localizer;
pub mod locate;
pub mod outage;
pub mod peak;
pub mod scene;
pub mod simulate;
pub mod weighting;

pub use error::{Error, ErrorKind, Result};

#[cfg(test)]
mod test_utils;
