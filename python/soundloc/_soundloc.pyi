"""Type stubs of the compiled module ``soundloc._soundloc``.

Import from ``soundloc``, not from here. Conventions: ``delay_s = t_j - t_i``
(positive when microphone ``j`` hears the sound later); seconds, samples, hertz,
metres (east, north, up), m/s.
"""

from collections.abc import Sequence
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

    Plans an estimator for ``len(x_i)`` samples on every call; for many frames of one
    length use :class:`GccPhat`. The GIL is released during the computation.

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

    Plans an estimator for ``n_samples`` on every call (for many frames of one
    length use :meth:`GccPhat.tdoa_all_pairs`), computes one forward FFT per
    microphone and one inverse FFT per pair, pairs in parallel. The GIL is released.

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
        fit is worse than ``delay_std_s`` explains. In 2-D the height is assumed, not
        measured: its variance is ``inf`` and its covariances zero.
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
        Standard deviation of every delay, seconds (weights the fit; sets the
        covariance scale).
    height_bounds : (float, float), optional
        ``(min_m, max_m)`` bounds on the source height in 3-D, metres.
    plane_height_m : float, optional
        Source height in 2-D, metres; default the mean height of the microphones.
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
        non-positive speed or std, a pair of a microphone with itself.
    LocalizationError
        Coincident or collinear/coplanar microphones, too few linked microphones,
        no convergence, or a source beyond ``max_range_m``.
    """

def locate_signals(
    signals: npt.ArrayLike,
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
        ``(min_m, max_m)`` bounds on the source height in 3-D, metres.
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
        ``(min_m, max_m)`` bounds on the source height in 3-D, metres.
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
        The mirror image ``(azimuth, colatitude)`` for a planar array.
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
    signals: npt.NDArray[np.float64] | npt.NDArray[np.float32] | npt.NDArray[np.int16],
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
        How many separated peaks to report.
    min_separation : float, optional
        Least separation of reported sources: radians or metres, as the grid;
        default five grid spacings.
    refine : bool, default True
        Refine each peak off the grid.
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
        At most ``n_mics - 1`` (MUSIC needs a noise subspace).
    min_separation : float, optional
        Radians or metres, as the grid; default 10 degrees or 10 cm.
    refine : bool, default True
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
