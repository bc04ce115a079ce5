//! Reading NumPy arrays (and array-likes) into Rust, with messages that say what was
//! expected and what arrived.
//!
//! Signals are borrowed without a copy when they are contiguous 1-D arrays of float64,
//! float32 or int16; a strided view (`x[::2]`) is copied once into a contiguous buffer.
//! Small inputs (positions, delay tables) are always copied, so that nothing another
//! Python thread writes while the GIL is released can change them mid-computation.
//!
//! Copies and widenings of signals ask for their memory before filling it, and raise
//! `MemoryError` (naming the argument) when the system refuses: a failed allocation in
//! Rust would abort the interpreter instead.
//!
//! A borrow does not stop another Python thread from writing into a signal buffer while
//! the GIL is released; callers must not modify a signal during a call that reads it.
//!
//! Every array is first passed through [`readable`]: NumPy allows views that are not
//! aligned, or whose strides are not a whole number of elements (a column of packed
//! records, as `numpy.lib.recfunctions.structured_to_unstructured` returns), and those
//! cannot be read in place element by element; they are copied first.

use std::borrow::Cow;
use std::path::PathBuf;

use numpy::ndarray::Dimension;
use numpy::prelude::*;
use numpy::{
    AllowTypeChange, Element, PyArray, PyArrayDescr, PyArrayLike2, PyReadonlyArray,
    PyReadonlyArray1, PyReadonlyArray2, PyUntypedArray, dtype,
};
use pyo3::exceptions::{PyMemoryError, PyOverflowError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::invalid;

/// The sample types accepted for signals, as named in messages.
const SIGNAL_DTYPES: &str = "float64, float32 or int16";

/// `array` itself when its elements can be read in place (aligned, every stride a whole
/// number of elements), otherwise an aligned C-ordered copy of it, same dtype.
pub(crate) fn readable<'py>(
    array: &Bound<'py, PyUntypedArray>,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = array.py();
    let itemsize = array.dtype().itemsize() as isize;
    let whole_strides = itemsize > 0 && array.strides().iter().all(|s| s % itemsize == 0);
    let in_place = whole_strides
        && array
            .getattr(intern!(py, "flags"))?
            .getattr(intern!(py, "aligned"))?
            .is_truthy()?;
    if in_place {
        Ok(array.clone())
    } else {
        Ok(array
            .call_method0(intern!(py, "copy"))?
            .cast_into::<PyUntypedArray>()?)
    }
}

/// A read-only view of `array`, whose dtype the caller has checked to be `T`: in place
/// when [`readable`] allows, else of an aligned copy. Every typed borrow goes through
/// here, so that none reads a packed view at the wrong bytes.
pub(crate) fn borrowed<'py, T: Element, D: Dimension>(
    array: &Bound<'py, PyUntypedArray>,
) -> PyResult<PyReadonlyArray<'py, T, D>> {
    Ok(readable(array)?
        .cast_into::<PyArray<T, D>>()?
        .try_readonly()?)
}

/// A 1-D signal borrowed from NumPy, in one of the accepted dtypes.
pub enum Signal<'py> {
    /// float64 samples.
    F64(PyReadonlyArray1<'py, f64>),
    /// float32 samples.
    F32(PyReadonlyArray1<'py, f32>),
    /// int16 samples (PCM), widened to float64 sample by sample inside the library.
    I16(PyReadonlyArray1<'py, i16>),
}

impl<'py> Signal<'py> {
    /// Borrows `obj` as a signal, or explains why it is not one.
    pub fn extract(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        let expected = format!("a 1-D array of {SIGNAL_DTYPES}");
        let array = obj
            .cast::<PyUntypedArray>()
            .map_err(|_| invalid(name, &expected, describe(obj)))?;
        if array.ndim() != 1 {
            return Err(invalid(name, &expected, describe(obj)));
        }

        let py = obj.py();
        let found = array.dtype();
        let signal = if found.is_equiv_to(&dtype::<f64>(py)) {
            Signal::F64(borrowed(array)?)
        } else if found.is_equiv_to(&dtype::<f32>(py)) {
            Signal::F32(borrowed(array)?)
        } else if found.is_equiv_to(&dtype::<i16>(py)) {
            Signal::I16(borrowed(array)?)
        } else {
            return Err(invalid(name, &expected, describe(obj)));
        };
        if signal.len() < 2 {
            return Err(invalid(
                name,
                "at least 2 samples",
                format!("{} samples", signal.len()),
            ));
        }
        Ok(signal)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Signal::F64(a) => a.len(),
            Signal::F32(a) => a.len(),
            Signal::I16(a) => a.len(),
        }
    }
}

/// Two signals of one sample type, ready to hand to the library without the GIL.
pub enum SamplePair<'a> {
    /// Both float64 (also used when the two dtypes differ).
    F64(Cow<'a, [f64]>, Cow<'a, [f64]>),
    /// Both float32.
    F32(Cow<'a, [f32]>, Cow<'a, [f32]>),
    /// Both int16.
    I16(Cow<'a, [i16]>, Cow<'a, [i16]>),
}

impl<'a> SamplePair<'a> {
    /// Views two signals as one sample type: borrowed when both share a dtype and are
    /// contiguous, copied otherwise (different dtypes meet as float64, exactly).
    ///
    /// # Errors
    /// `MemoryError` when a copy cannot be had.
    pub fn new(x_i: &'a Signal<'_>, x_j: &'a Signal<'_>) -> PyResult<Self> {
        Ok(match (x_i, x_j) {
            (Signal::F64(a), Signal::F64(b)) => {
                SamplePair::F64(contiguous(a, "x_i")?, contiguous(b, "x_j")?)
            }
            (Signal::F32(a), Signal::F32(b)) => {
                SamplePair::F32(contiguous(a, "x_i")?, contiguous(b, "x_j")?)
            }
            (Signal::I16(a), Signal::I16(b)) => {
                SamplePair::I16(contiguous(a, "x_i")?, contiguous(b, "x_j")?)
            }
            _ => SamplePair::F64(
                Cow::Owned(widen(x_i, "x_i")?),
                Cow::Owned(widen(x_j, "x_j")?),
            ),
        })
    }
}

/// The samples as a slice: borrowed when contiguous, else copied in order.
fn contiguous<'a, T: numpy::Element + Copy>(
    array: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> PyResult<Cow<'a, [T]>> {
    Ok(match array.as_slice() {
        Ok(slice) => Cow::Borrowed(slice),
        Err(_) => Cow::Owned(collect_samples(array.as_array().iter().copied(), name)?),
    })
}

/// Every sample of the signal `name` as float64 (exact for all three dtypes).
///
/// # Errors
/// `MemoryError` when the copy cannot be had.
pub(crate) fn widen(signal: &Signal<'_>, name: &str) -> PyResult<Vec<f64>> {
    match signal {
        Signal::F64(a) => collect_samples(a.as_array().iter().copied(), name),
        Signal::F32(a) => collect_samples(a.as_array().iter().map(|&v| f64::from(v)), name),
        Signal::I16(a) => collect_samples(a.as_array().iter().map(|&v| f64::from(v)), name),
    }
}

/// Collects the samples of the argument `name` into a new buffer, asking for all its
/// memory first: `MemoryError`, saying how much and for what, when the system refuses.
pub(crate) fn collect_samples<T>(
    samples: impl ExactSizeIterator<Item = T>,
    name: &str,
) -> PyResult<Vec<T>> {
    let count = samples.len();
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(count).map_err(|_| {
        let megabytes = (count * std::mem::size_of::<T>()).div_ceil(1 << 20);
        PyMemoryError::new_err(format!(
            "{name}: could not allocate {megabytes} MB for a copy of its {count} samples; \
             the system refused (pass shorter signals)"
        ))
    })?;
    buffer.extend(samples);
    Ok(buffer)
}

/// `obj` as a NumPy array: itself, or `numpy.asarray(obj)` for lists and tuples; an
/// `InvalidInputError` naming `name` and `expected` when numpy cannot convert it.
pub(crate) fn as_array<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    expected: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    match obj.cast::<PyUntypedArray>() {
        Ok(array) => Ok(array.clone()),
        Err(_) => obj
            .py()
            .import("numpy")?
            .call_method1("asarray", (obj,))
            .and_then(|converted| Ok(converted.cast_into::<PyUntypedArray>()?))
            .map_err(|error| invalid(name, expected, format!("{} ({error})", describe(obj)))),
    }
}

/// Reads an `(n, 3)` table of real numbers (a NumPy array of any real dtype, or a
/// nested sequence) into rows, or explains why it is not one.
pub fn rows_of_three(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<[f64; 3]>> {
    let expected = "an (n, 3) array of real numbers";

    // Lists and tuples go through numpy.asarray, so their dtype can be checked like an array's.
    let array = as_array(obj, name, expected)?;
    let kind = array.dtype().kind();
    let real = matches!(kind, b'f' | b'i' | b'u');
    if !real || array.ndim() != 2 || array.shape()[1] != 3 {
        return Err(invalid(name, expected, describe(array.as_any())));
    }

    // Already float64 (the usual case) is read in place; other real dtypes are widened.
    let as_f64 = if array.dtype().is_equiv_to(&dtype::<f64>(obj.py())) {
        array
    } else {
        array
            .call_method1("astype", ("float64",))?
            .cast_into::<PyUntypedArray>()?
    };
    let view: PyReadonlyArray2<f64> = borrowed(&as_f64)?;
    Ok(view
        .as_array()
        .rows()
        .into_iter()
        .map(|row| [row[0], row[1], row[2]])
        .collect())
}

/// A `(n_mics, n_samples)` array of float64, float32 or int16, as owned float64 rows
/// (int16 and float32 widen exactly).
pub fn signal_rows(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<Vec<f64>>> {
    let expected = format!("a 2-D array (n_mics, n_samples) of {SIGNAL_DTYPES}");
    let array = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| invalid(name, &expected, describe(obj)))?;
    let py = obj.py();
    let found = array.dtype();
    let accepted = [dtype::<f64>(py), dtype::<f32>(py), dtype::<i16>(py)];
    if array.ndim() != 2 || !accepted.iter().any(|d| found.is_equiv_to(d)) {
        return Err(invalid(name, &expected, describe(obj)));
    }
    let widened = readable(array)?
        .extract::<PyArrayLike2<'_, f64, AllowTypeChange>>()
        .map_err(|_| invalid(name, &expected, describe(obj)))?;
    widened
        .as_array()
        .outer_iter()
        .map(|row| collect_samples(row.iter().copied(), name))
        .collect()
}

/// A `(n_mics, n_samples)` signal array borrowed from NumPy, in one of the accepted
/// dtypes.
pub enum SignalMatrix<'py> {
    /// float64 samples.
    F64(PyReadonlyArray2<'py, f64>),
    /// float32 samples.
    F32(PyReadonlyArray2<'py, f32>),
    /// int16 samples (PCM).
    I16(PyReadonlyArray2<'py, i16>),
}

impl<'py> SignalMatrix<'py> {
    /// Borrows `obj` as `(n_mics, n_samples)` signals with at least `min_mics` rows
    /// and 2 samples, or explains why it is not one.
    pub fn extract(obj: &Bound<'py, PyAny>, name: &str, min_mics: usize) -> PyResult<Self> {
        let expected = format!("a 2-D array (n_mics, n_samples) of {SIGNAL_DTYPES}");
        let array = obj
            .cast::<PyUntypedArray>()
            .map_err(|_| invalid(name, &expected, describe(obj)))?;
        if array.ndim() != 2 {
            return Err(invalid(name, &expected, describe(obj)));
        }

        let py = obj.py();
        let found = array.dtype();
        let signals = if found.is_equiv_to(&dtype::<f64>(py)) {
            SignalMatrix::F64(borrowed(array)?)
        } else if found.is_equiv_to(&dtype::<f32>(py)) {
            SignalMatrix::F32(borrowed(array)?)
        } else if found.is_equiv_to(&dtype::<i16>(py)) {
            SignalMatrix::I16(borrowed(array)?)
        } else {
            return Err(invalid(name, &expected, describe(obj)));
        };
        let (n_mics, n_samples) = signals.shape();
        if n_mics < min_mics || n_samples < 2 {
            return Err(invalid(
                name,
                format!("at least {min_mics} microphones (rows) of at least 2 samples"),
                describe(obj),
            ));
        }
        Ok(signals)
    }

    /// `(n_mics, n_samples)`.
    pub fn shape(&self) -> (usize, usize) {
        let shape = match self {
            SignalMatrix::F64(a) => a.shape(),
            SignalMatrix::F32(a) => a.shape(),
            SignalMatrix::I16(a) => a.shape(),
        };
        (shape[0], shape[1])
    }
}

/// The samples of `(n_mics, n_samples)` signals in row order, one sample type,
/// ready to hand to the library without the GIL: borrowed when C-contiguous, copied
/// once otherwise.
pub enum SampleRows<'a> {
    /// float64 samples.
    F64(Cow<'a, [f64]>, usize),
    /// float32 samples.
    F32(Cow<'a, [f32]>, usize),
    /// int16 samples.
    I16(Cow<'a, [i16]>, usize),
}

impl<'a> SampleRows<'a> {
    /// Views the signals `name` as rows of `n_samples` (the second number of each
    /// variant).
    ///
    /// # Errors
    /// `MemoryError` when a copy is needed and cannot be had.
    pub fn new(signals: &'a SignalMatrix<'_>, name: &str) -> PyResult<Self> {
        let (_, n_samples) = signals.shape();
        Ok(match signals {
            SignalMatrix::F64(a) => SampleRows::F64(row_major(a, name)?, n_samples),
            SignalMatrix::F32(a) => SampleRows::F32(row_major(a, name)?, n_samples),
            SignalMatrix::I16(a) => SampleRows::I16(row_major(a, name)?, n_samples),
        })
    }

    /// Every sample of the signals `name` as float64 (exact for all three dtypes):
    /// borrowed for float64.
    ///
    /// # Errors
    /// `MemoryError` when the widened copy cannot be had.
    pub fn to_f64(&self, name: &str) -> PyResult<(Cow<'_, [f64]>, usize)> {
        Ok(match self {
            SampleRows::F64(samples, n) => (Cow::Borrowed(samples.as_ref()), *n),
            SampleRows::F32(samples, n) => (
                Cow::Owned(collect_samples(
                    samples.iter().map(|&v| f64::from(v)),
                    name,
                )?),
                *n,
            ),
            SampleRows::I16(samples, n) => (
                Cow::Owned(collect_samples(
                    samples.iter().map(|&v| f64::from(v)),
                    name,
                )?),
                *n,
            ),
        })
    }
}

/// The rows of `samples` (a flat row-major buffer), each `n_samples` long.
pub fn rows_of<T>(samples: &[T], n_samples: usize) -> Vec<&[T]> {
    samples.chunks_exact(n_samples).collect()
}

/// The samples of a 2-D array in row order: borrowed when C-contiguous, else copied
/// (a Fortran-ordered array is contiguous too, but column by column).
fn row_major<'a, T: numpy::Element + Copy>(
    array: &'a PyReadonlyArray2<'_, T>,
    name: &str,
) -> PyResult<Cow<'a, [T]>> {
    Ok(match array.as_slice() {
        Ok(slice) if array.is_c_contiguous() => Cow::Borrowed(slice),
        _ => Cow::Owned(collect_samples(array.as_array().iter().copied(), name)?),
    })
}

/// "a 2-D array of complex128 with shape (4, 2)", "a list of shape (2, 3)", "a tuple of
/// length 3", or "an object of type dict".
pub fn describe(obj: &Bound<'_, PyAny>) -> String {
    match obj.cast::<PyUntypedArray>() {
        Ok(array) => {
            let shape: Vec<String> = array.shape().iter().map(usize::to_string).collect();
            let shape = match shape.len() {
                1 => format!("({},)", shape[0]),
                _ => format!("({})", shape.join(", ")),
            };
            format!(
                "a {}-D array of {} with shape {shape}",
                array.ndim(),
                dtype_name(&array.dtype())
            )
        }
        Err(_) => match obj.get_type().name() {
            Ok(type_name) => match nested_shape(obj) {
                Some(shape) if shape.len() == 1 => {
                    format!("a {type_name} of length {}", shape[0])
                }
                Some(shape) => {
                    let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
                    format!("a {type_name} of shape ({})", shape.join(", "))
                }
                None => format!("an object of type {type_name}"),
            },
            Err(_) => "an object of unknown type".to_owned(),
        },
    }
}

/// The lengths of a list or tuple and of its nested lists and tuples, as far as every
/// item at a level has the same length (`[[1, 2], [3, 4]]` is `[2, 2]`, `[[1], [2, 3]]`
/// is `[2]`); `None` for anything else.
fn nested_shape(obj: &Bound<'_, PyAny>) -> Option<Vec<usize>> {
    let items = sequence_items(obj)?;
    let mut shape = vec![items.len()];
    let mut level = items;
    while let Some(first) = level.first() {
        let Some(length) = sequence_items(first).map(|items| items.len()) else {
            break;
        };
        let mut next = Vec::new();
        for item in &level {
            match sequence_items(item) {
                Some(items) if items.len() == length => next.extend(items),
                _ => return Some(shape),
            }
        }
        shape.push(length);
        level = next;
    }
    Some(shape)
}

/// The items of a list or tuple; `None` for any other object.
fn sequence_items<'py>(obj: &Bound<'py, PyAny>) -> Option<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = obj.cast::<PyList>() {
        Some(list.iter().collect())
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        Some(tuple.iter().collect())
    } else {
        None
    }
}

/// Reads an integer argument: a Python `int` (or anything with `__index__`) that fits in
/// 64 bits. One too large raises `InvalidInputError` naming the argument; a value that is
/// no integer at all (a float, a str) raises `TypeError`, as Python's own functions do,
/// naming it too.
pub fn integer(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    match obj.extract::<i64>() {
        Ok(value) => Ok(value),
        Err(error) if error.is_instance_of::<PyOverflowError>(obj.py()) => Err(invalid(
            name,
            "an integer that fits in 64 bits",
            obj.str()
                .map_or_else(|_| describe(obj), |text| text.to_string()),
        )),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name}: expected an integer, got {}",
            describe(obj)
        ))),
    }
}

/// Reads an optional integer argument: `None`, or as [`integer`].
pub fn optional_integer(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<i64>> {
    if obj.is_none() {
        return Ok(None);
    }
    integer(obj, name).map(Some)
}

/// Reads `N` numbers given as a tuple, a list or a 1-D array. The wrong count or
/// container raises `InvalidInputError` naming the argument; an item that is no number (a
/// str) raises `TypeError`, naming it too.
pub fn numbers<const N: usize>(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<[f64; N]> {
    let expected = format!("a tuple of {N} numbers");
    let items = match obj.cast::<PyUntypedArray>() {
        Ok(array) if array.ndim() == 1 => sequence_items(&array.call_method0("tolist")?),
        _ => sequence_items(obj),
    };
    let items = items
        .filter(|items| items.len() == N)
        .ok_or_else(|| invalid(name, &expected, describe(obj)))?;

    let mut values = [0.0; N];
    for (k, (value, item)) in values.iter_mut().zip(&items).enumerate() {
        *value = item.extract::<f64>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}[{k}]: expected a number, got {}",
                describe(item)
            ))
        })?;
    }
    Ok(values)
}

/// Reads a pair argument `(a, b)`, as [`numbers`].
pub fn pair(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<(f64, f64)> {
    numbers::<2>(obj, name).map(|[a, b]| (a, b))
}

/// Reads an optional pair argument: `None`, or as [`pair`].
pub fn optional_pair(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<(f64, f64)>> {
    if obj.is_none() {
        return Ok(None);
    }
    pair(obj, name).map(Some)
}

/// Reads an optional triple argument `(a, b, c)`: `None`, or as [`numbers`].
pub fn optional_triple(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<(f64, f64, f64)>> {
    if obj.is_none() {
        return Ok(None);
    }
    numbers::<3>(obj, name).map(|[a, b, c]| Some((a, b, c)))
}

/// Reads a file path argument: a str, bytes (decoded as `os.fsdecode` does, like
/// `open`) or an `os.PathLike`. Anything else raises `TypeError` naming the argument.
pub fn path(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<PathBuf> {
    let decoded = obj
        .py()
        .import("os")?
        .call_method1("fsdecode", (obj,))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}: expected a path (str, bytes or os.PathLike), got {}",
                describe(obj)
            ))
        })?;
    // An OsString, not a String: bytes that are not UTF-8 come back from fsdecode as
    // surrogate escapes, which only the file-system encoding turns back into the name.
    Ok(PathBuf::from(decoded.extract::<std::ffi::OsString>()?))
}

/// Readers for `#[pyo3(from_py_with = ...)]`, one per argument, so that each error names
/// its argument (pyo3's own conversions raise `OverflowError` or a plain `ValueError`
/// that does not).
pub mod arg {
    use pyo3::prelude::*;

    macro_rules! readers {
        ($($function:ident($name:literal) -> $type:ty = $reader:ident;)*) => {$(
            #[doc = concat!("The argument `", $name, "`, read by [`super::", stringify!($reader), "`].")]
            pub fn $function(obj: &Bound<'_, PyAny>) -> PyResult<$type> {
                super::$reader(obj, $name)
            }
        )*};
    }

    readers! {
        band_hz("band_hz") -> Option<(f64, f64)> = optional_pair;
        dimension("dimension") -> i64 = integer;
        fft_len("fft_len") -> i64 = integer;
        frame_len("frame_len") -> i64 = integer;
        freq_range_hz("freq_range_hz") -> Option<(f64, f64)> = optional_pair;
        height_bounds("height_bounds") -> Option<(f64, f64)> = optional_pair;
        hop("hop") -> i64 = integer;
        min_sensors("min_sensors") -> Option<i64> = optional_integer;
        count_of_sensors("min_sensors") -> i64 = integer;
        n("n") -> i64 = integer;
        n_azimuths("n_azimuths") -> i64 = integer;
        n_peaks("n_peaks") -> i64 = integer;
        n_sources("n_sources") -> i64 = integer;
        origin("origin") -> Option<(f64, f64, f64)> = optional_triple;
        reference("reference") -> i64 = integer;
        sensor("sensor") -> i64 = integer;
        smoothing_bins("smoothing_bins") -> i64 = integer;
        subdivisions("subdivisions") -> i64 = integer;
        x_m("x_m") -> (f64, f64) = pair;
        y_m("y_m") -> (f64, f64) = pair;
        z_range_m("z_m") -> (f64, f64) = pair;
        zone("zone") -> i64 = integer;
        optional_zone("zone") -> Option<i64> = optional_integer;
        file_path("path") -> std::path::PathBuf = path;
        spec_path("spec_path") -> std::path::PathBuf = path;
        out_dir("out_dir") -> std::path::PathBuf = path;
    }
}

/// The dtype as NumPy prints it ("float64", ">f8", "object").
fn dtype_name(descr: &Bound<'_, PyArrayDescr>) -> String {
    descr
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "an unknown dtype".to_owned())
}
