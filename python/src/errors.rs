//! The exceptions of the Python package, and the mapping from `soundloc::Error` to them.
//!
//! Callers branch on the kind of failure, never on message text:
//!
//! | [`ErrorKind`] | Python exception | base |
//! |---|---|---|
//! | `InvalidInput` | `soundloc.InvalidInputError` | `ValueError` |
//! | `Numerical` | `soundloc.LocalizationError` | `RuntimeError` |
//! | `Io` | `soundloc.DataFileError` | `OSError` |
//!
//! A Rust panic is caught before it reaches pyo3 (which would raise a `BaseException`
//! that `except Exception` misses) and becomes a `LocalizationError` whose message starts
//! with "internal error".

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use pyo3::PyErr;
use pyo3::exceptions::{PyMemoryError, PyOSError, PyRuntimeError, PyValueError};
use soundloc::{Error, ErrorKind};

pyo3::create_exception!(
    soundloc,
    InvalidInputError,
    PyValueError,
    "An argument has the wrong shape, dtype or value; the message says what was expected."
);
pyo3::create_exception!(
    soundloc,
    LocalizationError,
    PyRuntimeError,
    "Valid input on which no answer was found: no correlation peak, degenerate \
     geometry, no convergence."
);
pyo3::create_exception!(
    soundloc,
    DataFileError,
    PyOSError,
    "A data file (audio, scene) could not be read or does not hold what it should."
);

/// The Python exception for a `soundloc` error, chosen by its kind.
pub fn to_py_err(error: Error) -> PyErr {
    let message = error.to_string();
    match error.kind() {
        ErrorKind::InvalidInput => InvalidInputError::new_err(message),
        ErrorKind::Numerical => LocalizationError::new_err(message),
        ErrorKind::Io => DataFileError::new_err(message),
        ErrorKind::Memory => PyMemoryError::new_err(message),
    }
}

/// An `InvalidInputError` naming the argument, what was expected and what arrived.
pub fn invalid(name: &str, expected: impl std::fmt::Display, got: impl std::fmt::Display) -> PyErr {
    let got = soundloc::error::shorten_number(got.to_string());
    InvalidInputError::new_err(format!("{name}: expected {expected}, got {got}"))
}

/// Runs a call into the `soundloc` crate, turning its error and any panic into a
/// Python exception. Meant to run inside `Python::detach`: it touches no Python object.
pub fn guarded<T>(call: impl FnOnce() -> soundloc::Result<T>) -> Result<T, GuardedError> {
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(GuardedError::Soundloc(error)),
        Err(payload) => Err(GuardedError::Panic(panic_message(payload.as_ref()))),
    }
}

/// A failure carried out of a detached call; turned into a `PyErr` once attached again.
#[derive(Debug)]
pub enum GuardedError {
    /// The library returned an error.
    Soundloc(Error),
    /// The library panicked (a bug): the panic's message.
    Panic(String),
}

impl From<GuardedError> for PyErr {
    fn from(error: GuardedError) -> Self {
        match error {
            GuardedError::Soundloc(error) => to_py_err(error),
            GuardedError::Panic(message) => LocalizationError::new_err(format!(
                "internal error: {message} (please report this as a bug of soundloc)"
            )),
        }
    }
}

/// The text of a panic payload, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
