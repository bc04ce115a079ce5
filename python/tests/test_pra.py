"""soundloc.pra: layout converters for pyroomacoustics users (without pyroomacoustics).

Comparisons with pyroomacoustics itself are in test_pra_parity.py.
"""

import numpy as np
import pytest

from soundloc import InvalidInputError
from soundloc.pra import positions_from_pra, positions_to_pra, signals_from_pra


def test_positions_from_pra_reads_columns_and_adds_z_for_2d():
    R = np.array([[0.0, 1.0, 2.0, 3.0], [5.0, 6.0, 7.0, 8.0]])  # 4 mics in the plane
    positions = positions_from_pra(R)
    assert positions.shape == (4, 3) and positions.dtype == np.float64
    np.testing.assert_array_equal(positions[2], [2.0, 7.0, 0.0])

    R3 = np.arange(12, dtype=np.int32).reshape(3, 4)
    np.testing.assert_array_equal(positions_from_pra(R3), R3.T)
    np.testing.assert_array_equal(
        positions_from_pra([[0.5], [1.5], [2.5]]), [[0.5, 1.5, 2.5]]
    )


def test_positions_round_trip_in_both_layouts():
    positions = np.random.default_rng(0).uniform(-1.0, 1.0, (7, 3))
    R = positions_to_pra(positions)
    assert R.shape == (3, 7) and R.flags.c_contiguous
    np.testing.assert_array_equal(positions_from_pra(R), positions)

    flat = positions.copy()
    flat[:, 2] = 1.2
    R2 = positions_to_pra(flat, dim=2)
    assert R2.shape == (2, 7)
    np.testing.assert_array_equal(positions_from_pra(R2)[:, :2], flat[:, :2])


@pytest.mark.parametrize(
    ("R", "match"),
    [
        (
            np.zeros((8, 3)),
            r"R: expected pyroomacoustics positions .*shape \(8, 3\) \(soundloc's",
        ),
        (np.zeros((4, 5)), r"shape \(4, 5\)"),
        (np.zeros(3), r"1-D array"),
        (np.zeros((3, 0)), r"shape \(3, 0\)"),
        (np.full((3, 2), np.nan), "NaN"),
        (np.zeros((3, 2), dtype=complex), "complex128"),
        ([[0.0, 1.0], [2.0]], "list"),
        ("R", "str"),
    ],
)
def test_positions_from_pra_names_what_arrived(R, match):
    with pytest.raises(InvalidInputError, match=match):
        positions_from_pra(R)


def test_positions_to_pra_refuses_bad_input():
    with pytest.raises(
        InvalidInputError, match=r"positions: .*shape \(3, 6\) \(pyroomacoustics'"
    ):
        positions_to_pra(np.zeros((3, 6)))
    with pytest.raises(InvalidInputError, match="dim: expected 2 or 3, got 4"):
        positions_to_pra(np.zeros((4, 3)), dim=4)
    with pytest.raises(InvalidInputError, match="dim"):
        positions_to_pra(np.zeros((4, 3)), dim=True)
    tilted = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.3], [0.0, 1.0, 0.0]])
    with pytest.raises(InvalidInputError, match="heights from 0 to 0.3 m"):
        positions_to_pra(tilted, dim=2)


def test_signals_from_pra_returns_contiguous_float64_without_reordering():
    signals = np.random.default_rng(1).standard_normal((4, 1000))
    assert signals_from_pra(signals) is signals  # already right: no copy

    strided = signals[:, ::2]
    converted = signals_from_pra(strided)
    assert converted.flags.c_contiguous
    np.testing.assert_array_equal(converted, strided)

    counts = (signals * 1000).astype(np.int16)
    converted = signals_from_pra(counts)
    assert converted.dtype == np.float64
    np.testing.assert_array_equal(converted, counts)  # values kept, not scaled

    single = signals_from_pra(signals.astype(np.float32))
    np.testing.assert_array_equal(single, signals.astype(np.float32))


@pytest.mark.parametrize(
    ("signals", "match"),
    [
        (
            np.zeros((16000, 4)),
            r"shape \(16000, 4\) \(more rows than samples: transpose",
        ),
        (np.zeros(100), "1-D array"),
        (np.zeros((2, 3, 4)), "3-D array"),
        (np.zeros((2, 100), dtype=complex), "complex128"),
        (np.array([[0.0, np.inf]]), "NaN or infinite"),
        (np.zeros((2, 100), dtype=bool), "bool"),
    ],
)
def test_signals_from_pra_names_what_arrived(signals, match):
    with pytest.raises(InvalidInputError, match=match):
        signals_from_pra(signals)
