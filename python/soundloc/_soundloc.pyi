"""Type stubs of the compiled module ``soundloc._soundloc``.

Import from ``soundloc``, not from here. Conventions: ``delay_s = t_j - t_i``
(positive when microphone ``j`` hears the sound later); seconds, samples, hertz,
metres (east, north, up), m/s.
"""

import os
from collections.abc import Callable, Sequence
from typing import final

import numpy as np
import numpy.typing as npt
from typing_extensions import TypeAlias

__all__ = [
    "__version__",
    "InvalidInputError",
    "LocalizationError",
    "DataFileError",
    "TdoaResult",
    "GccPhat",
    "Solution",
    "gcc_phat",
    "gcc_phat_all_pairs",
    "gcc_correlation",
    "PairwiseTdoa",
    "locate",
    "locate_signals",
    "Localizer",
    "speed_of_sound",
    "SearchGrid",
    "SourceEstimate",
    "DelayDirection",
    "SrpPhat",
    "Music",
    "stft",
    "direction_from_delays",
    "Scene",
    "EventWindow",
    "EventEstimate",
    "ErrorEllipse",
    "error_ellipse",
    "Onset",
    "OnsetDetector",
    "detect_onsets",
    "Candidate",
    "associate",
    "DetectedEvent",
    "UnlocatedEvent",
    "SensorOutage",
    "Detection",
    "WEIGHTINGS",
    "CoordinateFrame",
    "wgs84_to_utm",
    "utm_to_wgs84",
    "Truth",
    "TruthSensor",
    "TruthEvent",
    "TruthArrival",
    "simulate",
    "load_truth",
    "simulate_array",
    "air_absorption_db_per_m",
]

__version__: str

_Signal: TypeAlias = (
    npt.NDArray[np.float64] | npt.NDArray[np.float32] | npt.NDArray[np.int16]
)
_Table: TypeAlias = npt.ArrayLike | Sequence[Sequence[float]]
_PairBounds: TypeAlias = float | npt.NDArray[np.floating] | None

class InvalidInputError(ValueError):
    """An argument has the wrong shape, dtype or value.

    The message names the argument, what was expected and what arrived, for example
    ``x_i: expected a 1-D array of float64, float32 or int16, got a 2-D array of
    complex128 with shape (2, 8)``.
    """

class LocalizationError(RuntimeError):
    """Valid input on which no answer was found.

    Raised for a silent or constant signal, a band without energy, degenerate
    microphone geometry, too few linked microphones, or no convergence. A message
    starting with ``internal error`` reports a bug of soundloc.
    """

class DataFileError(OSError):
    """A data file (audio, scene) could not be read or holds something unexpected."""

@final
class TdoaResult:
    """The delay between two signals, with its quality.

    Attributes
    ----------
    delay_s : float
        ``t_j - t_i``, seconds: positive when ``x_j`` hears the sound later.
    lag : float
        The same delay in samples (fractional).
    peak : float
        Normalised correlation at the peak; 1 for identical frames.
    confidence : float
        ``1 - second_peak / first_peak``, in [0, 1]: near 0 when another lag fits
        as well (a tone, a periodic call), near 1 for one clear peak.
    ambiguous : bool
        ``confidence`` is below ``ambiguity_threshold``.
    inverted : bool
        The peak is negative (only with ``polarity="either"``).
    max_delay_s : float
        The bound on ``abs(delay_s)`` that limited the search, seconds.
    candidates : list of (float, float)
        The best peaks, best first, as ``(delay_s, peak)``; the first is the
        estimate itself. At most ``n_peaks`` entries.
    """

    @property
    def delay_s(self) -> float: ...
    @property
    def lag(self) -> float: ...
    @property
    def peak(self) -> float: ...
    @property
    def confidence(self) -> float: ...
    @property
    def ambiguous(self) -> bool: ...
    @property
    def inverted(self) -> bool: ...
    @property
    def max_delay_s(self) -> float: ...
    @property
    def candidates(self) -> list[tuple[float, float]]: ...

@final
class GccPhat:
    """A GCC estimator planned once for frames of up to ``frame_len`` samples.

    Plan once, process many: the FFT plans and buffers are kept between calls. One
    object serialises its calls (a lock); use one object per thread to run in
    parallel. The GIL is released during :meth:`tdoa`.

    Parameters
    ----------
    frame_len : int
        Longest frame accepted, samples (at least 2).
    sample_rate : float
        Sample rate, Hz (positive).
    weighting : str, default "phat"
        ``"cc"``, ``"phat"``, ``"phat-beta:<b>"`` with ``b`` in [0, 1], ``"scot"``,
        ``"roth"`` or ``"ht"`` (maximum likelihood, also ``"ml"``).
    band_hz : (float, float), optional
        Keep only frequencies in ``[low, high]`` Hz, within ``[0, sample_rate / 2]``.
    refinement : str, default "band-limited"
        Sub-sample peak placement: ``"band-limited"``, ``"parabolic"`` or ``"none"``.
    n_peaks : int, default 1
        How many candidate peaks to return (at least 1).
    polarity : str, default "positive"
        ``"positive"``, or ``"either"`` to accept an inverted copy.
    smoothing_bins : int, default 4
        Half-width, in bins, of the spectral smoother of SCOT, ROTH and HT.
    ambiguity_threshold : float, default 0.2
        Confidence below which a result is flagged ambiguous, in [0, 1].

    Raises
    ------
    InvalidInputError
        For any parameter out of range or an unknown name.
    """

    def __new__(
        cls,
        frame_len: int,
        sample_rate: float,
        *,
        weighting: str = "phat",
        band_hz: tuple[float, float] | None = None,
        refinement: str = "band-limited",
        n_peaks: int = 1,
        polarity: str = "positive",
        smoothing_bins: int = 4,
        ambiguity_threshold: float = 0.2,
    ) -> GccPhat: ...
    @property
    def frame_len(self) -> int:
        """Longest frame accepted, samples."""
    @property
    def fft_len(self) -> int:
        """Length of the zero-padded FFT, samples (at least ``2 * frame_len``)."""
    @property
    def sample_rate(self) -> float:
        """Sample rate, Hz."""
    def tdoa(
        self, x_i: _Signal, x_j: _Signal, max_delay_s: float | None = None
    ) -> TdoaResult:
        """The delay ``t_j - t_i`` between two frames that start together.

        Parameters
        ----------
        x_i, x_j : ndarray, shape (n_samples,)
            float64, float32 or int16; equal lengths, at most ``frame_len``.
        max_delay_s : float, optional
            Bound on ``abs(delay_s)``, seconds (the microphones' distance over the
            speed of sound). ``None`` searches every lag the frames allow.

        Returns
        -------
        TdoaResult

        Raises
        ------
        InvalidInputError
            Wrong dtype, ndim or length, NaN or infinite samples, bad ``max_delay_s``.
        LocalizationError
            A silent or constant signal, or no energy in the band.
        """
    def tdoa_all_pairs(
        self, signals: _Signal, max_delay_s: _PairBounds = None
    ) -> PairwiseTdoa:
        """The delay ``t_j - t_i`` of every pair ``i < j`` of multichannel signals.

        One forward FFT per microphone, then one inverse FFT per pair; pairs run in
        parallel on the threads of the rayon pool (``RAYON_NUM_THREADS``), with the
        same answer for any number of threads, equal to :meth:`tdoa` on each pair.
        The GIL is released.

        Parameters
        ----------
        signals : ndarray, shape (n_mics, n_samples)
            One row per microphone, all starting at the same instant; float64,
            float32 or int16, ``n_mics >= 2``, ``2 <= n_samples <= frame_len``.
            C-contiguous arrays are read without a copy; others are copied once.
        max_delay_s : float or ndarray, shape (n_mics, n_mics), optional
            Bound on ``abs(delay_s)``, seconds: one number for every pair, or a
            symmetric array whose entry ``[i, j]`` bounds pair ``(i, j)`` (for
            example the distances between microphones over the speed of sound; the
            diagonal is not used). ``None`` searches every lag the frames allow.

        Returns
        -------
        PairwiseTdoa
            Pairs in the order ``(0, 1), (0, 2), ..., (0, n_mics - 1), (1, 2), ...``.

        Raises
        ------
        InvalidInputError
            ``signals`` not 2-D, of another dtype, with fewer than 2 rows or 2
            samples, or longer than ``frame_len``; NaN or infinite samples (naming
            the channel); ``max_delay_s`` negative, not finite, not symmetric, of
            the wrong shape, or wider than the frames allow.
        LocalizationError
            A silent or constant channel (naming it), or a pair without common
            energy in the band.
        """
    def correlation(
        self, x_i: _Signal, x_j: _Signal, max_delay_s: float | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The weighted correlation of two frames over the lag window, for plotting.

        The same computation as :meth:`tdoa`: the peak of ``values`` sits at the
        whole-sample lag nearest to the ``delay_s`` that :meth:`tdoa` reports (the
        highest ``abs(values)`` with ``polarity="either"``).

        Parameters
        ----------
        x_i, x_j : ndarray, shape (n_samples,)
            As for :meth:`tdoa`.
        max_delay_s : float, optional
            Bound on the lags shown, seconds. ``None`` shows every lag the frames
            allow, ``-(n_samples - 1)`` to ``n_samples - 1`` samples.

        Returns
        -------
        lags_s : ndarray, shape (n_lags,)
            Lags ``t_j - t_i`` in seconds, one per whole sample, increasing.
        values : ndarray, shape (n_lags,)
            Normalised correlation at each lag (1 for identical frames at lag 0).

        Raises
        ------
        InvalidInputError
            As for :meth:`tdoa`.
        LocalizationError
            As for :meth:`tdoa`.
        """

def gcc_phat(
    x_i: _Signal,
    x_j: _Signal,
    sample_rate: float,
    *,
    max_delay_s: float | None = None,
    weighting: str = "phat",
    band_hz: tuple[float, float] | None = None,
    refinement: str = "band-limited",
    n_peaks: int = 1,
    polarity: str = "positive",
    smoothing_bins: int = 4,
    ambiguity_threshold: float = 0.2,
) -> TdoaResult:
    """The delay ``t_j - t_i`` between two signals by generalised cross-correlation.

    Each thread keeps the estimator it planned last and reuses it while the length and
    settings stay the same (same answer as a fresh plan); :class:`GccPhat` holds its own
    plan explicitly. The GIL is released during the computation.

    Parameters
    ----------
    x_i, x_j : ndarray, shape (n_samples,)
        The two signals, starting at the same instant: float64, float32 or int16
        (int16 is widened exactly), equal lengths of at least 2 samples. Contiguous
        arrays are read without a copy; strided views are copied.
    sample_rate : float
        Sample rate, Hz.
    max_delay_s : float, optional
        Bound on ``abs(delay_s)``, seconds. ``None`` searches every lag.
    weighting, band_hz, refinement, n_peaks, polarity, smoothing_bins, ambiguity_threshold
        As for :class:`GccPhat`.

    Returns
    -------
    TdoaResult
        ``delay_s`` is positive when ``x_j`` hears the sound later.

    Raises
    ------
    InvalidInputError
        Wrong dtype, ndim or length, NaN or infinite samples, a bad parameter.
    LocalizationError
        A silent or constant signal, or no energy in the band.
    """

def gcc_phat_all_pairs(
    signals: _Signal,
    sample_rate: float,
    *,
    max_delay_s: _PairBounds = None,
    weighting: str = "phat",
    band_hz: tuple[float, float] | None = None,
    refinement: str = "band-limited",
    n_peaks: int = 1,
    polarity: str = "positive",
    smoothing_bins: int = 4,
    ambiguity_threshold: float = 0.2,
) -> PairwiseTdoa:
    """The delay ``t_j - t_i`` of every pair ``i < j`` of multichannel signals.

    Reuses the thread's last plan as :func:`gcc_phat` does (or hold one in
    :meth:`GccPhat.tdoa_all_pairs`), computes one forward FFT per microphone and one
    inverse FFT per pair, pairs in parallel. The GIL is released.

    Parameters
    ----------
    signals : ndarray, shape (n_mics, n_samples)
        One row per microphone, all starting at the same instant: float64, float32
        or int16 (widened exactly), ``n_mics >= 2``, ``n_samples >= 2``.
        C-contiguous arrays are read without a copy; others are copied once.
    sample_rate : float
        Sample rate, Hz.
    max_delay_s : float or ndarray, shape (n_mics, n_mics), optional
        As for :meth:`GccPhat.tdoa_all_pairs`.
    weighting, band_hz, refinement, n_peaks, polarity, smoothing_bins, ambiguity_threshold
        As for :class:`GccPhat`.

    Returns
    -------
    PairwiseTdoa
        Pairs in the order ``(0, 1), (0, 2), ..., (1, 2), ...``; ``delay_s`` is
        positive when microphone ``j`` hears the sound later.

    Raises
    ------
    InvalidInputError
        As for :meth:`GccPhat.tdoa_all_pairs`, and a bad parameter.
    LocalizationError
        A silent or constant channel (naming it), or a pair without common energy
        in the band.
    """

def gcc_correlation(
    x_i: _Signal,
    x_j: _Signal,
    sample_rate: float,
    *,
    max_delay_s: float | None = None,
    weighting: str = "phat",
    band_hz: tuple[float, float] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The weighted correlation of two signals over the lag window, for plotting.

    Its peak sits at the whole-sample lag nearest to the ``delay_s`` that
    :func:`gcc_phat` reports with the same arguments.

    Parameters
    ----------
    x_i, x_j : ndarray, shape (n_samples,)
        As for :func:`gcc_phat`.
    sample_rate : float
        Sample rate, Hz.
    max_delay_s : float, optional
        Bound on the lags shown, seconds; ``None`` shows every lag.
    weighting, band_hz
        As for :class:`GccPhat`.

    Returns
    -------
    lags_s : ndarray, shape (n_lags,)
        Lags ``t_j - t_i`` in seconds, one per whole sample, increasing.
    values : ndarray, shape (n_lags,)
        Normalised correlation at each lag (1 for identical frames at lag 0).

    Raises
    ------
    InvalidInputError
        Wrong dtype, ndim or length, NaN or infinite samples, a bad parameter.
    LocalizationError
        A silent or constant signal, or no energy in the band.

    Examples
    --------
    >>> import numpy as np, soundloc
    >>> source = np.random.default_rng(1).standard_normal(2048)
    >>> lags_s, values = soundloc.gcc_correlation(
    ...     source[5:2005], source[:2000], 16000.0, max_delay_s=0.002
    ... )
    >>> round(lags_s[np.argmax(values)] * 16000.0)
    5
    """

@final
class PairwiseTdoa:
    """The delays of every pair of microphones, ``t_j - t_i``.

    Pairs come in the order ``(0, 1), (0, 2), ..., (0, n_mics - 1), (1, 2), ...``
    (``m = n_mics * (n_mics - 1) / 2`` of them). The arrays are read-only views of
    the result (no copies); ``len(result)`` is ``m``.

    Attributes
    ----------
    n_mics : int
        Number of microphones.
    pairs : ndarray of int64, shape (m, 2)
        ``(i, j)`` of each pair, ``i < j``.
    delay_s : ndarray of float64, shape (m,)
        ``t_j - t_i`` of each pair, seconds.
    lag : ndarray of float64, shape (m,)
        The same delays in samples (fractional).
    peak : ndarray of float64, shape (m,)
        Normalised correlation at each pair's peak.
    confidence : ndarray of float64, shape (m,)
        ``1 - second_peak / first_peak`` of each pair, in [0, 1].
    ambiguous : ndarray of bool, shape (m,)
        ``confidence`` below ``ambiguity_threshold``.
    results : list of TdoaResult
        Each pair's full result, with its ``candidates`` (the ``n_peaks`` best
        peaks).
    """

    @property
    def n_mics(self) -> int: ...
    @property
    def pairs(self) -> npt.NDArray[np.int64]: ...
    @property
    def delay_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def lag(self) -> npt.NDArray[np.float64]: ...
    @property
    def peak(self) -> npt.NDArray[np.float64]: ...
    @property
    def confidence(self) -> npt.NDArray[np.float64]: ...
    @property
    def ambiguous(self) -> npt.NDArray[np.bool_]: ...
    @property
    def results(self) -> list[TdoaResult]: ...
    def __len__(self) -> int: ...
    def matrix(self) -> npt.NDArray[np.float64]:
        """The delays as a matrix ``D[i, j] = t_j - t_i``, seconds.

        Returns
        -------
        ndarray of float64, shape (n_mics, n_mics)
            Antisymmetric (``D[j, i] = -D[i, j]``) with a zero diagonal; a new
            array on each call.
        """

@final
class Solution:
    """A located source.

    Attributes
    ----------
    position : ndarray, shape (3,)
        Source position, metres (east, north, up).
    covariance : ndarray, shape (3, 3)
        Covariance of ``position``, m^2; inflated by the reduced chi-square when the
        fit is worse than ``delay_std_s`` explains. Symmetric positive semi-definite
        over its finite part. In 2-D the height is assumed, not measured: its variance
        is ``inf`` and its covariances zero. A direction the delays do not observe
        (information below 1e-12 of the best-observed direction's, as where noisy
        delays fit no point exactly) is reported the same way: every axis it leans
        along gets variance ``inf`` and zero covariances, never a huge finite number.
    position_std : ndarray, shape (3,)
        Square roots of the covariance diagonal, metres.
    residual_rms_s : float
        RMS of the delay residuals of the used measurements, seconds.
    used : list of int
        Microphones whose measurements contributed, increasing.
    rejected : list of int
        Microphones left out as inconsistent, in rejection order (for
        :func:`locate_signals`, also those silent or not confirmed by the other pairs).
    rejections : list of (int, float, float, float)
        For each rejected microphone: ``(mic, worst_residual_std,
        reduced_chi2_before, reduced_chi2_after)``.
    rejection_reasons : list of str
        Why each microphone of ``rejected`` was left out, in words, in the same order.
    ambiguous : list of ndarray, shape (3,)
        Other positions that fit as well (mirror images); empty when unique. The
        covariance then includes their spread about ``position``.
    iterations : int
        Levenberg-Marquardt iterations of the winning start.
    height_at_bound : bool
        The height sits on a bound of ``height_bounds``: the delays point beyond it,
        so the bound, not the data, set it.
    """

    @property
    def position(self) -> npt.NDArray[np.float64]: ...
    @property
    def covariance(self) -> npt.NDArray[np.float64]: ...
    @property
    def position_std(self) -> npt.NDArray[np.float64]: ...
    @property
    def residual_rms_s(self) -> float: ...
    @property
    def used(self) -> list[int]: ...
    @property
    def rejected(self) -> list[int]: ...
    @property
    def rejections(self) -> list[tuple[int, float, float, float]]: ...
    @property
    def rejection_reasons(self) -> list[str]: ...
    @property
    def ambiguous(self) -> list[npt.NDArray[np.float64]]: ...
    @property
    def iterations(self) -> int: ...
    @property
    def height_at_bound(self) -> bool: ...

def locate(
    mic_positions: _Table,
    tdoa_pairs: _Table,
    *,
    speed_of_sound: float = 343.2,
    dimension: int = 3,
    delay_std_s: float = 1e-5,
    height_bounds: tuple[float, float] | None = None,
    plane_height_m: float | None = None,
    reject_outliers: bool = True,
    outlier_threshold: float = 4.0,
    max_range_m: float | None = None,
) -> Solution:
    """Locates a source from time differences of arrival.

    Parameters
    ----------
    mic_positions : array_like, shape (n_mics, 3)
        Microphone positions, metres (east, north, up); any real dtype.
    tdoa_pairs : array_like, shape (m, 3)
        Rows ``(i, j, delay_s)`` with ``delay_s = t_j - t_i`` in seconds; ``i`` and
        ``j`` are whole-numbered microphone indices. An array or a list of tuples.
    speed_of_sound : float, default 343.2
        m/s (dry air at 20 degC); see :func:`speed_of_sound`.
    dimension : int, default 3
        3 solves ``(x, y, z)``; 2 solves ``(x, y)`` on the plane ``z = plane_height_m``.
    delay_std_s : float, default 1e-5
        Standard deviation of the error of each row's delay, seconds, at least 1e-15.
        It weights the fit and sets the covariance scale; the covariance is
        multiplied by the reduced chi-square when the residuals are larger than
        it explains, never scaled down. Rows are weighted as independent. When the
        errors come from each microphone's own timing error (std ``delay_std_s /
        sqrt(2)`` per microphone), rows over all pairs are correlated: ``m`` rows
        among ``n`` microphones hold only ``n - 1`` independent delays, so the
        covariance is multiplied by ``m / (n - 1)`` (``n / 2`` for all pairs), which
        makes it honest (in a simulation with per-microphone timing errors, 95.2 %
        of sources fell inside the 95 % region). Rows relative to one reference are
        taken as independent; with per-microphone timing errors they share the
        reference's error (correlation 0.5), and the covariance is somewhat too
        small (90.9 % inside the 95 % region in the same simulation). Give all
        pairs where the errors are per microphone.
    height_bounds : (float, float), optional
        ``(min_m, max_m)`` bounds on the source height, metres; only with
        ``dimension=3`` (with 2 the height is fixed and this raises
        :class:`InvalidInputError`).
    plane_height_m : float, optional
        Source height with ``dimension=2``, metres; default the mean height of the
        microphones. Only with ``dimension=2`` (with 3 the height is solved and this
        raises :class:`InvalidInputError`).
    reject_outliers : bool, default True
        Leave out microphones whose delays do not fit the others.
    outlier_threshold : float, default 4.0
        Normalised residual (in units of ``delay_std_s``) that marks an outlier.
    max_range_m : float, optional
        Farthest acceptable source from the microphones' centroid, metres; default 100
        times the largest distance between two microphones. Delays that fit no single
        source drive the fit beyond it and raise :class:`LocalizationError`.

    Returns
    -------
    Solution

    Raises
    ------
    InvalidInputError
        Wrong shapes or dtypes, a non-integer or out-of-range index, NaN values, a
        non-positive speed, a std below 1e-15 s, a pair of a microphone with itself,
        or an argument of the other dimension (``height_bounds`` with 2,
        ``plane_height_m`` with 3).
    LocalizationError
        Coincident or collinear/coplanar microphones, too few linked microphones,
        no convergence, or a source beyond ``max_range_m``.
    """

def locate_signals(
    signals: _Signal,
    mic_positions: _Table,
    sample_rate: float,
    *,
    speed_of_sound: float = 343.2,
    band_hz: tuple[float, float] | None = None,
    reference: int = 0,
    weighting: str = "phat",
    dimension: int = 3,
    height_bounds: tuple[float, float] | None = None,
    reject_outliers: bool = True,
) -> Solution:
    """Locates a source from synchronised multichannel signals.

    Measures GCC delays over every pair of microphones, keeps the set of correlation
    peaks that is consistent around every triangle of microphones (a microphone whose
    delays the others do not confirm is rejected), then solves as :func:`locate`.

    Parameters
    ----------
    signals : ndarray, shape (n_mics, n_samples)
        One row per microphone, all starting at the same instant; float64, float32 or
        int16 (widened to float64 exactly).
    mic_positions : array_like, shape (n_mics, 3)
        Microphone positions, metres (east, north, up).
    sample_rate : float
        Hz.
    speed_of_sound : float, default 343.2
        m/s.
    band_hz : (float, float), optional
        Frequency band ``(low, high)`` in Hz to correlate; default the whole band.
    reference : int, default 0
        The microphone whose delays to the others are searched first.
    weighting : str, default "phat"
        GCC weighting, as in :func:`gcc_phat`.
    dimension : int, default 3
        2 or 3, as in :func:`locate`.
    height_bounds : (float, float), optional
        ``(min_m, max_m)`` bounds on the source height, metres; only with
        ``dimension=3`` (with 2 this raises :class:`InvalidInputError`).
    reject_outliers : bool, default True
        Leave out microphones whose delays do not fit the others.

    Returns
    -------
    Solution
        ``rejected`` lists microphones left out by the consistency check and by the
        solver.

    Raises
    ------
    InvalidInputError
        Wrong shapes or dtypes, NaN samples, a band beyond Nyquist, a bad reference.
    LocalizationError
        A silent channel, too few consistent delays, degenerate geometry.
    """

@final
class Localizer:
    """A frame-by-frame localiser for a fixed array of microphones.

    Keeps the geometry and the planned GCC between frames; each frame is located as
    :func:`locate_signals` locates a whole signal (GCC over every pair within its
    physical lag limit, delays consistent around every triangle of microphones, then
    :func:`locate`), and gives exactly its answer. One object serialises its calls
    (a lock); the GIL is released during :meth:`process`.

    Parameters
    ----------
    mic_positions : array_like, shape (n_mics, 3)
        Microphone positions, metres (east, north, up); ``n_mics >= 2``.
    frame_len : int
        Longest frame accepted, samples (at least 2).
    sample_rate : float
        Hz.
    speed_of_sound : float, default 343.2
        m/s.
    band_hz : (float, float), optional
        Frequency band ``(low, high)`` in Hz to correlate; default the whole band.
    weighting : str, default "phat"
        GCC weighting, as in :func:`gcc_phat`.
    dimension : int, default 3
        2 or 3, as in :func:`locate`.
    height_bounds : (float, float), optional
        ``(min_m, max_m)`` bounds on the source height, metres; only with
        ``dimension=3`` (with 2 this raises :class:`InvalidInputError`).
    reject_outliers : bool, default True
        Leave out microphones whose delays do not fit the others.

    Raises
    ------
    InvalidInputError
        Wrong shape of ``mic_positions``, NaN positions, a bad ``frame_len``,
        ``sample_rate``, ``speed_of_sound``, band, weighting or dimension.
    """

    def __new__(
        cls,
        mic_positions: _Table,
        frame_len: int,
        sample_rate: float,
        *,
        speed_of_sound: float = 343.2,
        band_hz: tuple[float, float] | None = None,
        weighting: str = "phat",
        dimension: int = 3,
        height_bounds: tuple[float, float] | None = None,
        reject_outliers: bool = True,
    ) -> Localizer: ...
    @property
    def n_mics(self) -> int:
        """Number of microphones."""
    @property
    def frame_len(self) -> int:
        """Longest frame accepted, samples."""
    @property
    def sample_rate(self) -> float:
        """Sample rate, Hz."""
    def process(self, frame: _Signal) -> Solution:
        """Locates the source of one frame.

        Parameters
        ----------
        frame : ndarray, shape (n_mics, n_samples)
            One row per microphone, all starting at the same instant; float64,
            float32 or int16, ``2 <= n_samples <= frame_len``. C-contiguous float64
            frames are read without a copy.

        Returns
        -------
        Solution
            As :func:`locate_signals` gives for the same frame with ``reference=0``.

        Raises
        ------
        InvalidInputError
            Wrong shape or dtype, NaN samples, microphones further apart than the
            frame can show.
        LocalizationError
            A silent channel, too few consistent delays, degenerate geometry.
        """

def speed_of_sound(temperature_c: float, humidity_percent: float = 0.0) -> float:
    """Speed of sound in air, m/s, at sea-level pressure.

    Parameters
    ----------
    temperature_c : float
        Air temperature, degrees Celsius, in [-70, 70].
    humidity_percent : float, default 0.0
        Relative humidity, percent, in [0, 100].

    Raises
    ------
    InvalidInputError
        A temperature or humidity outside its range.
    """

_Complex: TypeAlias = npt.NDArray[np.complex128] | npt.NDArray[np.complex64]

@final
class SearchGrid:
    """Candidate directions (far field) or positions (near field) for a steered method.

    Build one with a static constructor. Directions are unit vectors towards the
    source (azimuth counter-clockwise from +x, colatitude from +z); positions are
    metres in the array's frame.
    """

    @staticmethod
    def sphere(subdivisions: int) -> SearchGrid:
        """Directions over the sphere from an icosahedron subdivided ``subdivisions``
        times: ``10 * 4**n + 2`` points (642 for 3, 2562 for 4), at most 8."""
    @staticmethod
    def hemisphere(subdivisions: int) -> SearchGrid:
        """The sphere's directions with colatitude at most 90 degrees (for planar
        arrays, which cannot tell the two sides of their plane apart)."""
    @staticmethod
    def horizon(n_azimuths: int) -> SearchGrid:
        """``n_azimuths`` (at least 3) directions on the horizon, the first on +x."""
    @staticmethod
    def plane(
        x_m: tuple[float, float], y_m: tuple[float, float], z_m: float, step_m: float
    ) -> SearchGrid:
        """Positions on a square lattice of ``step_m`` at height ``z_m``, metres."""
    @staticmethod
    def volume(
        x_m: tuple[float, float],
        y_m: tuple[float, float],
        z_m: tuple[float, float],
        step_m: float,
    ) -> SearchGrid:
        """Positions on a cubic lattice of ``step_m`` filling a box, metres."""
    @property
    def points(self) -> npt.NDArray[np.float64]:
        """``(n_points, 3)``: unit vectors (far field) or positions in metres."""
    @property
    def field(self) -> str:
        """``"far"`` (directions) or ``"near"`` (positions)."""
    @property
    def spacing(self) -> float:
        """Typical spacing of neighbours: radians (far field) or metres."""
    def __len__(self) -> int: ...

@final
class SourceEstimate:
    """A direction (far-field grid) or a position (near-field grid) found by a method.

    Attributes
    ----------
    azimuth, colatitude : float or None
        Radians, for a direction; ``None`` for a position.
    position : (float, float, float) or None
        Metres in the array's frame, for a position.
    power : float
        The method's score (comparable within one call, not between methods).
    std_rad : float or None
        Angular standard deviation, radians, where the method gives one.
    ambiguity : str
        ``"none"``, ``"mirror"`` (planar array: the reflection across its plane fits
        as well) or ``"cone"`` (linear array: any direction at ``cone_half_angle``
        from its axis fits).
    mirror : (float, float) or None
        The mirror image ``(azimuth, colatitude)`` for a planar array. Of the two, the
        estimate is always the one on the side of the plane's normal: above the plane
        (colatitude at most pi/2) for a horizontal array; for a vertical plane, the
        ``+x`` side (``+y`` for the ``xz`` plane itself).
    cone_half_angle : float or None
        Radians, for a linear array.
    """

    @property
    def azimuth(self) -> float | None: ...
    @property
    def colatitude(self) -> float | None: ...
    @property
    def position(self) -> tuple[float, float, float] | None: ...
    @property
    def power(self) -> float: ...
    @property
    def std_rad(self) -> float | None: ...
    @property
    def ambiguity(self) -> str: ...
    @property
    def mirror(self) -> tuple[float, float] | None: ...
    @property
    def cone_half_angle(self) -> float | None: ...

@final
class DelayDirection:
    """A direction fitted to pair delays.

    Attributes
    ----------
    estimate : SourceEstimate
        The direction; ``power`` is the fraction of delays used, ``std_rad`` the
        angular sigma.
    covariance_rad2 : list of list of float, shape (2, 2)
        Covariance of the angular error, radians squared, in ``tangent_axes``.
    tangent_axes : list of list of float, shape (2, 3)
        Two unit vectors tangent to the sphere at the estimate.
    residual_rms_s : float
        RMS delay residual over the delays used, seconds.
    used : int
        Number of delays used.
    rejected : list of (int, int, int, str, str)
        ``(row, i, j, kind, reason)`` per delay left out; kind is ``"impossible"`` or
        ``"outlier"``.
    """

    @property
    def estimate(self) -> SourceEstimate: ...
    @property
    def covariance_rad2(self) -> list[list[float]]: ...
    @property
    def tangent_axes(self) -> list[list[float]]: ...
    @property
    def residual_rms_s(self) -> float: ...
    @property
    def used(self) -> int: ...
    @property
    def rejected(self) -> list[tuple[int, int, int, str, str]]: ...

def direction_from_delays(
    mic_positions: _Table,
    tdoa_pairs: _Table,
    *,
    speed_of_sound: float = 343.2,
    delay_std_s: float = 1e-5,
    reject_sigmas: float = 4.0,
) -> DelayDirection:
    """The direction of a distant source from pair delays, robust to wrong delays.

    Parameters
    ----------
    mic_positions : array_like, shape (n_mics, 3)
        Capsule positions, metres.
    tdoa_pairs : array_like, shape (m, 3)
        Rows ``(i, j, delay_s)`` with ``delay_s = t_j - t_i``, seconds.
    speed_of_sound : float, default 343.2
        m/s.
    delay_std_s : float, default 1e-5
        Standard deviation of each delay, seconds.
    reject_sigmas : float, default 4.0
        Delays further than this many robust standard deviations from the fit are
        left out (and reported).

    Raises
    ------
    InvalidInputError
        Bad shapes or values, an index out of range, coincident microphones.
    LocalizationError
        Too few usable delays for the array's dimensions.
    """

def stft(
    signals: _Signal,
    fft_len: int,
    hop: int,
) -> npt.NDArray[np.complex128]:
    """Hann-windowed spectra of every complete frame, ``(n_mics, fft_len // 2 + 1,
    n_frames)``: the layout pyroomacoustics' ``locate_sources`` takes.

    Parameters
    ----------
    signals : ndarray, shape (n_mics, n_samples)
        float64, float32 or int16; int16 is taken as raw counts (not scaled), which
        the phase transform does not mind.
    fft_len : int
        Samples per frame (at least 2).
    hop : int
        Samples between frame starts (at least 1).
    """

@final
class SrpPhat:
    """SRP-PHAT (DiBiase 2000) over a search grid, frame by frame or over many frames.

    Plans, tables and buffers are kept between calls. Peaks are refined off the grid
    with the exact steered power. The GIL is released during processing.

    Parameters
    ----------
    mic_positions : array_like, shape (n_mics, 3)
        Capsule positions, metres (at least 2, no two at one place).
    grid : SearchGrid
    sample_rate : float
        Hz.
    fft_len : int, default 512
        Samples per frame.
    freq_range_hz : (float, float), optional
        Band scored, within 0 to Nyquist; default 300 Hz to 4 kHz (or Nyquist).
    n_sources : int, default 1
        How many sources to report: distinct peaks of the exact steered power, never
        one twice (a shoulder of a peak, or a peak refined onto a stronger one, gives
        way to the next distinct peak); fewer only when no other peak exists. For a
        planar array a peak and its mirror image are one source.
    min_separation : float, optional
        Least separation of reported sources, after refinement too: radians or
        metres, as the grid; default five grid spacings.
    refine : bool, default True
        Refine each peak off the grid. Without it, sources are grid points and
        ``power`` is the exact steered power there.
    speed_of_sound : float, default 343.2
        m/s (dry air at 20 degC).

    Raises
    ------
    InvalidInputError
        For any bad parameter or array.
    """

    def __new__(
        cls,
        mic_positions: _Table,
        grid: SearchGrid,
        *,
        sample_rate: float,
        fft_len: int = 512,
        freq_range_hz: tuple[float, float] | None = None,
        n_sources: int = 1,
        min_separation: float | None = None,
        refine: bool = True,
        speed_of_sound: float = 343.2,
    ) -> SrpPhat: ...
    def process_frame(self, frame: _Signal) -> list[SourceEstimate]:
        """Sources in one frame ``(n_mics, fft_len)``; raises ``LocalizationError`` for
        a silent frame."""
    def process_spectra(self, spectra: _Complex) -> list[SourceEstimate]:
        """Sources in spectra ``(n_mics, fft_len // 2 + 1, n_frames)`` (the maps of all
        frames are summed)."""
    @property
    def map(self) -> npt.NDArray[np.float64]:
        """The last steered-power map, one value per grid point."""

@final
class Music:
    """Broadband incoherent MUSIC (Schmidt 1986), or NormMUSIC (each frequency's
    pseudo-spectrum normalised before summing), over a search grid.

    Parameters
    ----------
    mic_positions : array_like, shape (n_mics, 3)
        Capsule positions, metres.
    grid : SearchGrid
    sample_rate : float
        Hz.
    fft_len : int, default 512
    freq_range_hz : (float, float), optional
        Band scored, within 0 to Nyquist; default 300 Hz to 4 kHz (or Nyquist).
    n_sources : int, default 1
        At most ``n_mics - 1`` (MUSIC needs a noise subspace). Distinct peaks, found
        as :class:`SrpPhat` finds them: never one twice, fewer only when no other
        peak exists.
    min_separation : float, optional
        Radians or metres, as the grid, after refinement too; default 10 degrees or
        10 cm.
    refine : bool, default True
        Refine each peak off the grid.
    normalise : bool, default True
        NormMUSIC when true, plain MUSIC when false.
    speed_of_sound : float, default 343.2
        m/s (dry air at 20 degC).
    forgetting_factor : float, default 0.95
        Weight of the past in :meth:`push_frame`'s running covariances.
    """

    def __new__(
        cls,
        mic_positions: _Table,
        grid: SearchGrid,
        *,
        sample_rate: float,
        fft_len: int = 512,
        freq_range_hz: tuple[float, float] | None = None,
        n_sources: int = 1,
        min_separation: float | None = None,
        refine: bool = True,
        normalise: bool = True,
        speed_of_sound: float = 343.2,
        forgetting_factor: float = 0.95,
    ) -> Music: ...
    def process_spectra(self, spectra: _Complex) -> list[SourceEstimate]:
        """Sources in spectra ``(n_mics, fft_len // 2 + 1, n_frames)``."""
    def process_signals(self, signals: _Signal, hop: int) -> list[SourceEstimate]:
        """Sources in signals ``(n_mics, n_samples)``, framed every ``hop`` samples."""
    def push_frame(self, frame: _Signal) -> list[SourceEstimate]:
        """Adds one frame ``(n_mics, fft_len)`` to the running covariances and returns
        the current sources."""
    def reset(self) -> None:
        """Forgets the running covariances."""
    @property
    def map(self) -> npt.NDArray[np.float64]:
        """The last pseudo-spectrum, one value per grid point."""

@final
class EventWindow:
    """An annotated window of a scene's recordings (``[[events]]``).

    Attributes
    ----------
    label : str or None
        The event's label (a species code, for example), if the scene gives one.
    start_s, end_s : float
        The window, seconds from the start of the recordings.
    band_hz : (float, float) or None
        The event's frequency band ``(low, high)``, Hz, if given.
    sensors : list of str
        Ids of the sensors to use, the reference first (all sensors by default).
    """

    @property
    def label(self) -> str | None: ...
    @property
    def start_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def band_hz(self) -> tuple[float, float] | None: ...
    @property
    def sensors(self) -> list[str]: ...

@final
class ErrorEllipse:
    """A confidence ellipse around a horizontal position, metres.

    For a Gaussian error with horizontal (east, north) covariance ``C``, the ellipse
    ``d^T C^-1 d <= k^2`` with ``k^2 = -2 ln(1 - confidence)`` (the chi-square
    quantile with 2 degrees of freedom, 5.991 for 0.95) holds the source with
    probability ``confidence``. Its semi-axes are ``k`` times the square roots of the
    eigenvalues of ``C``.

    Attributes
    ----------
    semi_major_m, semi_minor_m : float
        Half the long and short axes, metres.
    orientation_rad : float
        Angle of the long axis, radians counter-clockwise from east (+x), in
        ``(-pi/2, pi/2]``.
    confidence : float
        Probability that the ellipse holds the source.
    """

    @property
    def semi_major_m(self) -> float: ...
    @property
    def semi_minor_m(self) -> float: ...
    @property
    def orientation_rad(self) -> float: ...
    @property
    def confidence(self) -> float: ...
    def boundary(self, n: int = 64) -> npt.NDArray[np.float64]:
        """``n`` points on the boundary, counter-clockwise, the first not repeated.

        Returns
        -------
        ndarray, shape (n, 2)
            East and north offsets from the centre, metres.

        Raises
        ------
        InvalidInputError
            ``n`` below 1 or above 1 000 000 (a mistyped count).
        """
    def contains(self, offset: npt.ArrayLike) -> bool:
        """Whether ``offset``, shape (2,), east and north metres from the centre,
        lies inside (the boundary included).

        Raises
        ------
        InvalidInputError
            ``offset`` not 2 real numbers.
        """

def error_ellipse(covariance: npt.ArrayLike, confidence: float = 0.95) -> ErrorEllipse:
    """The ellipse holding a horizontal position with probability ``confidence``.

    Parameters
    ----------
    covariance : array_like, shape (2, 2)
        Covariance of (east, north), square metres: finite, symmetric, positive
        semi-definite. For a 3-D covariance pass ``cov[:2, :2]``.
    confidence : float, default 0.95
        In (0, 1).

    Returns
    -------
    ErrorEllipse

    Raises
    ------
    InvalidInputError
        A covariance of another shape, not finite, not symmetric or with a negative
        variance; a confidence outside (0, 1).
    """

@final
class EventEstimate:
    """One annotated event of a scene, located, or the reason it could not be.

    A failed event has ``error`` set and ``position``, ``local``, ``position_std``,
    ``covariance``, ``residual_rms_s`` and the geodetic fields None (as ``soundloc
    locate --format json`` writes null).

    Attributes
    ----------
    label : str or None
        The event's label, if the scene gives one.
    start_s, end_s : float
        The annotated window, seconds.
    position : ndarray, shape (3,), or None
        Position in the scene's coordinate system (local metres, UTM easting,
        northing and elevation, or latitude, longitude in degrees and altitude).
    local : ndarray, shape (3,), or None
        Position in the scene's local frame, metres east, north, up.
    position_std : ndarray, shape (3,), or None
        Standard deviation east, north, up, metres; ``inf`` for a direction the
        sensors cannot observe.
    covariance : ndarray, shape (3, 3), or None
        Covariance of ``local``, square metres (east, north, up).
    latitude, longitude : float or None
        WGS84 degrees; None for a local scene without ``origin`` or a failed event.
    altitude : float or None
        Height above the WGS84 ellipsoid, metres.
    residual_rms_s : float or None
        RMS of the delay residuals of the sensors used, seconds.
    used : list of str
        Ids of the sensors whose delays were used.
    rejected : list of (str, str)
        ``(sensor id, reason)`` for each sensor left out (silent, no correlation
        above noise, delays the others contradict).
    ambiguous : list of ndarray, shape (3,)
        Other positions, scene coordinates, that explain the delays as well.
    height_at_bound : bool
        The height sits on a bound of the scene's ``[solver]`` heights.
    error : str or None
        Why the event could not be located; None when it was.
    """

    @property
    def label(self) -> str | None: ...
    @property
    def start_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def position(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def local(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def position_std(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def covariance(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...
    @property
    def altitude(self) -> float | None: ...
    @property
    def residual_rms_s(self) -> float | None: ...
    @property
    def used(self) -> list[str]: ...
    @property
    def rejected(self) -> list[tuple[str, str]]: ...
    @property
    def ambiguous(self) -> list[npt.NDArray[np.float64]]: ...
    @property
    def height_at_bound(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    def ellipse(self, confidence: float = 0.95) -> ErrorEllipse:
        """The horizontal error ellipse, from the east-north block of ``covariance``.

        Raises
        ------
        InvalidInputError
            A confidence outside (0, 1).
        LocalizationError
            The event was not located, or its horizontal uncertainty is unbounded.
        """

@final
class Onset:
    """One impulsive onset heard by one sensor, with its features.

    Attributes
    ----------
    sensor : int
        The sensor's index (as given to the detector, or in the scene).
    sample_index : int
        Index of the onset's first sample in the sensor's recording.
    time_s : float
        Onset time from the start of the sensor's recording, seconds (on the
        sensor's own clock).
    level_dbfs : float
        Highest band level of a frame within 50 ms after the onset, dB relative to a
        full-scale square wave (mean square 1).
    noise_floor_dbfs : float
        The noise floor the onset was judged against, dB of full scale.
    snr_db : float
        ``level_dbfs - noise_floor_dbfs``, dB.
    crest_factor : float
        Peak over RMS of the band-passed signal within 50 ms after the onset (1 for a
        square wave, about 1.4 for a sine, higher for impulses).
    band_levels_db : ndarray, shape (5,)
        Levels in the octave bands of ``band_centres_hz`` after the onset, dB of full
        scale.
    band_centres_hz : ndarray, shape (5,)
        250, 500, 1000, 2000 and 4000 Hz.
    """

    @property
    def sensor(self) -> int: ...
    @property
    def sample_index(self) -> int: ...
    @property
    def time_s(self) -> float: ...
    @property
    def level_dbfs(self) -> float: ...
    @property
    def noise_floor_dbfs(self) -> float: ...
    @property
    def snr_db(self) -> float: ...
    @property
    def crest_factor(self) -> float: ...
    @property
    def band_levels_db(self) -> npt.NDArray[np.float64]: ...
    @property
    def band_centres_hz(self) -> npt.NDArray[np.float64]: ...

def detect_onsets(
    signal: _Signal,
    sample_rate: float,
    *,
    threshold_db: float | None = None,
    sensor: int = 0,
) -> list[Onset]:
    """Finds the impulsive onsets in one sensor's signal (band energy, 500 Hz to
    8 kHz, in 5 ms frames, against a running-median noise floor).

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        float64 or float32 with full scale 1, or int16 PCM (divided by 32768, as the
        WAV reader does), so that levels are in dB of full scale. Any length.
    sample_rate : float
        Hz, at least 12000.
    threshold_db : float, optional
        Rise of a frame's level above the noise floor that makes an onset, dB;
        default 12. Must exceed the re-arm drop of 3 dB.
    sensor : int, default 0
        Written into each onset's ``sensor``.

    Returns
    -------
    list of Onset
        In time order. The same as pushing the signal into an :class:`OnsetDetector`
        in blocks of any size and finishing it.

    Raises
    ------
    InvalidInputError
        Another dtype or shape, a sample rate below 12 kHz, a threshold that is not
        positive or not above 3 dB, a negative sensor, NaN or infinite samples.
    """

@final
class OnsetDetector:
    """A streaming onset detector for one sensor: :meth:`push` blocks of any size,
    then :meth:`finish` once. The onsets do not depend on how the signal is cut.

    An onset is reported about 50 ms after it happened (0.5 s at the start of the
    signal, while the first noise floor settles). One object serialises its calls
    (a lock); the GIL is released while it works.

    Parameters
    ----------
    sample_rate : float
        Hz, at least 12000.
    sensor : int, default 0
        Written into each onset's ``sensor``.
    threshold_db : float, optional
        As in :func:`detect_onsets`; default 12 dB.

    Attributes
    ----------
    sample_rate : float
        Hz.
    sensor : int
    frame_len : int
        Samples per frame of the detection function (5 ms).

    Raises
    ------
    InvalidInputError
        As in :func:`detect_onsets`.
    """

    def __new__(
        cls,
        sample_rate: float,
        *,
        sensor: int = 0,
        threshold_db: float | None = None,
    ) -> OnsetDetector: ...
    @property
    def sample_rate(self) -> float: ...
    @property
    def sensor(self) -> int: ...
    @property
    def frame_len(self) -> int: ...
    def push(self, samples: _Signal) -> list[Onset]:
        """Feeds the next block, shape (n,), dtypes as in :func:`detect_onsets`, any
        length; returns the onsets whose features it completed.

        Raises
        ------
        InvalidInputError
            A bad block, NaN or infinite samples (the frame is then treated as
            silent, and later blocks work), or a finished detector.
        """
    def finish(self) -> list[Onset]:
        """Ends the signal and returns the onsets still pending; the detector is then
        spent (``push`` and ``finish`` raise :class:`InvalidInputError`)."""

@final
class Candidate:
    """A candidate event from :func:`associate`: onsets of several sensors that one
    source position and emission time explain.

    Attributes
    ----------
    onsets : list of (int, int)
        ``(sensor, k)`` for each onset, ``onsets_per_sensor[sensor][k]``, in time
        order; one per sensor.
    sensors : list of int
        The sensors of ``onsets``, in the same order.
    position : ndarray, shape (3,)
        The grid cell that explains them, metres in the frame of ``positions``: a
        coarse position (cell size ``cell_m``), a start for finer localisation.
    emission_s : float
        The emission time that position implies, seconds.
    arrivals_s : ndarray, shape (n_sensors,)
        The predicted arrival at every sensor, with an onset or not, seconds.
    tolerance_s : float
        How far a true arrival may lie from its prediction, seconds.
    """

    @property
    def onsets(self) -> list[tuple[int, int]]: ...
    @property
    def sensors(self) -> list[int]: ...
    @property
    def position(self) -> npt.NDArray[np.float64]: ...
    @property
    def emission_s(self) -> float: ...
    @property
    def arrivals_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def tolerance_s(self) -> float: ...

def associate(
    onsets_per_sensor: Sequence[Sequence[Onset | float]],
    positions: _Table,
    *,
    speed_of_sound: float = 343.2,
    min_sensors: int = 4,
    cell_m: float = 10.0,
    margin_m: float = 100.0,
    onset_tolerance_s: float = 0.015,
    height_m: float | None = None,
) -> list[Candidate]:
    """Groups onsets heard at different sensors into candidate events.

    A grid search over horizontal positions (coarse cells, then fine ones around the
    best) finds, for each seed onset, the source position and emission time that
    explain the most sensors' onsets within the timing tolerance.

    Parameters
    ----------
    onsets_per_sensor : sequence of sequences of Onset or float
        Item ``k`` holds sensor ``k``'s onsets: :class:`Onset` objects (their
        ``time_s`` is used, their ``sensor`` ignored) or times in seconds. Times are
        true times: remove each sensor's clock offset first.
    positions : array_like, shape (n_sensors, 3)
        Sensor positions, metres east, north, up.
    speed_of_sound : float, default 343.2
        m/s.
    min_sensors : int, default 4
        The fewest sensors whose onsets must fit one source, at least 2.
    cell_m : float, default 10.0
        Grid cell size, metres.
    margin_m : float, default 100.0
        How far outside the sensors' bounding box a source may be, metres.
    onset_tolerance_s : float, default 0.015
        Timing error of an onset, seconds.
    height_m : float, optional
        Height of the grid, metres; default the sensors' mean height.

    Returns
    -------
    list of Candidate
        In the order found (by seed time); each onset in at most one candidate.

    Raises
    ------
    InvalidInputError
        A ``onsets_per_sensor`` without one sequence per sensor, an item that is
        neither an Onset nor a number, non-finite times, bad settings, or sensors
        spread over too large an area for the grid.
    """

@final
class DetectedEvent:
    """An event found and located in continuous recordings.

    Attributes
    ----------
    time_s : float
        Emission time, seconds from the start of the recordings (true time): the
        median over the sensors used of onset minus travel time.
    position : ndarray, shape (3,)
        Position in the scene's coordinate system.
    local : ndarray, shape (3,)
        Position in the local frame, metres east, north, up.
    latitude, longitude : float or None
        WGS84 degrees, when the scene is geo-referenced.
    altitude : float or None
        Height above the WGS84 ellipsoid, metres.
    position_std : ndarray, shape (3,)
        Standard deviations east, north, up, metres (``inf`` where unobservable).
    covariance : ndarray, shape (3, 3)
        Covariance of ``local``, square metres.
    ellipse : ErrorEllipse or None
        The 95 % horizontal error ellipse; None when the horizontal uncertainty is
        unbounded. Other confidences: ``error_ellipse(covariance[:2, :2], p)``.
    residual_rms_s : float
        RMS of the delay residuals, seconds.
    used : list of str
        Ids of the sensors the position rests on.
    rejected : list of (str, str)
        ``(sensor id, reason)`` for each sensor left out (a late, non-line-of-sight
        arrival, a recording that does not cover the event).
    height_at_bound : bool
        The height hit a bound of the scene's ``[solver]`` heights.
    impulses : int
        Impulses located at this place within 3 s, this one included (glass breaking
        in several impacts counts once).
    onsets : list of Onset
        The onsets that triggered the event; ``sensor`` indexes the scene's sensors.
    """

    @property
    def time_s(self) -> float: ...
    @property
    def position(self) -> npt.NDArray[np.float64]: ...
    @property
    def local(self) -> npt.NDArray[np.float64]: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...
    @property
    def altitude(self) -> float | None: ...
    @property
    def position_std(self) -> npt.NDArray[np.float64]: ...
    @property
    def covariance(self) -> npt.NDArray[np.float64]: ...
    @property
    def ellipse(self) -> ErrorEllipse | None: ...
    @property
    def residual_rms_s(self) -> float: ...
    @property
    def used(self) -> list[str]: ...
    @property
    def rejected(self) -> list[tuple[str, str]]: ...
    @property
    def height_at_bound(self) -> bool: ...
    @property
    def impulses(self) -> int: ...
    @property
    def onsets(self) -> list[Onset]: ...

@final
class UnlocatedEvent:
    """A candidate that association found but localisation could not place.

    Attributes
    ----------
    time_s : float
        The emission time association estimated, seconds.
    sensors : list of str
        Ids of the sensors whose onsets formed it.
    reason : str
        Why it could not be located.
    """

    @property
    def time_s(self) -> float: ...
    @property
    def sensors(self) -> list[str]: ...
    @property
    def reason(self) -> str: ...

@final
class SensorOutage:
    """A stretch in which one sensor recorded nothing usable.

    A sensor is out while it holds one value for at least 0.25 s (digital silence or a
    stuck converter: a live microphone never does), or after its file has ended when the
    other sensors' files go on. It is left out of the events that reach it then, and
    named among their ``rejected`` sensors with the outage as the reason.

    Attributes
    ----------
    sensor : str
        The sensor's id.
    start_s, end_s : float
        The stretch, seconds from the start of the recordings (true time: the sensor's
        clock offset removed).
    kind : str
        ``"flat"`` (one value held throughout) or ``"ended"`` (its file had ended).
    value : float or None
        The value held, for a flat outage; ``None`` for an ended file.
    reason : str
        The outage in words.
    """

    @property
    def sensor(self) -> str: ...
    @property
    def start_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def reason(self) -> str: ...

@final
class Detection:
    """What :meth:`Scene.detect_events` found.

    Attributes
    ----------
    events : list of DetectedEvent
        Located events, in time order.
    unlocated : list of UnlocatedEvent
        Candidates that could not be located, with the reason.
    outages : list of SensorOutage
        When each sensor recorded nothing usable, by sensor and then time.
    onsets_per_sensor : list of int
        Onsets found per sensor, in the scene's sensor order.
    onsets : list of Onset
        Every onset found, sensor by sensor, in time order within each sensor.
    duration_s : float
        Length of the longest recording, seconds.
    sensor_ids : list of str
        The scene's sensor ids; ``Onset.sensor`` indexes them.

    Notes
    -----
    GeoJSON is written by the command-line tool (``soundloc detect --format
    geojson``), not by the library, so there is no ``to_geojson`` here.
    """

    @property
    def events(self) -> list[DetectedEvent]: ...
    @property
    def unlocated(self) -> list[UnlocatedEvent]: ...
    @property
    def outages(self) -> list[SensorOutage]: ...
    @property
    def onsets_per_sensor(self) -> list[int]: ...
    @property
    def onsets(self) -> list[Onset]: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def sensor_ids(self) -> list[str]: ...

@final
class Scene:
    """One deployment, read from a scene file (TOML; format in the README): sensors
    and their recordings, the air, the coordinate system and the annotated events.

    Make one with :meth:`from_file`. The recordings are read on first use (by
    :meth:`signals`, :meth:`locate_events` or :meth:`locate_event`) and kept.

    Attributes
    ----------
    path : str
        The scene file, as given.
    name : str or None
        The deployment's name, if the file gives one.
    sensor_ids : list of str
        Sensor ids, in file order.
    positions : ndarray, shape (n_sensors, 3)
        Sensor positions in the scene's coordinate system, as written.
    local_positions : ndarray, shape (n_sensors, 3)
        Sensor positions in the local frame the solver works in, metres east, north,
        up (centred on the sensors for UTM and WGS84 scenes).
    coordinate_system : str
        ``"local"``, ``"utm <zone><N|S>"`` (for example ``"utm 12N"``) or ``"wgs84"``.
    origin : (float, float, float) or None
        Where the local frame's ``[0, 0, 0]`` is: ``(lat_deg, lon_deg, alt_m)``;
        None for a local scene without ``origin``.
    clock_offsets_s : ndarray, shape (n_sensors,)
        Each sensor's clock minus true time, seconds (``clock_offset_s`` in the file,
        0 where not given): a sound reaching the sensor at true time ``t`` sits at
        ``t + clock_offsets_s[k]`` in its recording. Windows and detected times are
        in true time; the offsets are removed before delays are measured.
    speed_of_sound : float
        m/s, as given or computed from the air temperature and humidity.
    events : list of EventWindow
        The annotated windows, in file order.
    """

    @staticmethod
    def from_file(path: str | bytes | os.PathLike[str]) -> Scene:
        """Reads and checks a scene file. Relative audio paths are resolved against
        the file's folder; the audio files must exist.

        Raises
        ------
        DataFileError
            The file is missing or cannot be read (the message names it).
        InvalidInputError
            TOML syntax, an unknown or missing key, a bad value (the message names
            the file, the field such as ``sensors[3].position``, what was expected
            and what arrived, with the line and column where known).
        """
    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def sensor_ids(self) -> list[str]: ...
    @property
    def positions(self) -> npt.NDArray[np.float64]: ...
    @property
    def local_positions(self) -> npt.NDArray[np.float64]: ...
    @property
    def coordinate_system(self) -> str: ...
    @property
    def origin(self) -> tuple[float, float, float] | None: ...
    @property
    def clock_offsets_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def speed_of_sound(self) -> float: ...
    @property
    def events(self) -> list[EventWindow]: ...
    def signals(
        self, start_s: float | None = None, end_s: float | None = None
    ) -> tuple[npt.NDArray[np.float64], float]:
        """The recordings, for looking at or plotting.

        Parameters
        ----------
        start_s, end_s : float, optional
            The window, seconds from the start of the recordings; default the whole
            of the shortest recording. Clock offsets are not applied.

        Returns
        -------
        signals : ndarray, shape (n_sensors, n_samples)
            One row per sensor in :attr:`sensor_ids` order, its channel of its file
            (the scene's channel mapping applied), full scale 1.
        sample_rate : float
            Hz.

        Raises
        ------
        DataFileError
            A recording that cannot be read, lacks the sensor's channel or has
            another sample rate.
        InvalidInputError
            A window outside the recordings, or ending before it starts.
        """
    def locate_events(self, *, weighting: str = "phat") -> list[EventEstimate]:
        """Locates every annotated event: the main job, exactly as ``soundloc locate``
        (the same library calls, one event after another).

        Parameters
        ----------
        weighting : str, default "phat"
            GCC weighting, as ``--weighting``: ``"phat"``, ``"scot"``, ``"roth"``,
            ``"ht"``, ``"cc"`` or ``"phat-beta:<b>"``.

        Returns
        -------
        list of EventEstimate
            One per event, in file order (empty for a scene without events). An event
            that cannot be located has ``error`` set; the others are unaffected.

        Raises
        ------
        DataFileError
            A recording that cannot be read.
        InvalidInputError
            An unknown weighting.
        """
    def locate_event(
        self, index_or_label: int | str, *, weighting: str = "phat"
    ) -> EventEstimate:
        """Locates one annotated event.

        Parameters
        ----------
        index_or_label : int or str
            The event's index in :attr:`events` (negative counts from the end), or a
            label that names exactly one event.
        weighting : str, default "phat"
            As in :meth:`locate_events`.

        Raises
        ------
        InvalidInputError
            An index out of range, a label that names no event or several, an
            unknown weighting.
        LocalizationError
            The event cannot be located (the message says why).
        DataFileError
            A recording that cannot be read.
        """
    def detect_events(
        self,
        *,
        threshold_db: float | None = None,
        min_sensors: int | None = None,
        weighting: str = "phat",
        progress: Callable[[str, int, int], object] | None = None,
    ) -> Detection:
        """Finds, associates and locates the impulsive events of continuous
        recordings, exactly as ``soundloc detect``.

        Each sensor's file is streamed through the onset detector (sensors in
        parallel), onsets are associated across sensors by a travel-time grid
        search, and each candidate is measured by GCC-PHAT near its predicted delays
        and located. The GIL is released while working.

        Parameters
        ----------
        threshold_db : float, optional
            Onset rise above the noise floor, dB (``--threshold-db``); default 12.
        min_sensors : int, optional
            The fewest sensors whose onsets must fit one source (``--min-sensors``);
            default 4, at most the number of sensors.
        weighting : str, default "phat"
            GCC weighting (``--weighting``).
        progress : callable, optional
            Called now and then as ``progress(stage, done, total)`` with ``stage``
            ``"detecting"`` (``done`` and ``total`` count samples over all sensors)
            or ``"locating"`` (they count candidates), from worker threads with the
            GIL taken. An exception it raises stops the work and is raised here.

        Raises
        ------
        InvalidInputError
            A bad threshold, ``min_sensors`` or weighting, a ``progress`` that is not
            callable.
        DataFileError
            A recording that cannot be read, or whose sample rate, length or
            channels differ from what the scene needs.
        """

WEIGHTINGS: tuple[str, ...]
"""The GCC weighting names accepted by ``weighting=``: ``("cc", "phat", "scot",
"roth", "ht")``, one per weighting without a parameter.

The partial phase transform takes its exponent in the name, ``"phat-beta:<beta>"``
with ``beta`` in [0, 1] (for example ``"phat-beta:0.7"``); ``"none"`` (for ``"cc"``)
and ``"ml"`` (for ``"ht"``) are accepted as aliases. Read from the Rust library's
``Weighting::NAMES``, so it lists what the parser accepts.
"""

_Points: TypeAlias = npt.ArrayLike | Sequence[float] | Sequence[Sequence[float]]

@final
class CoordinateFrame:
    """A local east-north-up frame, in metres, for positions surveyed in a system.

    The solver works in straight-line metres; sensor positions arrive as latitude
    and longitude (``"wgs84"``: ``[lat_deg, lon_deg, alt_m]``), UTM easting,
    northing and elevation (``"utm"``), or local metres (``"local"``). For UTM and
    WGS84 the frame is the plane tangent to the WGS84 ellipsoid at the centre of
    ``positions`` (the mean easting, northing and elevation; or the mean position on
    the ellipsoid at the mean height); a local system keeps its own origin, and maps
    to latitude and longitude only when ``origin`` is given. Heights are ellipsoidal.
    Projections are ``geo3d``'s (GeographicLib's algorithms).

    Parameters
    ----------
    system : str
        ``"local"``, ``"utm"`` or ``"wgs84"``.
    positions : array_like, shape (n, 3), optional
        The sensor positions, in ``system``: required (at least one) for ``"utm"``
        and ``"wgs84"``, which centre the frame on them; only checked for
        ``"local"``.
    zone : int, optional
        UTM zone, 1 to 60; required for ``"utm"`` and refused for other systems.
    hemisphere : str, default "north"
        ``"north"`` or ``"south"`` (UTM only; the south counts northings from
        10 000 km).
    origin : (float, float, float), optional
        ``(lat_deg, lon_deg, alt_m)`` of local ``[0, 0, 0]``; ``"local"`` only.

    Attributes
    ----------
    system : str
        ``"local"``, ``"utm"`` or ``"wgs84"``.
    zone : int or None
        The UTM zone, for a UTM frame.
    north : bool or None
        Northern hemisphere, for a UTM frame.
    origin : (float, float, float) or None
        ``(lat_deg, lon_deg, alt_m)`` of local ``[0, 0, 0]``; None for a local
        frame without an origin.

    Raises
    ------
    InvalidInputError
        An unknown system or hemisphere, a zone outside 1 to 60 (or given for another
        system), a missing zone, a latitude beyond 90 degrees, a non-finite
        coordinate, an easting or northing outside the zone (naming
        ``positions[k]``), or no positions for ``"utm"`` or ``"wgs84"``.

    Examples
    --------
    >>> frame = CoordinateFrame("utm", [[371296.0, 5934638.0, 738.0],
    ...                                 [371336.0, 5934638.0, 738.0]], zone=12)
    >>> frame.to_local([371316.0, 5934638.0, 738.0]).round(3)
    array([0., 0., 0.])
    """

    def __new__(
        cls,
        system: str,
        positions: _Table | None = None,
        *,
        zone: int | None = None,
        hemisphere: str = "north",
        origin: tuple[float, float, float] | None = None,
    ) -> CoordinateFrame: ...
    @property
    def system(self) -> str: ...
    @property
    def zone(self) -> int | None: ...
    @property
    def north(self) -> bool | None: ...
    @property
    def origin(self) -> tuple[float, float, float] | None: ...
    def to_local(self, positions: _Points) -> npt.NDArray[np.float64]:
        """Positions in the frame's system to local metres (east, north, up).

        Parameters
        ----------
        positions : array_like, shape (k, 3) or (3,)
            In the frame's system (``[lat_deg, lon_deg, alt_m]`` for WGS84).

        Returns
        -------
        ndarray, shape (k, 3) or (3,)
            Metres east, north and up from the frame's origin; the input's shape.

        Raises
        ------
        InvalidInputError
            A wrong shape or dtype, a non-finite coordinate, a latitude beyond 90
            degrees, or an easting or northing outside the zone (naming the row).
        """
    def from_local(self, enu: _Points) -> npt.NDArray[np.float64]:
        """Local metres back to the frame's system.

        Parameters
        ----------
        enu : array_like, shape (k, 3) or (3,)
            Metres east, north and up from the frame's origin.

        Returns
        -------
        ndarray, shape (k, 3) or (3,)
            In the frame's system: UTM easting, northing, elevation in the frame's
            zone and hemisphere; ``[lat_deg, lon_deg, alt_m]`` for WGS84; unchanged
            for a local frame.

        Raises
        ------
        InvalidInputError
            A wrong shape, a non-finite coordinate (naming the row), or a point
            so far away that it leaves the UTM zone.
        """
    def to_geodetic(self, enu: _Points) -> npt.NDArray[np.float64]:
        """Local metres to latitude, longitude and ellipsoidal height.

        Parameters
        ----------
        enu : array_like, shape (k, 3) or (3,)
            Metres east, north and up from the frame's origin.

        Returns
        -------
        ndarray, shape (k, 3) or (3,)
            Rows ``(lat_deg, lon_deg, alt_m)``, WGS84.

        Raises
        ------
        InvalidInputError
            A wrong shape, a non-finite coordinate, or a local frame without an
            ``origin``.
        """

def wgs84_to_utm(
    lat_deg: float, lon_deg: float, zone: int | None = None
) -> tuple[float, float, int, bool]:
    """UTM grid position of a WGS84 latitude and longitude.

    Parameters
    ----------
    lat_deg, lon_deg : float
        Degrees, north and east positive.
    zone : int, optional
        Project into this zone (1 to 60), for example to keep a site that
        straddles a zone boundary in one grid. Default: the standard zone, with
        the Norway and Svalbard exceptions.

    Returns
    -------
    (easting, northing, zone, north) : (float, float, int, bool)
        Metres; ``north`` is the hemisphere, which follows the latitude (southern
        northings count from 10 000 km).

    Raises
    ------
    InvalidInputError
        A non-finite value, a latitude beyond 90 degrees or a longitude beyond 180,
        a zone outside 1 to 60, a latitude in the polar caps (beyond 84 N or 80 S,
        UPS, not supported) without a zone, or a point too far from the given zone.
    """

def utm_to_wgs84(
    easting: float, northing: float, zone: int, north: bool = True
) -> tuple[float, float]:
    """WGS84 latitude and longitude of a UTM grid position.

    Parameters
    ----------
    easting, northing : float
        Metres.
    zone : int
        UTM zone, 1 to 60.
    north : bool, default True
        Northern hemisphere; ``False`` for southern northings (from 10 000 km).

    Returns
    -------
    (lat_deg, lon_deg) : (float, float)
        Degrees, north and east positive.

    Raises
    ------
    InvalidInputError
        A zone outside 1 to 60, or an easting or northing that is not finite or
        not plausible for the zone and hemisphere.
    """

@final
class TruthSensor:
    """One sensor of a simulation.

    Attributes
    ----------
    id : str
        Its id, also the stem of its WAV file.
    position : ndarray, shape (3,)
        Position in the spec's coordinate system.
    local : ndarray, shape (3,)
        Position in the written scene's local east-north-up frame, metres.
    noise_db : float or None
        Background level, dB SPL; None without a background.
    peak : float
        Largest sample magnitude written, full scale 1.
    clipped_samples : int
        Samples beyond full scale, clipped to it.
    """

    @property
    def id(self) -> str: ...
    @property
    def position(self) -> npt.NDArray[np.float64]: ...
    @property
    def local(self) -> npt.NDArray[np.float64]: ...
    @property
    def noise_db(self) -> float | None: ...
    @property
    def peak(self) -> float: ...
    @property
    def clipped_samples(self) -> int: ...

@final
class TruthArrival:
    """One sensor's reception of one event.

    Attributes
    ----------
    sensor : str
        The sensor's id.
    arrival_s : float
        When the clip's first sample is in the sensor's recording, seconds from the
        start of the recording: emission, plus travel time, plus any
        non-line-of-sight delay, plus the clock error.
    distance_m : float
        Straight-line distance from the source, metres.
    snr_db : float or None
        Broadband SNR of the received event against the background, dB; None
        without a background.
    nlos : bool
        The direct path is blocked.
    extra_delay_s : float
        Extra delay of the blocked path, seconds (0 in line of sight).
    clock_error_s : float
        This sensor's timing error for this event, seconds (included in
        ``arrival_s``).
    """

    @property
    def sensor(self) -> str: ...
    @property
    def arrival_s(self) -> float: ...
    @property
    def distance_m(self) -> float: ...
    @property
    def snr_db(self) -> float | None: ...
    @property
    def nlos(self) -> bool: ...
    @property
    def extra_delay_s(self) -> float: ...
    @property
    def clock_error_s(self) -> float: ...

@final
class TruthEvent:
    """One event of a simulation.

    Attributes
    ----------
    index : int
        Index in the spec's events, from 0.
    time_s : float
        Emission of the clip's first sample, seconds.
    position : ndarray, shape (3,)
        Position in the spec's coordinate system.
    local : ndarray, shape (3,)
        Position in the written scene's local frame, metres.
    clip : str
        File name of the clip.
    level_db : float
        Level at 1 m, dB SPL (RMS of the clip's loudest 100 ms).
    arrivals : list of TruthArrival
        How each sensor heard it, in sensor order.
    """

    @property
    def index(self) -> int: ...
    @property
    def time_s(self) -> float: ...
    @property
    def position(self) -> npt.NDArray[np.float64]: ...
    @property
    def local(self) -> npt.NDArray[np.float64]: ...
    @property
    def clip(self) -> str: ...
    @property
    def level_db(self) -> float: ...
    @property
    def arrivals(self) -> list[TruthArrival]: ...

@final
class Truth:
    """Everything a simulation put into its recordings (its ``truth.json``).

    Attributes
    ----------
    name : str
        Name of the scene.
    seed : int
        The seed it was made with.
    sample_rate : int
        Sample rate of the recordings, Hz.
    duration_s : float
        Length of the recordings, seconds.
    speed_of_sound : float
        Speed of sound used, m/s.
    coordinates : str
        System of the ``position`` fields: ``"local"``, ``"utm"`` or ``"wgs84"``.
    sensors : list of TruthSensor
        In spec order.
    events : list of TruthEvent
        In spec order.
    warnings : list of str
        Anything the user should know (samples clipped), in words.
    scene_path : str or None
        The scene file written with the recordings (``scene.toml`` in the output
        folder); for :func:`load_truth`, the ``scene.toml`` next to the truth file
        if there is one, else None.
    """

    @property
    def name(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def speed_of_sound(self) -> float: ...
    @property
    def coordinates(self) -> str: ...
    @property
    def sensors(self) -> list[TruthSensor]: ...
    @property
    def events(self) -> list[TruthEvent]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def scene_path(self) -> str | None: ...
    def sensor_positions(self, *, local: bool = False) -> npt.NDArray[np.float64]:
        """Sensor positions, shape (n_sensors, 3).

        Parameters
        ----------
        local : bool, default False
            Metres in the scene's local east-north-up frame instead of the spec's
            coordinate system.
        """
    def event_positions(self, *, local: bool = False) -> npt.NDArray[np.float64]:
        """Event positions, shape (n_events, 3).

        Parameters
        ----------
        local : bool, default False
            Metres in the scene's local east-north-up frame instead of the spec's
            coordinate system.
        """

def simulate(
    spec_path: str | bytes | os.PathLike[str], out_dir: str | bytes | os.PathLike[str]
) -> Truth:
    """Runs a simulation spec, as ``soundloc simulate SPEC --out OUT_DIR`` does.

    Writes into ``out_dir`` (created if needed) one mono 16-bit WAV per sensor
    (``<id>.wav``), ``scene.toml`` (readable as a scene: the same coordinates, air and
    solver settings, no events) and ``truth.json``. Real clips are played from the
    events' positions and times with exact fractional delays, spherical spreading,
    optional ground reflection, ISO 9613-1 air absorption, clock jitter and a
    background (see the spec format in the README of ``datasets/urban-demo`` and the
    Rust docs of ``soundloc::simulate``). The same spec and seed give identical
    files. The output is synthetic: say so wherever it is used. The GIL is released.

    Parameters
    ----------
    spec_path : str or path-like
        The spec, TOML; clips and background are relative to it.
    out_dir : str or path-like
        Folder for the recordings, the scene and the truth.

    Returns
    -------
    Truth
        What was written; also saved as ``out_dir/truth.json``.

    Raises
    ------
    DataFileError
        The spec cannot be read or holds a wrong field (the message names the file,
        the field and what was expected), a clip cannot be read, or the output
        cannot be written.
    """

def load_truth(path: str | bytes | os.PathLike[str]) -> Truth:
    """Reads a ``truth.json`` written by :func:`simulate` (or ``soundloc simulate``).

    Parameters
    ----------
    path : str or path-like
        The truth file.

    Returns
    -------
    Truth

    Raises
    ------
    DataFileError
        The file cannot be read or is not a truth file.
    """

def simulate_array(
    source: _Signal,
    sample_rate: float,
    source_position: _Points,
    mic_positions: _Table,
    *,
    speed_of_sound: float = 343.2,
    snr_db: float | None = None,
    seed: int = 0,
    spreading: bool = True,
) -> npt.NDArray[np.float64]:
    """What microphones hear of a point source in free field, in memory.

    Each microphone ``r`` metres from the source hears it ``r / speed_of_sound``
    seconds after the emission, delayed by the exact band-limited (sinc)
    interpolation of the deployment simulator (any fraction of a sample, exact for
    band-limited sources), and scaled by ``1 / r`` with ``spreading``. No
    reflections, no air absorption.

    **Sample 0** of every output channel is the instant the source emits its own
    sample 0: a microphone hears that sample at ``r / speed_of_sound *
    sample_rate`` samples. Every channel is ``len(source) + ceil(max(r) /
    speed_of_sound * sample_rate)`` samples long, so the farthest microphone hears
    the whole source; sinc tails beyond that are cut. The first and last 2 ms of
    ``source`` are faded in and out (raised cosine), as in the deployment
    simulator, so that cut edges do not ring.

    Parameters
    ----------
    source : ndarray, shape (n_source,)
        The emitted signal (float64, float32 or int16; at least 2 samples), its
        value at 1 m when ``spreading`` is on.
    sample_rate : float
        Sample rate, Hz: a whole, positive number.
    source_position : array_like, shape (3,)
        Source position, metres.
    mic_positions : array_like, shape (n_mics, 3)
        Microphone positions, metres, in the same frame.
    speed_of_sound : float, default 343.2
        m/s (dry air at 20 degC).
    snr_db : float, optional
        Add independent white Gaussian noise to every channel, at this SNR: the
        noise power is the source's mean power over its length, as it arrives at
        that microphone (times ``1 / r**2`` with spreading), over
        ``10 ** (snr_db / 10)``. None adds no noise.
    seed : int, default 0
        Seed of the noise, 0 to 2**64 - 1: the same seed gives the same samples on
        every machine; each microphone has its own stream.
    spreading : bool, default True
        Scale each channel by ``1 / r`` (r in metres). Without it every
        microphone hears the source at its own amplitude.

    Returns
    -------
    ndarray, shape (n_mics, n_samples), float64

    Raises
    ------
    InvalidInputError
        A wrong shape or dtype, NaN or infinite samples or coordinates, a sample
        rate that is not a whole positive number, a non-positive speed of sound, a
        silent source with ``snr_db``, a negative seed, a source within 1 cm of a
        microphone, no microphone, or output beyond 2**28 samples in all.
    """

def air_absorption_db_per_m(
    frequency_hz: float | npt.ArrayLike,
    temperature_c: float = 20.0,
    humidity_percent: float = 50.0,
    altitude_m: float = 0.0,
) -> float | npt.NDArray[np.float64]:
    """Atmospheric absorption of sound, dB per metre, after ISO 9613-1:1993.

    The pure-tone attenuation coefficient of the standard (classical absorption
    plus the relaxation of oxygen and nitrogen, whose frequencies depend on the
    humidity), at the pressure of the ICAO standard atmosphere at ``altitude_m``.
    At 20 degC and 70 % it is about 5 dB/km at 1 kHz and 23 dB/km at 4 kHz. The
    deployment simulator applies the same figure along every path.

    Parameters
    ----------
    frequency_hz : float or array_like
        Frequency, Hz, finite and >= 0: a number or an array of any shape.
    temperature_c : float, default 20.0
        Air temperature, degrees Celsius, in [-70, 70].
    humidity_percent : float, default 50.0
        Relative humidity, percent, in [0, 100].
    altitude_m : float, default 0.0
        Altitude above sea level, metres, in [-500, 11000]; sets the pressure.

    Returns
    -------
    float or ndarray
        dB per metre: a float for a number, an array of the input's shape
        otherwise.

    Raises
    ------
    InvalidInputError
        A negative or non-finite frequency (naming its flat index), a non-real
        array, or a temperature, humidity or altitude out of range.
    """
