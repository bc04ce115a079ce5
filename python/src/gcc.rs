//! `gcc_phat`, `gcc_phat_all_pairs`, `gcc_correlation`, `GccPhat`, `TdoaResult` and
//! `PairwiseTdoa`: thin wrappers over `soundloc::gcc`.

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use numpy::ndarray::Array2;
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyUntypedArray};
use pyo3::prelude::*;
use soundloc::event::GccPlan;
use soundloc::gcc::{
    GccConfig, GccPhat, MAX_FRAME_LEN, PairBounds, PairTdoa, Polarity, TdoaEstimate, all_pairs,
};
use soundloc::peak::Refinement;
use soundloc::weighting::Weighting;

use crate::convert::arg;
use crate::convert::{SamplePair, SampleRows, Signal, SignalMatrix, describe, rows_of};
use crate::errors::{guarded, invalid};

thread_local! {
    /// The last estimator this thread planned for the one-shot functions (`gcc_phat`,
    /// `gcc_phat_all_pairs`): a caller correlating many frames of one length with one
    /// set of settings pays for the FFT plans once. A reused plan gives exactly the
    /// answer of a fresh one; it holds its buffers (a few MB for a 1 s frame at
    /// 48 kHz) until the thread next plans another length.
    static ONE_SHOT_PLAN: RefCell<GccPlan> = RefCell::new(GccPlan::default());
}

/// The delay between two signals, `delay_s = t_j - t_i`, with its quality.
#[pyclass(frozen, module = "soundloc", name = "TdoaResult")]
pub struct TdoaResult {
    /// `t_j - t_i`, seconds: positive when `x_j` hears the sound later.
    #[pyo3(get)]
    delay_s: f64,
    /// The same delay in samples (fractional).
    #[pyo3(get)]
    lag: f64,
    /// Normalised correlation at the peak (1 for identical frames).
    #[pyo3(get)]
    peak: f64,
    /// `1 - second peak / first peak`, in [0, 1].
    #[pyo3(get)]
    confidence: f64,
    /// Another lag fits almost as well (confidence below the threshold).
    #[pyo3(get)]
    ambiguous: bool,
    /// The peak is negative: `x_j` is an inverted copy (only with polarity "either").
    #[pyo3(get)]
    inverted: bool,
    /// The bound on |delay_s| that limited the search, seconds.
    #[pyo3(get)]
    max_delay_s: f64,
    /// The best peaks, best first, as `(delay_s, peak)`; the first is the estimate.
    #[pyo3(get)]
    candidates: Vec<(f64, f64)>,
}

impl From<TdoaEstimate> for TdoaResult {
    fn from(estimate: TdoaEstimate) -> Self {
        TdoaResult {
            delay_s: estimate.delay_s,
            lag: estimate.lag,
            peak: estimate.peak,
            confidence: estimate.confidence,
            ambiguous: estimate.ambiguous,
            inverted: estimate.inverted,
            max_delay_s: estimate.max_delay_s,
            candidates: estimate
                .candidates
                .iter()
                .map(|c| (c.delay_s, c.peak))
                .collect(),
        }
    }
}

#[pymethods]
impl TdoaResult {
    fn __repr__(&self) -> String {
        format!(
            "TdoaResult(delay_s={:.6e}, lag={:.3}, peak={:.3}, confidence={:.3}, \
             ambiguous={}, inverted={}, max_delay_s={:.6e}, n_candidates={})",
            self.delay_s,
            self.lag,
            self.peak,
            self.confidence,
            py_bool(self.ambiguous),
            py_bool(self.inverted),
            self.max_delay_s,
            self.candidates.len()
        )
    }
}

/// A GCC estimator planned once for frames of up to `frame_len` samples.
///
/// The Rust estimator sits behind a mutex: calls from several threads are safe and
/// run one at a time per object (use one object per thread to run them in parallel).
#[pyclass(frozen, module = "soundloc", name = "GccPhat")]
pub struct PyGccPhat {
    inner: Mutex<GccPhat>,
    frame_len: usize,
    fft_len: usize,
    sample_rate: f64,
    weighting: String,
}

#[pymethods]
impl PyGccPhat {
    #[new]
    #[pyo3(signature = (
        frame_len, sample_rate, *, weighting = "phat", band_hz = None,
        refinement = "band-limited", n_peaks = 1, polarity = "positive",
        smoothing_bins = 4, ambiguity_threshold = 0.2
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        #[pyo3(from_py_with = arg::frame_len)] frame_len: i64,
        sample_rate: f64,
        weighting: &str,
        #[pyo3(from_py_with = arg::band_hz)] band_hz: Option<(f64, f64)>,
        refinement: &str,
        #[pyo3(from_py_with = arg::n_peaks)] n_peaks: i64,
        polarity: &str,
        #[pyo3(from_py_with = arg::smoothing_bins)] smoothing_bins: i64,
        ambiguity_threshold: f64,
    ) -> PyResult<Self> {
        let frame_len = count("frame_len", frame_len, 2)?;
        let config = config(
            weighting,
            band_hz,
            refinement,
            n_peaks,
            polarity,
            smoothing_bins,
            ambiguity_threshold,
        )?;
        let gcc = guarded(|| GccPhat::new(frame_len, sample_rate, config))?;
        Ok(PyGccPhat {
            frame_len,
            fft_len: gcc.fft_len(),
            sample_rate,
            weighting: weighting.to_owned(),
            inner: Mutex::new(gcc),
        })
    }

    /// Longest frame accepted, samples.
    #[getter]
    fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Length of the zero-padded FFT, samples.
    #[getter]
    fn fft_len(&self) -> usize {
        self.fft_len
    }

    /// Sample rate, Hz.
    #[getter]
    fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The delay `t_j - t_i` between two frames of equal length starting together.
    #[pyo3(signature = (x_i, x_j, max_delay_s = None))]
    fn tdoa(
        &self,
        py: Python<'_>,
        x_i: &Bound<'_, PyAny>,
        x_j: &Bound<'_, PyAny>,
        max_delay_s: Option<f64>,
    ) -> PyResult<TdoaResult> {
        let (x_i, x_j) = signals(x_i, x_j)?;
        if x_i.len() > self.frame_len {
            return Err(invalid(
                "x_i",
                format!("at most frame_len = {} samples", self.frame_len),
                format!("{} samples", x_i.len()),
            ));
        }
        let pair = SamplePair::new(&x_i, &x_j)?;

        let estimate = py.detach(|| {
            let mut gcc = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            guarded(|| run(&mut gcc, &pair, max_delay_s))
        })?;
        Ok(estimate.into())
    }

    /// The delay of every pair `i < j` of `(n_mics, n_samples)` signals.
    #[pyo3(signature = (signals, max_delay_s = None))]
    fn tdoa_all_pairs(
        &self,
        py: Python<'_>,
        signals: &Bound<'_, PyAny>,
        max_delay_s: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PairwiseTdoa> {
        let matrix = SignalMatrix::extract(signals, "signals", 2)?;
        let (n_mics, n_samples) = matrix.shape();
        if n_samples > self.frame_len {
            return Err(invalid(
                "signals",
                format!("at most frame_len = {} samples per row", self.frame_len),
                describe(signals),
            ));
        }
        let bounds = pair_bounds(max_delay_s, n_mics)?;
        let rows = SampleRows::new(&matrix, "signals")?;

        let pairs = py.detach(|| {
            let gcc = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            guarded(|| run_all_pairs(&gcc, &rows, &bounds))
        })?;
        PairwiseTdoa::new(py, n_mics, pairs)
    }

    /// The normalised correlation of two frames over the lag window, for plotting.
    #[pyo3(signature = (x_i, x_j, max_delay_s = None))]
    fn correlation<'py>(
        &self,
        py: Python<'py>,
        x_i: &Bound<'py, PyAny>,
        x_j: &Bound<'py, PyAny>,
        max_delay_s: Option<f64>,
    ) -> PyResult<Curve<'py>> {
        let (x_i, x_j) = signals(x_i, x_j)?;
        if x_i.len() > self.frame_len {
            return Err(invalid(
                "x_i",
                format!("at most frame_len = {} samples", self.frame_len),
                format!("{} samples", x_i.len()),
            ));
        }
        let pair = SamplePair::new(&x_i, &x_j)?;

        let (lags_s, values) = py.detach(|| {
            let mut gcc = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            guarded(|| correlate(&mut gcc, &pair, max_delay_s))
        })?;
        Ok((lags_s.into_pyarray(py), values.into_pyarray(py)))
    }

    fn __repr__(&self) -> String {
        format!(
            "GccPhat(frame_len={}, sample_rate={}, weighting='{}', fft_len={})",
            self.frame_len, self.sample_rate, self.weighting, self.fft_len
        )
    }
}

/// One-shot GCC delay between two equal-length signals (the thread's plan is reused
/// while the length and settings stay the same).
#[pyfunction]
#[pyo3(signature = (
    x_i, x_j, sample_rate, *, max_delay_s = None, weighting = "phat", band_hz = None,
    refinement = "band-limited", n_peaks = 1, polarity = "positive",
    smoothing_bins = 4, ambiguity_threshold = 0.2
))]
#[allow(clippy::too_many_arguments)]
pub fn gcc_phat(
    py: Python<'_>,
    x_i: &Bound<'_, PyAny>,
    x_j: &Bound<'_, PyAny>,
    sample_rate: f64,
    max_delay_s: Option<f64>,
    weighting: &str,
    #[pyo3(from_py_with = arg::band_hz)] band_hz: Option<(f64, f64)>,
    refinement: &str,
    #[pyo3(from_py_with = arg::n_peaks)] n_peaks: i64,
    polarity: &str,
    #[pyo3(from_py_with = arg::smoothing_bins)] smoothing_bins: i64,
    ambiguity_threshold: f64,
) -> PyResult<TdoaResult> {
    let config = config(
        weighting,
        band_hz,
        refinement,
        n_peaks,
        polarity,
        smoothing_bins,
        ambiguity_threshold,
    )?;
    let (x_i, x_j) = signals(x_i, x_j)?;
    let frame_len = x_i.len();
    let pair = SamplePair::new(&x_i, &x_j)?;

    let estimate = py.detach(|| {
        guarded(|| {
            ONE_SHOT_PLAN.with_borrow_mut(|plan| {
                let gcc = plan.planned(frame_len, sample_rate, config)?;
                run(gcc, &pair, max_delay_s)
            })
        })
    })?;
    Ok(estimate.into())
}

/// GCC over every pair of `(n_mics, n_samples)` signals (the thread's plan is reused
/// while the length and settings stay the same).
#[pyfunction]
#[pyo3(signature = (
    signals, sample_rate, *, max_delay_s = None, weighting = "phat", band_hz = None,
    refinement = "band-limited", n_peaks = 1, polarity = "positive",
    smoothing_bins = 4, ambiguity_threshold = 0.2
))]
#[allow(clippy::too_many_arguments)]
pub fn gcc_phat_all_pairs(
    py: Python<'_>,
    signals: &Bound<'_, PyAny>,
    sample_rate: f64,
    max_delay_s: Option<&Bound<'_, PyAny>>,
    weighting: &str,
    #[pyo3(from_py_with = arg::band_hz)] band_hz: Option<(f64, f64)>,
    refinement: &str,
    #[pyo3(from_py_with = arg::n_peaks)] n_peaks: i64,
    polarity: &str,
    #[pyo3(from_py_with = arg::smoothing_bins)] smoothing_bins: i64,
    ambiguity_threshold: f64,
) -> PyResult<PairwiseTdoa> {
    let config = config(
        weighting,
        band_hz,
        refinement,
        n_peaks,
        polarity,
        smoothing_bins,
        ambiguity_threshold,
    )?;
    let matrix = SignalMatrix::extract(signals, "signals", 2)?;
    let (n_mics, n_samples) = matrix.shape();
    check_frame_len("signals", n_samples)?;
    let bounds = pair_bounds(max_delay_s, n_mics)?;
    let rows = SampleRows::new(&matrix, "signals")?;

    let pairs = py.detach(|| {
        guarded(|| {
            ONE_SHOT_PLAN.with_borrow_mut(|plan| {
                let gcc = plan.planned(n_samples, sample_rate, config)?;
                run_all_pairs(gcc, &rows, &bounds)
            })
        })
    })?;
    PairwiseTdoa::new(py, n_mics, pairs)
}

/// One-shot GCC correlation of two equal-length signals over the lag window.
#[pyfunction]
#[pyo3(signature = (
    x_i, x_j, sample_rate, *, max_delay_s = None, weighting = "phat", band_hz = None
))]
pub fn gcc_correlation<'py>(
    py: Python<'py>,
    x_i: &Bound<'py, PyAny>,
    x_j: &Bound<'py, PyAny>,
    sample_rate: f64,
    max_delay_s: Option<f64>,
    weighting: &str,
    #[pyo3(from_py_with = arg::band_hz)] band_hz: Option<(f64, f64)>,
) -> PyResult<Curve<'py>> {
    let config = GccConfig {
        weighting: parse_weighting(weighting)?,
        band_hz,
        ..GccConfig::default()
    };
    let (x_i, x_j) = signals(x_i, x_j)?;
    let frame_len = x_i.len();
    let pair = SamplePair::new(&x_i, &x_j)?;

    let (lags_s, values) = py.detach(|| {
        guarded(|| {
            let mut gcc = GccPhat::new(frame_len, sample_rate, config)?;
            correlate(&mut gcc, &pair, max_delay_s)
        })
    })?;
    Ok((lags_s.into_pyarray(py), values.into_pyarray(py)))
}

/// `(lags_s, values)`: a correlation curve as two 1-D arrays.
type Curve<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// The delays of every pair of `n_mics` microphones, `t_j - t_i`, in the order
/// `(0, 1), (0, 2), .., (1, 2), ..`.
#[pyclass(frozen, module = "soundloc", name = "PairwiseTdoa")]
pub struct PairwiseTdoa {
    /// Number of microphones.
    #[pyo3(get)]
    n_mics: usize,
    pairs: Py<PyArray2<i64>>,
    delay_s: Py<PyArray1<f64>>,
    lag: Py<PyArray1<f64>>,
    peak: Py<PyArray1<f64>>,
    confidence: Py<PyArray1<f64>>,
    ambiguous: Py<PyArray1<bool>>,
    results: Vec<Py<TdoaResult>>,
    /// `(i, j, delay_s)` of each pair, for `matrix`.
    delays: Vec<(usize, usize, f64)>,
}

impl PairwiseTdoa {
    /// Moves the library's answer into read-only NumPy arrays (no copies).
    fn new(py: Python<'_>, n_mics: usize, pairs: Vec<PairTdoa>) -> PyResult<Self> {
        let column = |value: fn(&TdoaEstimate) -> f64| -> PyResult<Py<PyArray1<f64>>> {
            let values: Vec<f64> = pairs.iter().map(|p| value(&p.estimate)).collect();
            frozen_array(values.into_pyarray(py))
        };
        let indices: Vec<i64> = pairs
            .iter()
            .flat_map(|p| [p.i as i64, p.j as i64])
            .collect();
        let indices = Array2::from_shape_vec((pairs.len(), 2), indices)
            .map_err(|e| invalid("pairs", "an (m, 2) table", e))?;
        let ambiguous: Vec<bool> = pairs.iter().map(|p| p.estimate.ambiguous).collect();

        Ok(PairwiseTdoa {
            n_mics,
            pairs: frozen_array(indices.into_pyarray(py))?,
            delay_s: column(|e| e.delay_s)?,
            lag: column(|e| e.lag)?,
            peak: column(|e| e.peak)?,
            confidence: column(|e| e.confidence)?,
            ambiguous: frozen_array(ambiguous.into_pyarray(py))?,
            delays: pairs
                .iter()
                .map(|p| (p.i, p.j, p.estimate.delay_s))
                .collect(),
            results: pairs
                .into_iter()
                .map(|p| Py::new(py, TdoaResult::from(p.estimate)))
                .collect::<PyResult<_>>()?,
        })
    }
}

#[pymethods]
impl PairwiseTdoa {
    /// Microphone indices `(i, j)` of each pair, shape (m, 2), int64.
    #[getter]
    fn pairs(&self, py: Python<'_>) -> Py<PyArray2<i64>> {
        self.pairs.clone_ref(py)
    }

    /// `t_j - t_i` of each pair, seconds, shape (m,).
    #[getter]
    fn delay_s(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.delay_s.clone_ref(py)
    }

    /// The same delays in samples (fractional), shape (m,).
    #[getter]
    fn lag(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.lag.clone_ref(py)
    }

    /// Normalised correlation at each pair's peak, shape (m,).
    #[getter]
    fn peak(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.peak.clone_ref(py)
    }

    /// `1 - second peak / first peak` of each pair, shape (m,).
    #[getter]
    fn confidence(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.confidence.clone_ref(py)
    }

    /// Whether each pair's confidence is below the threshold, shape (m,), bool.
    #[getter]
    fn ambiguous(&self, py: Python<'_>) -> Py<PyArray1<bool>> {
        self.ambiguous.clone_ref(py)
    }

    /// Each pair's full result (with its candidate peaks), in pair order.
    #[getter]
    fn results(&self, py: Python<'_>) -> Vec<Py<TdoaResult>> {
        self.results.iter().map(|r| r.clone_ref(py)).collect()
    }

    /// `D[i, j] = t_j - t_i`, seconds, shape (n_mics, n_mics): antisymmetric, zero
    /// diagonal.
    fn matrix<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let mut matrix = Array2::<f64>::zeros((self.n_mics, self.n_mics));
        for &(i, j, delay_s) in &self.delays {
            matrix[[i, j]] = delay_s;
            matrix[[j, i]] = -delay_s;
        }
        matrix.into_pyarray(py)
    }

    fn __len__(&self) -> usize {
        self.delays.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "PairwiseTdoa(n_mics={}, n_pairs={})",
            self.n_mics,
            self.delays.len()
        )
    }
}

/// Marks an array read-only (a frozen result must not change under its owner) and
/// keeps a reference to it.
fn frozen_array<T>(array: Bound<'_, T>) -> PyResult<Py<T>> {
    array.as_any().call_method1("setflags", (false,))?;
    Ok(array.unbind())
}

/// The per-pair lag bounds from Python: `None`, one number of seconds for every pair,
/// or an `(n_mics, n_mics)` symmetric array whose entry `[i, j]` bounds pair `(i, j)`
/// (the diagonal is not used).
fn pair_bounds(max_delay_s: Option<&Bound<'_, PyAny>>, n_mics: usize) -> PyResult<PairBounds> {
    let Some(obj) = max_delay_s else {
        return Ok(PairBounds::Unbounded);
    };
    if obj.cast::<PyUntypedArray>().is_err() {
        if let Ok(limit) = obj.extract::<f64>() {
            return check_bound(limit, "max_delay_s").map(PairBounds::Uniform);
        }
    }

    let expected = format!(
        "None, a number of seconds, or a symmetric array of seconds of shape ({n_mics}, {n_mics}) (n_mics = {n_mics})"
    );
    let array = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| invalid("max_delay_s", &expected, describe(obj)))?;
    let real = matches!(array.dtype().kind(), b'f' | b'i' | b'u');
    if !real || array.ndim() != 2 || array.shape() != [n_mics, n_mics] {
        return Err(invalid("max_delay_s", &expected, describe(obj)));
    }
    let as_f64 = array
        .call_method1("astype", ("float64",))?
        .cast_into::<PyArray2<f64>>()?;
    let matrix = as_f64.try_readonly()?.as_array().to_owned();

    all_pairs(n_mics)
        .map(|(i, j)| {
            let (upper, lower) = (matrix[[i, j]], matrix[[j, i]]);
            let name = format!("max_delay_s[{i}, {j}]");
            let limit = check_bound(upper, &name)?;
            if (upper - lower).abs() > 1e-9 * upper.abs().max(lower.abs()) {
                return Err(invalid(
                    &name,
                    format!("the value of max_delay_s[{j}, {i}] ({lower}): a symmetric array"),
                    upper,
                ));
            }
            Ok(limit)
        })
        .collect::<PyResult<Vec<f64>>>()
        .map(PairBounds::PerPair)
}

/// A lag bound: finite and non-negative seconds.
fn check_bound(limit: f64, name: &str) -> PyResult<f64> {
    if limit.is_finite() && limit >= 0.0 {
        Ok(limit)
    } else {
        Err(invalid(name, "a non-negative number of seconds", limit))
    }
}

/// The one all-pairs call into the library, for whichever sample type the rows hold.
fn run_all_pairs(
    gcc: &GccPhat,
    rows: &SampleRows<'_>,
    bounds: &PairBounds,
) -> soundloc::Result<Vec<PairTdoa>> {
    match rows {
        SampleRows::F64(samples, n) => gcc.tdoa_all_pairs(&rows_of(samples, *n), bounds),
        SampleRows::F32(samples, n) => gcc.tdoa_all_pairs(&rows_of(samples, *n), bounds),
        SampleRows::I16(samples, n) => gcc.tdoa_all_pairs(&rows_of(samples, *n), bounds),
    }
}

/// The pair's correlation over the lag window: lags in seconds, normalised values.
fn correlate(
    gcc: &mut GccPhat,
    pair: &SamplePair<'_>,
    max_delay_s: Option<f64>,
) -> soundloc::Result<(Vec<f64>, Vec<f64>)> {
    run(gcc, pair, max_delay_s)?;
    let view = gcc.correlation();
    let lags_s = (0..view.values.len())
        .map(|k| (view.first_lag + k as i64) as f64 / view.sample_rate)
        .collect();
    Ok((lags_s, view.values.to_vec()))
}

/// The one call into the library, for whichever sample type the pair holds.
fn run(
    gcc: &mut GccPhat,
    pair: &SamplePair<'_>,
    max_delay_s: Option<f64>,
) -> soundloc::Result<TdoaEstimate> {
    match pair {
        SamplePair::F64(a, b) => gcc.tdoa(a, b, max_delay_s),
        SamplePair::F32(a, b) => gcc.tdoa(a, b, max_delay_s),
        SamplePair::I16(a, b) => gcc.tdoa(a, b, max_delay_s),
    }
}

/// Borrows both signals and checks that their lengths match.
fn signals<'py>(
    x_i: &Bound<'py, PyAny>,
    x_j: &Bound<'py, PyAny>,
) -> PyResult<(Signal<'py>, Signal<'py>)> {
    let x_i = Signal::extract(x_i, "x_i")?;
    let x_j = Signal::extract(x_j, "x_j")?;
    check_frame_len("x_i", x_i.len())?;
    if x_i.len() != x_j.len() {
        return Err(invalid(
            "x_j",
            format!("the length of x_i ({} samples)", x_i.len()),
            format!("{} samples", x_j.len()),
        ));
    }
    Ok((x_i, x_j))
}

/// Refuses signals longer than one GCC-PHAT frame can be, naming the argument `name`,
/// before anything is copied.
fn check_frame_len(name: &str, n_samples: usize) -> PyResult<()> {
    if n_samples > MAX_FRAME_LEN {
        return Err(invalid(
            name,
            format!(
                "at most {MAX_FRAME_LEN} samples, the longest frame GCC-PHAT correlates in one \
                 piece (11.6 min at 48 kHz; correlate windows of a longer recording)"
            ),
            format!("{n_samples} samples"),
        ));
    }
    Ok(())
}

/// The weighting named by a Python string.
pub fn parse_weighting(name: &str) -> PyResult<Weighting> {
    Weighting::from_name(name).ok_or_else(|| {
        invalid(
            "weighting",
            "one of 'cc', 'phat', 'phat-beta:<b>' (b in [0, 1]), 'scot', 'roth', 'ht'",
            format!("{name:?}"),
        )
    })
}

/// Builds the library's settings from the keyword arguments.
fn config(
    weighting: &str,
    band_hz: Option<(f64, f64)>,
    refinement: &str,
    n_peaks: i64,
    polarity: &str,
    smoothing_bins: i64,
    ambiguity_threshold: f64,
) -> PyResult<GccConfig> {
    let weighting = parse_weighting(weighting)?;
    let refinement = match refinement {
        "band-limited" | "band_limited" => Refinement::BandLimited,
        "parabolic" => Refinement::Parabolic,
        "none" => Refinement::None,
        other => {
            return Err(invalid(
                "refinement",
                "one of 'band-limited', 'parabolic', 'none'",
                format!("{other:?}"),
            ));
        }
    };
    let polarity = match polarity {
        "positive" => Polarity::Positive,
        "either" => Polarity::Either,
        other => {
            return Err(invalid(
                "polarity",
                "'positive' or 'either'",
                format!("{other:?}"),
            ));
        }
    };
    Ok(GccConfig {
        weighting,
        band_hz,
        refinement,
        polarity,
        n_peaks: count("n_peaks", n_peaks, 1)?,
        n_refined: None,
        smoothing_bins: count("smoothing_bins", smoothing_bins, 0)?,
        ambiguity_threshold,
    })
}

/// A Python integer as a count of at least `minimum`.
pub(crate) fn count(name: &str, value: i64, minimum: usize) -> PyResult<usize> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v >= minimum)
        .ok_or_else(|| invalid(name, format!("an integer >= {minimum}"), value))
}

/// `True` / `False`, as Python spells them.
fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}
