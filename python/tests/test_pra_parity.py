"""soundloc next to pyroomacoustics on the same input, both against the truth.

Skipped where pyroomacoustics (a test-only dependency) is not installed; CI installs it.

Sign convention: ``soundloc.gcc_phat(x_i, x_j)`` returns ``t_j - t_i``, positive when
``x_j`` hears the sound later. ``pra.experimental.tdoa(x1, x2)`` correlates
``X1 * conj(X2)`` and returns ``t_1 - t_2``: for the same two signals its delay is the
negative of soundloc's. It also picks whole samples (or ``1 / interp`` of one).
"""

import numpy as np
import pytest
from conftest import bench_module, delayed_pair

import soundloc
from soundloc.pra import positions_from_pra, positions_to_pra, signals_from_pra

pra = pytest.importorskip("pyroomacoustics")

FS = 16_000


@pytest.mark.parametrize("lag", [-23.4, -7.5, 0.3, 3.0, 11.7, 40.2])
def test_gcc_phat_delay_agrees_with_pra_tdoa_and_the_truth(lag):
    x_i, x_j = delayed_pair(4096, lag, seed=int(abs(lag) * 10), noise=0.1)

    ours = soundloc.gcc_phat(x_i, x_j, FS).lag  # t_j - t_i, samples
    theirs = -pra.experimental.tdoa(x_i, x_j, fs=FS) * FS  # -(t_i - t_j)
    finer = -pra.experimental.tdoa(x_i, x_j, fs=FS, interp=4) * FS

    assert abs(ours - lag) < 0.05  # sub-sample
    assert abs(theirs - lag) <= 0.5 + 1e-9  # the nearest whole sample
    assert abs(finer - lag) <= 0.25 + 1e-9  # quarter samples
    assert abs(ours - theirs) <= 1.0


def test_room_recordings_give_both_libraries_the_geometric_delay():
    room = pra.ShoeBox([6.0, 5.0, 3.0], fs=FS, max_order=0)  # anechoic: direct paths
    source = np.array([4.5, 3.7, 1.6])
    R = np.array([[1.0, 1.3, 1.1], [1.2, 1.0, 1.5], [1.1, 1.3, 1.2]])  # (3, n_mics)
    room.add_source(source, signal=np.random.default_rng(0).standard_normal(FS))
    room.add_microphone_array(R)
    room.simulate()

    signals = signals_from_pra(room.mic_array.signals)
    arrival_s = np.linalg.norm(positions_from_pra(R) - source, axis=1) / room.c
    for j in (1, 2):
        truth = (arrival_s[j] - arrival_s[0]) * FS
        ours = soundloc.gcc_phat(signals[0], signals[j], FS).lag
        theirs = -pra.experimental.tdoa(signals[0], signals[j], fs=FS) * FS
        assert abs(ours - truth) < 0.05
        assert abs(theirs - truth) <= 0.5 + 1e-9


def test_stft_matches_pra_non_streaming_stft_frame_for_frame():
    signals = np.random.default_rng(2).standard_normal((4, 3000))
    ours = soundloc.stft(signals, 256, 64)
    n_frames = ours.shape[2]

    # pra's STFT takes (n_samples, n_channels) and gives (n_frames, n_bins, n_channels);
    # it zero-pads a last partial frame, which soundloc leaves out.
    engine = pra.transform.STFT(
        256, hop=64, analysis_window=pra.hann(256), channels=4, streaming=False
    )
    theirs = engine.analysis(signals.T).transpose(2, 1, 0)
    assert theirs.shape[2] >= n_frames
    np.testing.assert_allclose(theirs[:, :, :n_frames], ours, atol=1e-10)

    # The one-shot helper streams: its first 256 / 64 - 1 frames start before the data.
    streamed = pra.transform.stft.analysis(signals.T, 256, 64, win=pra.hann(256))
    np.testing.assert_allclose(
        streamed.transpose(2, 1, 0)[:, :, 3 : 3 + n_frames], ours, atol=1e-10
    )


def test_position_converters_round_trip_on_pra_array_makers():
    # Six capsules on a 5 cm circle around (2, 1.5), the first at 0.3 rad.
    R = pra.circular_2D_array([2.0, 1.5], 6, 0.3, 0.05)
    phi = 0.3 + 2 * np.pi * np.arange(6) / 6
    expected = np.column_stack(
        [2.0 + 0.05 * np.cos(phi), 1.5 + 0.05 * np.sin(phi), np.zeros(6)]
    )
    np.testing.assert_allclose(positions_from_pra(R), expected, atol=1e-15)
    np.testing.assert_array_equal(positions_to_pra(positions_from_pra(R), dim=2), R)

    # Four capsules 10 cm apart along +y, centred on the origin.
    R = pra.linear_2D_array([0.0, 0.0], 4, np.pi / 2, 0.1)
    np.testing.assert_allclose(positions_from_pra(R)[:, 1], [-0.15, -0.05, 0.05, 0.15])
    np.testing.assert_allclose(positions_from_pra(R)[:, [0, 2]], 0.0, atol=1e-15)
    np.testing.assert_array_equal(positions_to_pra(positions_from_pra(R), dim=2), R)

    # 3-D: a horizontal circle at 1.2 m, phi0 in degrees here, and a room's array.
    array = pra.circular_microphone_array_xyplane([2.0, 1.5, 1.2], 8, 45.0, 0.04, FS)
    positions = positions_from_pra(array.R)
    np.testing.assert_allclose(positions[:, 2], 1.2)
    np.testing.assert_allclose(
        np.linalg.norm(positions[:, :2] - [2.0, 1.5], axis=1), 0.04
    )
    np.testing.assert_array_equal(positions_to_pra(positions), array.R)
    room = pra.ShoeBox([5.0, 4.0, 3.0], fs=FS)
    room.add_microphone_array(positions_to_pra(positions))
    np.testing.assert_array_equal(positions_from_pra(room.mic_array.R), positions)


def test_srp_phat_agrees_with_pra_srp_on_the_same_room_frames():
    # The rooms of benches/doa_rooms.py: a 12-capsule circle of 5 cm, RT60 0.2 s.
    rooms = bench_module("doa_rooms")
    grid = soundloc.SearchGrid.horizon(rooms.N_AZIMUTHS)
    azimuths = np.arctan2(grid.points[:, 1], grid.points[:, 0])
    for seed in range(7000, 7004):
        spectra, mics, truth = rooms.simulate_trial(0.2, seed)

        srp = soundloc.SrpPhat(
            mics,
            grid,
            sample_rate=rooms.FS,
            fft_len=rooms.NFFT,
            freq_range_hz=rooms.FREQ_RANGE,
            speed_of_sound=rooms.C,
        )
        ours = srp.process_spectra(spectra)[0].azimuth
        doa = pra.doa.algorithms["SRP"](
            positions_to_pra(mics, dim=2),
            rooms.FS,
            rooms.NFFT,
            c=rooms.C,
            num_src=1,
            azimuth=azimuths,
        )
        doa.locate_sources(spectra, freq_range=list(rooms.FREQ_RANGE))
        theirs = doa.azimuth_recon[0]

        assert rooms.azimuth_error_deg(ours, theirs) < 2.0, seed
        assert rooms.azimuth_error_deg(ours, truth) < 5.0, seed
        assert rooms.azimuth_error_deg(theirs, truth) < 5.0, seed
        # The same maps up to scale and offset: pra sorts its grid by azimuth.
        ours_sorted = srp.map[np.argsort(azimuths)]
        assert np.corrcoef(ours_sorted, doa.grid.values)[0, 1] > 0.999, seed


def test_locate_agrees_with_pra_tdoa_loc_and_is_closer_to_the_truth():
    # pra.experimental.tdoa_loc(R, t, c) takes arrival times (or any common offset of
    # them) per microphone; soundloc.locate takes rows (0, i, t_i - t_0).
    rng = np.random.default_rng(5)
    ours_m, theirs_m = [], []
    for trial in range(30):
        R = np.vstack([rng.uniform(0.0, 20.0, (2, 6)), rng.uniform(0.0, 3.0, (1, 6))])
        source = np.array([*rng.uniform(2.0, 18.0, 2), rng.uniform(0.5, 2.5)])
        exact = np.linalg.norm(positions_from_pra(R) - source, axis=1) / 343.0
        noise = 0.0 if trial == 0 else 2e-5
        arrival_s = exact + rng.normal(0.0, noise, 6)

        rows = [(0, i, arrival_s[i] - arrival_s[0]) for i in range(1, 6)]
        ours = soundloc.locate(
            positions_from_pra(R), rows, speed_of_sound=343.0, delay_std_s=2e-5
        ).position
        theirs = pra.experimental.tdoa_loc(R, arrival_s, 343.0)
        if trial == 0:  # exact delays: both give the source back
            np.testing.assert_allclose(ours, source, atol=1e-6)
            np.testing.assert_allclose(theirs, source, atol=1e-6)
            continue
        ours_m.append(np.linalg.norm(ours - source))
        theirs_m.append(np.linalg.norm(theirs - source))

    # 20 us of delay noise (7 mm of path): centimetres for the weighted least-squares
    # fit, more for the closed form, which the noise enters through divisions.
    assert np.median(ours_m) < 0.1 and np.median(theirs_m) < 0.5
    print(f"mean error: soundloc {np.mean(ours_m):.3f} m, pra {np.mean(theirs_m):.3f} m")
    assert np.mean(ours_m) <= np.mean(theirs_m)
