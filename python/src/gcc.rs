//! `gcc_phat`, `GccPhat` and `TdoaResult`: thin wrappers over `soundloc::gcc`.

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use soundloc::gcc::{GccConfig, GccPhat, Polarity, TdoaEstimate};
use soundloc::peak::Refinement;
use soundloc::weighting::Weighting;

use crate::convert::{SamplePair, Signal};
use crate::errors::{guarded, invalid};

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
        frame_len: i64,
        sample_rate: f64,
        weighting: &str,
        band_hz: Option<(f64, f64)>,
        refinement: &str,
        n_peaks: i64,
        polarity: &str,
        smoothing_bins: i64,
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
        let pair = SamplePair::new(&x_i, &x_j);

        let estimate = py.detach(|| {
            let mut gcc = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            guarded(|| run(&mut gcc, &pair, max_delay_s))
        })?;
        Ok(estimate.into())
    }

    fn __repr__(&self) -> String {
        format!(
            "GccPhat(frame_len={}, sample_rate={}, weighting='{}', fft_len={})",
            self.frame_len, self.sample_rate, self.weighting, self.fft_len
        )
    }
}

/// One-shot GCC delay between two equal-length signals (plans an estimator per call).
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
    band_hz: Option<(f64, f64)>,
    refinement: &str,
    n_peaks: i64,
    polarity: &str,
    smoothing_bins: i64,
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
    let pair = SamplePair::new(&x_i, &x_j);

    let estimate = py.detach(|| {
        guarded(|| {
            let mut gcc = GccPhat::new(frame_len, sample_rate, config)?;
            run(&mut gcc, &pair, max_delay_s)
        })
    })?;
    Ok(estimate.into())
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
    if x_i.len() != x_j.len() {
        return Err(invalid(
            "x_j",
            format!("the length of x_i ({} samples)", x_i.len()),
            format!("{} samples", x_j.len()),
        ));
    }
    Ok((x_i, x_j))
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
