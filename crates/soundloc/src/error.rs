//! The one error type of the `soundloc` crate.
//!
//! Every fallible function returns [`Result`]. Each variant says what was expected
//! and what arrived, and names the file, field or sensor involved where there is one,
//! so that a message can be shown to a user as it is.
//!
//! Errors fall into three kinds ([`ErrorKind`]) that callers (and the Python
//! binding) branch on: bad input, a numerical failure on valid input, and I/O.

use std::path::PathBuf;

/// Shorthand for `Result<T, soundloc::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `soundloc`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its valid range (zero sample rate, band above Nyquist...).
    #[error("invalid {name}: expected {expected}, got {got}")]
    InvalidParameter {
        /// The parameter's name, as in the API.
        name: &'static str,
        /// What would have been accepted.
        expected: String,
        /// What arrived.
        got: String,
    },

    /// Two things that must have the same length do not.
    #[error("{what}: expected {expected} samples, got {got}")]
    LengthMismatch {
        /// Which input, for example "signal j".
        what: String,
        /// The required length.
        expected: usize,
        /// The length that arrived.
        got: usize,
    },

    /// An input holds NaN or an infinite value.
    #[error("{what}: expected finite values, got {value} at index {index}")]
    NonFinite {
        /// Which input.
        what: String,
        /// Index of the first offending value.
        index: usize,
        /// The offending value, as text.
        value: String,
    },

    /// The data hold no usable delay (a silent or constant channel, an empty band).
    #[error("no estimate: {reason}")]
    NoEstimate {
        /// Why not.
        reason: String,
    },

    /// The sensor geometry cannot support the requested computation.
    #[error("invalid geometry: {reason}")]
    Geometry {
        /// What is wrong, naming the sensors involved.
        reason: String,
    },

    /// A microphone array is unusable as given (too few capsules, two at one place).
    #[error("invalid microphone array: {reason}")]
    InvalidArray {
        /// What is wrong, naming the microphones involved.
        reason: String,
    },

    /// Fewer independent time differences than unknowns.
    #[error(
        "under-determined: a {dim}-D position needs time differences from at least \
         {needed} sensors, got {got}"
    )]
    Underdetermined {
        /// 2 or 3.
        dim: usize,
        /// Sensors needed.
        needed: usize,
        /// Sensors that contributed at least one usable time difference.
        got: usize,
    },

    /// An iterative solver failed on valid input.
    #[error("no convergence: {reason}")]
    NoConvergence {
        /// What happened.
        reason: String,
    },

    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// An audio file is unreadable or does not hold what the scene says.
    #[error("{}: {reason}", path.display())]
    Audio {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A scene file is malformed or inconsistent.
    #[error("{}: {field}: {reason}", path.display())]
    Scene {
        /// The scene file.
        path: PathBuf,
        /// The offending field, for example `sensors[3].position`.
        field: String,
        /// What was expected and what arrived.
        reason: String,
    },

    /// A coordinate cannot be converted (latitude beyond 90 degrees, bad UTM zone...).
    #[error("coordinates {what}: {reason}")]
    Coordinates {
        /// Which coordinate, for example `sensor "Ex-1"`.
        what: String,
        /// What is wrong.
        reason: String,
    },
}

/// The three families of [`Error`], for callers that react differently to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller passed something invalid: fix the input.
    InvalidInput,
    /// Valid input on which the computation found no answer (no peak, no convergence,
    /// degenerate geometry for this source).
    Numerical,
    /// A file could not be read or parsed.
    Io,
}

impl Error {
    /// Which family this error belongs to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidParameter { .. }
            | Error::LengthMismatch { .. }
            | Error::NonFinite { .. }
            | Error::InvalidArray { .. }
            | Error::Coordinates { .. } => ErrorKind::InvalidInput,
            Error::NoEstimate { .. }
            | Error::Geometry { .. }
            | Error::Underdetermined { .. }
            | Error::NoConvergence { .. } => ErrorKind::Numerical,
            Error::Io { .. } | Error::Audio { .. } | Error::Scene { .. } => ErrorKind::Io,
        }
    }

    /// Builds [`Error::InvalidParameter`] from anything printable.
    pub(crate) fn parameter(
        name: &'static str,
        expected: impl Into<String>,
        got: impl std::fmt::Display,
    ) -> Self {
        Error::InvalidParameter {
            name,
            expected: expected.into(),
            got: got.to_string(),
        }
    }
}

/// Returns an error naming the first non-finite value of `values`, if any.
pub(crate) fn check_finite(what: impl FnOnce() -> String, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFinite {
            what: what(),
            index,
            value: values[index].to_string(),
        }),
    }
}
