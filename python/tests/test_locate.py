"""Multilateration through the Python binding, on scenes simulated with numpy."""

import numpy as np
import pytest
from conftest import delayed_pair

import soundloc

C = 343.2

# Eight microphones around a 20 m x 16 m site at heights 0 to 6 m.
MICS_3D = np.array(
    [
        [0.0, 0.0, 0.0],
        [20.0, 0.0, 1.0],
        [20.0, 16.0, 0.5],
        [0.0, 16.0, 2.0],
        [10.0, -3.0, 6.0],
        [23.0, 8.0, 3.0],
        [10.0, 19.0, 4.5],
        [-3.0, 8.0, 5.0],
    ]
)


def exact_pairs(mics, source, pairs, c=C):
    """Rows (i, j, t_j - t_i) for a source at ``source``."""
    distances = np.linalg.norm(mics - source, axis=1)
    return np.array([(i, j, (distances[j] - distances[i]) / c) for i, j in pairs])


def all_pairs(n):
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def test_exact_delays_give_back_the_source_in_3d():
    source = np.array([7.0, 5.0, 2.5])
    rows = exact_pairs(MICS_3D, source, all_pairs(8))
    solution = soundloc.locate(MICS_3D, rows, delay_std_s=1e-6)
    np.testing.assert_allclose(solution.position, source, atol=1e-6)
    assert solution.position.shape == (3,)
    assert solution.covariance.shape == (3, 3)
    np.testing.assert_allclose(solution.covariance, solution.covariance.T, atol=1e-18)
    np.testing.assert_allclose(
        solution.position_std, np.sqrt(np.diag(solution.covariance)), rtol=1e-12
    )
    assert solution.used == list(range(8))
    assert solution.rejected == []
    assert solution.residual_rms_s < 1e-9
    assert "Solution(position=[7.000, 5.000, 2.500]" in repr(solution)


def test_reference_pairs_and_lists_of_tuples_are_accepted():
    source = np.array([14.0, 3.0, 1.0])
    rows = exact_pairs(MICS_3D, source, [(0, k) for k in range(1, 8)])
    as_tuples = [(int(i), int(j), float(d)) for i, j, d in rows]
    from_list = soundloc.locate(MICS_3D.tolist(), as_tuples)
    from_array = soundloc.locate(MICS_3D, rows)
    np.testing.assert_allclose(from_list.position, source, atol=1e-6)
    np.testing.assert_allclose(from_list.position, from_array.position, atol=1e-12)


def test_swapping_a_pair_and_negating_its_delay_changes_nothing():
    source = np.array([3.0, 12.0, 4.0])
    rows = exact_pairs(MICS_3D, source, all_pairs(8))
    swapped = rows[:, [1, 0, 2]] * np.array([1, 1, -1])
    a = soundloc.locate(MICS_3D, rows).position
    b = soundloc.locate(MICS_3D, swapped).position
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_two_dimensional_scene_on_a_plane():
    mics = np.array(
        [
            [0.0, 0.0, 1.0],
            [30.0, 0.0, 1.0],
            [30.0, 25.0, 1.0],
            [0.0, 25.0, 1.0],
            [15.0, 30.0, 1.0],
        ]
    )
    source = np.array([11.0, 7.0, 1.0])
    rows = exact_pairs(mics, source, all_pairs(5))
    solution = soundloc.locate(mics, rows, dimension=2, plane_height_m=1.0)
    np.testing.assert_allclose(solution.position, source, atol=1e-6)
    # The height is assumed, not measured: its variance is unbounded.
    assert solution.covariance[2, 2] == np.inf


def test_noisy_delays_give_a_covariance_that_covers_the_error():
    rng = np.random.default_rng(2)
    source = np.array([9.0, 9.0, 3.0])
    std = 2e-5
    rows = exact_pairs(MICS_3D, source, [(0, k) for k in range(1, 8)])
    rows[:, 2] += std * rng.standard_normal(len(rows))
    solution = soundloc.locate(MICS_3D, rows, delay_std_s=std)
    error = solution.position - source
    chi2 = error @ np.linalg.solve(solution.covariance, error)
    assert chi2 < 16.3  # 99.9 % of chi-square with 3 degrees of freedom


def test_an_outlying_microphone_is_rejected():
    source = np.array([8.0, 6.0, 2.0])
    rows = exact_pairs(MICS_3D, source, all_pairs(8))
    bad = (rows[:, 0] == 5) | (rows[:, 1] == 5)
    rows[bad, 2] += np.where(rows[bad, 1] == 5, 3e-3, -3e-3)
    solution = soundloc.locate(MICS_3D, rows, delay_std_s=1e-5)
    assert solution.rejected == [5]
    assert 5 not in solution.used
    assert solution.rejections[0][0] == 5
    np.testing.assert_allclose(solution.position, source, atol=1e-4)
    kept = soundloc.locate(MICS_3D, rows, delay_std_s=1e-5, reject_outliers=False)
    assert kept.rejected == []


def test_height_bounds_hold_the_height():
    source = np.array([10.0, 8.0, 1.5])
    rows = exact_pairs(MICS_3D, source, all_pairs(8))
    solution = soundloc.locate(MICS_3D, rows, height_bounds=(0.0, 3.0))
    assert 0.0 <= solution.position[2] <= 3.0
    assert solution.position_std[2] <= 3.0 / np.sqrt(12) + 1e-12


def test_signals_to_position_end_to_end():
    # Simulate what each microphone hears (band-limited fractional delays), measure
    # every pair with GCC-PHAT and locate: the source comes back within centimetres.
    fs = 48_000.0
    source = np.array([6.0, 10.0, 2.0])
    arrival_s = np.linalg.norm(MICS_3D - source, axis=1) / C
    n = 8192
    lags = (arrival_s - arrival_s.min()) * fs
    rng = np.random.default_rng(11)
    clean = rng.standard_normal(4 * n)
    freqs = np.fft.rfftfreq(4 * n)
    spectrum = np.fft.rfft(clean)
    signals = [
        np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * lag), 4 * n)[n : 2 * n]
        + 0.05 * rng.standard_normal(n)
        for lag in lags
    ]
    gcc = soundloc.GccPhat(n, fs)
    rows = []
    for i, j in all_pairs(8):
        max_delay_s = np.linalg.norm(MICS_3D[i] - MICS_3D[j]) / C
        rows.append((i, j, gcc.tdoa(signals[i], signals[j], max_delay_s).delay_s))
    solution = soundloc.locate(MICS_3D, rows, delay_std_s=1e-6)
    assert np.linalg.norm(solution.position - source) < 0.05


def test_speed_of_sound():
    assert soundloc.speed_of_sound(20.0) == pytest.approx(343.2, abs=0.1)
    assert soundloc.speed_of_sound(0.0) == pytest.approx(331.3, abs=1e-9)
    assert soundloc.speed_of_sound(20.0, 100.0) > soundloc.speed_of_sound(20.0)


def test_delayed_pair_helper_is_consistent_with_locate_sign():
    # delayed_pair(…, lag) makes x_j later by lag: the same convention locate reads.
    x_i, x_j = delayed_pair(2048, 4.0)
    assert soundloc.gcc_phat(x_i, x_j, 1.0).delay_s == pytest.approx(4.0, abs=1e-3)


def test_a_height_held_at_its_bound_says_so():
    mics = np.array(
        [[0, 0, 0], [30, 0, 1], [0, 30, 2], [30, 30, 0.5], [15, -5, 1.5], [-5, 15, 0]],
        float,
    )
    source = np.array([12.0, 9.0, 20.0])
    rows = exact_pairs(mics, source, all_pairs(6))
    free = soundloc.locate(mics, rows, height_bounds=(0.0, 40.0))
    assert not free.height_at_bound
    np.testing.assert_allclose(free.position, source, atol=1e-4)
    # (With outlier rejection on, a too-low ceiling can also cost a good microphone:
    # leaving one out may fit the bound better. The flag is what to look at.)
    held = soundloc.locate(mics, rows, height_bounds=(0.0, 10.0), reject_outliers=False)
    assert held.height_at_bound
    assert held.position[2] == pytest.approx(10.0)


def test_delays_that_fit_no_source_never_give_a_point_at_infinity():
    mics = np.array(
        [[0, 0, 0], [30, 0, 1], [0, 30, 2], [30, 30, 0], [15, 15, 8]], float
    )
    rng = np.random.default_rng(4)
    refused = 0
    for _ in range(100):
        rows = []
        for i, j in all_pairs(5):
            limit = np.linalg.norm(mics[i] - mics[j]) / 343.2
            rows.append((i, j, rng.uniform(-limit, limit)))
        try:
            solution = soundloc.locate(mics, rows)
        except soundloc.LocalizationError:
            refused += 1
            continue
        assert np.linalg.norm(solution.position) < 100 * 45
    assert refused > 0


def test_covariances_are_positive_semi_definite_near_degenerate_geometries():
    # A tester's sweep: 4 microphones in 3-D, 3 noisy delays to microphone 0. Some
    # fits stop where the Jacobian is singular; the covariance used to come back with
    # negative eigenvalues and stds of hundreds of km. Now it is symmetric, PSD over
    # its finite axes, and an unobservable direction is infinite with no correlations.
    rng = np.random.default_rng(7)
    c, std = 343.2, 2e-5
    unbounded = 0
    for _ in range(300):
        mics = rng.uniform(-20, 20, (4, 3))
        mics[:, 2] = rng.uniform(0, 10, 4)
        source = np.array([*rng.uniform(-15, 15, 2), rng.uniform(1, 8)])
        times = np.linalg.norm(mics - source, axis=1) / c
        times += std / np.sqrt(2) * rng.standard_normal(4)
        rows = [(0, j, times[j] - times[0]) for j in range(1, 4)]
        try:
            solution = soundloc.locate(mics, rows, delay_std_s=std)
        except soundloc.LocalizationError:
            continue
        cov = solution.covariance
        assert not np.isnan(cov).any()
        assert np.array_equal(cov, cov.T)
        finite = np.isfinite(np.diag(cov))
        off = ~np.eye(3, dtype=bool) & ~np.outer(finite, finite)
        assert np.all(cov[off] == 0.0)
        unbounded += (~finite).any()
        if finite.any():
            eig = np.linalg.eigvalsh(cov[np.ix_(finite, finite)])
            assert eig.min() >= -1e-12 * eig.max(), eig
            if not solution.ambiguous:  # a far mirror image widens it honestly
                assert np.all(solution.position_std[finite] < 1e4), solution
    assert 1 <= unbounded <= 30
