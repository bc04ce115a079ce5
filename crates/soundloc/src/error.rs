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

    /// The memory a computation needs could not be had: the machine (or a limit set on
    /// the process) refused it. Checked before the work starts, so that nothing aborts
    /// halfway.
    #[error(
        "out of memory: {what} need about {} MB, which the system refused; use shorter \
         frames or windows",
        bytes.div_ceil(1 << 20)
    )]
    OutOfMemory {
        /// What needed the memory, for example `GCC-PHAT buffers for frames of 33554432 samples`.
        what: String,
        /// Bytes asked for.
        bytes: u64,
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
    /// The memory the computation needs could not be had.
    Memory,
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
            Error::OutOfMemory { .. } => ErrorKind::Memory,
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
            got: shorten_number(got.to_string()),
        }
    }
}

/// `text` with a number printed in hundreds of digits (Rust prints `1e300` and `1e-320`
/// in full) rewritten in scientific notation; any other text as it is.
pub fn shorten_number(text: String) -> String {
    const LONGEST_PLAIN: usize = 24;
    let numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    if text.len() <= LONGEST_PLAIN || !numeric {
        return text;
    }
    match text.parse::<f64>() {
        Ok(value) => format!("{value:e}"),
        Err(_) => text,
    }
}

/// Checks that `bytes` of memory can be had, before a computation asks for them piece by
/// piece (a failed allocation in Rust aborts the process, and with it a Python session).
/// The memory is reserved and given back at once, never touched, so the check is cheap;
/// it catches what the system refuses outright (a size beyond what it can ever give, or a
/// limit set on the process such as `ulimit -v`). Memory that the system promises and
/// cannot deliver later (Linux overcommit) is beyond any program's sight.
pub(crate) fn check_memory(bytes: usize, what: impl FnOnce() -> String) -> Result<()> {
    Vec::<u8>::new()
        .try_reserve_exact(bytes)
        .map_err(|_| Error::OutOfMemory {
            what: what(),
            bytes: bytes as u64,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_the_system_cannot_give_is_an_error_saying_how_much_and_for_what() {
        // More than any address space holds: refused by every allocator, on any machine.
        let error = check_memory(usize::MAX / 2, || "a test buffer".into()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Memory);
        let message = error.to_string();
        assert!(
            message.starts_with("out of memory: a test buffer need about"),
            "{message}"
        );
        assert!(message.contains(&(usize::MAX / 2).div_ceil(1 << 20).to_string()));

        // A small amount is there, and the check leaves nothing allocated behind.
        check_memory(1 << 20, || unreachable!()).unwrap();
    }

    #[test]
    fn numbers_of_hundreds_of_digits_are_shortened() {
        // Found by a tester: a sample rate of 1e-320 was printed in 320 digits.
        let error = Error::parameter("sample_rate", "at least 1 Hz", 1e-320);
        assert!(error.to_string().ends_with("got 1e-320"), "{error}");
        assert_eq!(shorten_number(1e300.to_string()), "1e300");
        assert_eq!(
            shorten_number(f64::MAX.to_string()),
            "1.7976931348623157e308"
        );
        for kept in ["48000", "-0.5", "18446744073709551615", "(0, 1e400)", "NaN"] {
            assert_eq!(shorten_number(kept.to_string()), kept);
        }
    }
}
