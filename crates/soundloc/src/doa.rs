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
//! - [`stft`]: the per-channel spectra of overlapping frames that the steered methods
//!   share, so that no channel is transformed twice.
//! - [`srp`]: SRP-PHAT (DiBiase 2000), the steered response power of PHAT-weighted
//!   channels, as a sum of pair GCC-PHATs gathered over the grid, with off-grid
//!   refinement of its peaks.
//! - [`music`]: broadband MUSIC and NormMUSIC, which scan the grid with the noise
//!   subspace of each frequency's spatial covariance.
//! - [`scene`]: array scene files (one multichannel recording, capsule positions or a
//!   preset, method and grid) for the command line, and [`analyse`], which runs one
//!   per frame or per window.
//!
//! Geometry, presets and the [`Direction`] convention live in [`crate::array`].
//!
//! Every method reports [`SourceEstimate`]s: a [`DirectionEstimate`] on a far-field
//! grid, a [`PositionEstimate`] on a near-field one.

use std::ops::Range;

use crate::array::{Ambiguity, Direction, MicArray};
use crate::error::{Error, Result};

pub mod analyse;
pub mod delays;
pub mod grid;
pub mod music;
pub mod scene;
pub mod srp;
pub mod stft;

/// What SRP-PHAT and MUSIC have in common: frames or spectra in, sources out, and the
/// score map of the last call, so that callers (the command line, the Python package)
/// can hold either one.
pub trait SteeredMethod: Send {
    /// Sources in one frame `(n_mics, fft_len)`: SRP-PHAT scores the frame alone, MUSIC
    /// adds it to its running covariances.
    fn process_frame(&mut self, frame: ndarray::ArrayView2<f64>) -> Result<Vec<SourceEstimate>>;

    /// Sources in many frames given as spectra `(n_mics, fft_len / 2 + 1, n_frames)`.
    fn process_spectra(
        &mut self,
        spectra: ndarray::ArrayView3<num_complex::Complex64>,
    ) -> Result<Vec<SourceEstimate>>;

    /// The score of every grid point in the last call.
    fn map(&self) -> &[f64];
}

impl SteeredMethod for srp::SrpPhat {
    fn process_frame(&mut self, frame: ndarray::ArrayView2<f64>) -> Result<Vec<SourceEstimate>> {
        srp::SrpPhat::process_frame(self, frame)
    }

    fn process_spectra(
        &mut self,
        spectra: ndarray::ArrayView3<num_complex::Complex64>,
    ) -> Result<Vec<SourceEstimate>> {
        srp::SrpPhat::process_spectra(self, spectra)
    }

    fn map(&self) -> &[f64] {
        srp::SrpPhat::map(self)
    }
}

impl SteeredMethod for music::Music {
    fn process_frame(&mut self, frame: ndarray::ArrayView2<f64>) -> Result<Vec<SourceEstimate>> {
        self.push_frame(frame)
    }

    fn process_spectra(
        &mut self,
        spectra: ndarray::ArrayView3<num_complex::Complex64>,
    ) -> Result<Vec<SourceEstimate>> {
        music::Music::process_spectra(self, spectra)
    }

    fn map(&self) -> &[f64] {
        music::Music::map(self)
    }
}

/// The longest frame the steered methods accept, samples (about 65 s at 16 kHz): a
/// frame is one stretch of sound, and a longer one is almost surely a mistake that
/// would ask for gigabytes.
pub const MAX_FFT_LEN: usize = 1 << 20;

/// The default band of the steered methods at `sample_rate` Hz: 300 Hz to 4 kHz (or
/// the Nyquist frequency, if lower), where speech and most everyday sounds carry their
/// energy and where compact arrays are not yet spatially aliased.
pub fn default_freq_range_hz(sample_rate: f64) -> (f64, f64) {
    let nyquist = sample_rate / 2.0;
    (300.0_f64.min(0.2 * nyquist), 4000.0_f64.min(nyquist))
}

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

/// One near-field source position found by a method.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionEstimate {
    /// Metres, in the array's frame.
    pub position: [f64; 3],
    /// The method's score at `position`, as for [`DirectionEstimate::power`].
    pub power: f64,
}

/// What a grid method found: a direction (far field) or a position (near field).
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEstimate {
    /// From a far-field grid.
    Direction(DirectionEstimate),
    /// From a near-field grid.
    Position(PositionEstimate),
}

impl SourceEstimate {
    /// The estimate of a grid peak at `point` (a unit vector on a far-field grid, a
    /// position on a near-field one) with score `power`.
    ///
    /// A planar array cannot tell a direction from its mirror image across its plane:
    /// the one on the side of the plane's normal is reported ([`MicArray::normal_side`],
    /// `+z` for a horizontal array), the other as [`Ambiguity::Mirror`].
    pub fn from_grid_point(
        grid: &grid::SearchGrid,
        array: &MicArray,
        point: [f64; 3],
        power: f64,
    ) -> Self {
        match grid.kind() {
            grid::GridKind::FarField => {
                let direction = Direction::from_vector(array.normal_side(point))
                    .expect("far-field grid points are unit vectors");
                SourceEstimate::Direction(DirectionEstimate {
                    direction,
                    power,
                    std_rad: None,
                    ambiguity: array.ambiguity(&direction),
                })
            }
            grid::GridKind::NearField => SourceEstimate::Position(PositionEstimate {
                position: point,
                power,
            }),
        }
    }

    /// The direction, for a far-field estimate.
    pub fn direction(&self) -> Option<&DirectionEstimate> {
        match self {
            SourceEstimate::Direction(d) => Some(d),
            SourceEstimate::Position(_) => None,
        }
    }

    /// The position, for a near-field estimate.
    pub fn position(&self) -> Option<&PositionEstimate> {
        match self {
            SourceEstimate::Position(p) => Some(p),
            SourceEstimate::Direction(_) => None,
        }
    }

    /// The score the method gave this estimate.
    pub fn power(&self) -> f64 {
        match self {
            SourceEstimate::Direction(d) => d.power,
            SourceEstimate::Position(p) => p.power,
        }
    }
}

/// The FFT bins `k` of a `fft_len`-point transform at `sample_rate` Hz whose
/// frequency `k * sample_rate / fft_len` lies within `range_hz = (low, high)`.
///
/// Fails unless `0 <= low < high <= sample_rate / 2` and at least one bin falls inside.
pub fn frequency_bins(
    range_hz: (f64, f64),
    sample_rate: f64,
    fft_len: usize,
) -> Result<Range<usize>> {
    let nyquist = sample_rate / 2.0;
    let (low, high) = range_hz;
    let valid = low.is_finite() && high.is_finite() && 0.0 <= low && low < high && high <= nyquist;
    if !valid {
        return Err(Error::parameter(
            "freq_range_hz",
            format!("(low, high) with 0 <= low < high <= {nyquist} Hz (Nyquist)"),
            format!("({low}, {high}) Hz"),
        ));
    }

    let bin_hz = sample_rate / fft_len as f64;
    let first = (low / bin_hz).ceil() as usize;
    let last = ((high / bin_hz).floor() as usize).min(fft_len / 2);
    // The bins at 0 Hz and at Nyquist are real: no direction can be read from their phase.
    if first.max(1) > last.min((fft_len / 2).saturating_sub(1)) {
        return Err(Error::parameter(
            "freq_range_hz",
            format!(
                "a range holding an FFT bin above 0 Hz and below Nyquist (bins are \
                 {bin_hz} Hz apart; those at 0 Hz and Nyquist carry no direction)"
            ),
            format!("({low}, {high}) Hz"),
        ));
    }
    Ok(first..last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_bins_are_inclusive_and_checked() {
        assert_eq!(frequency_bins((0.0, 8000.0), 16000.0, 512).unwrap(), 0..257);
        assert_eq!(
            frequency_bins((300.0, 3500.0), 16000.0, 512).unwrap(),
            10..113
        );
        let above = frequency_bins((100.0, 9000.0), 16000.0, 512).unwrap_err();
        assert!(above.to_string().contains("8000 Hz (Nyquist)"), "{above}");
        assert!(frequency_bins((-1.0, 100.0), 16000.0, 512).is_err());
        assert!(frequency_bins((500.0, 400.0), 16000.0, 512).is_err());
        // The 0 Hz bin alone, or the Nyquist bin alone, holds no direction.
        for range in [(0.0, 1.0), (7990.0, 8000.0)] {
            let err = frequency_bins(range, 16000.0, 512).unwrap_err();
            assert!(
                err.to_string().contains("above 0 Hz and below Nyquist"),
                "{err}"
            );
        }
        assert_eq!(frequency_bins((0.0, 31.25), 16000.0, 512).unwrap(), 0..2);
        assert!(
            frequency_bins((100.0, 110.0), 16000.0, 64).is_err(),
            "no bin inside"
        );
    }
}
