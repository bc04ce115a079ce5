//! Runs an [`ArrayScene`]: its recording through its method, per frame or per window.
//!
//! Without `[[events]]`, every frame gets its own estimates: SRP-PHAT scores each
//! frame alone, MUSIC updates its running covariances frame by frame (older frames
//! fade by its forgetting factor). With windows, each window's frames are pooled and
//! give one set of estimates, the way pyroomacoustics' `locate_sources` pools the
//! frames it is given.

use ndarray::{Array2, Axis, Slice};

use crate::array::MicArray;
use crate::audio::{Recording, read_wav};
use crate::doa::grid::{GridKind, SearchGrid};
use crate::doa::music::{Music, MusicConfig};
use crate::doa::scene::{ArrayScene, DoaMethod};
use crate::doa::srp::{SrpConfig, SrpPhat};
use crate::doa::stft::Stft;
use crate::doa::{SourceEstimate, SteeredMethod};
use crate::error::{Error, Result};

/// The estimates of one frame or one window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowDirections {
    /// Seconds from the start of the recording.
    pub start_s: f64,
    /// Seconds from the start of the recording.
    pub end_s: f64,
    /// The window's label, for windows from `[[events]]`.
    pub label: Option<String>,
    /// Strongest first; at most the scene's `n_sources`.
    pub sources: Vec<SourceEstimate>,
    /// Why there is no estimate (a silent frame), if there is none.
    pub failure: Option<String>,
}

/// Everything [`analyse`] found, with what it used.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneDirections {
    /// Hz, from the recording.
    pub sample_rate: f64,
    /// The band used, Hz.
    pub freq_range_hz: (f64, f64),
    /// Number of grid points scanned.
    pub grid_points: usize,
    /// Whether the grid held directions or positions.
    pub grid_kind: GridKind,
    /// One entry per frame, or per window when the scene has windows.
    pub windows: Vec<WindowDirections>,
}

/// The scene's method, planned for its grid and the recording's sample rate.
fn steered_method(
    scene: &ArrayScene,
    grid: SearchGrid,
    sample_rate: f64,
    band: (f64, f64),
) -> Result<Box<dyn SteeredMethod>> {
    let settings = &scene.settings;
    let array: MicArray = scene.array.clone();
    Ok(match settings.method {
        DoaMethod::Srp => Box::new(SrpPhat::new(
            array,
            grid,
            SrpConfig {
                fft_len: settings.fft_len,
                speed_of_sound: scene.speed_of_sound,
                freq_range_hz: band,
                n_sources: settings.n_sources,
                min_separation: Some(settings.min_separation),
                refine: true,
                ..SrpConfig::new(sample_rate)
            },
        )?),
        DoaMethod::Music | DoaMethod::NormMusic => Box::new(Music::new(
            array,
            grid,
            MusicConfig {
                fft_len: settings.fft_len,
                sample_rate,
                speed_of_sound: scene.speed_of_sound,
                freq_range_hz: band,
                n_sources: settings.n_sources,
                min_separation: settings.min_separation,
                refine: true,
                normalise: settings.method == DoaMethod::NormMusic,
                ..MusicConfig::default()
            },
        )?),
    })
}

/// Reads the scene's recording and estimates directions (or positions) per frame, or
/// per window when the scene lists windows.
///
/// Fails when the recording cannot be read, lacks a channel the scene maps a
/// microphone to, is shorter than one frame, or when a window lies outside it; a
/// frame or window without an estimate (silence) is reported in
/// [`WindowDirections::failure`] instead.
pub fn analyse(scene: &ArrayScene) -> Result<SceneDirections> {
    let recording = read_wav(&scene.audio)?;
    let signals = microphone_signals(scene, &recording)?;
    let sample_rate = f64::from(recording.sample_rate);
    let band = scene.freq_range_hz(sample_rate);
    let grid = scene.grid()?;
    let (grid_points, grid_kind) = (grid.len(), grid.kind());
    let mut method =
        steered_method(scene, grid, sample_rate, band).map_err(|e| setting_error(scene, e))?;

    let settings = &scene.settings;
    if signals.ncols() < settings.fft_len {
        return Err(Error::Audio {
            path: scene.audio.clone(),
            reason: format!(
                "expected at least one frame of doa.fft_len = {} samples per channel, got {}",
                settings.fft_len,
                signals.ncols()
            ),
        });
    }
    let windows = if scene.events.is_empty() {
        per_frame(
            method.as_mut(),
            &signals,
            settings.fft_len,
            settings.hop,
            sample_rate,
        )
    } else {
        let stft =
            Stft::new(settings.fft_len, settings.hop).map_err(|e| setting_error(scene, e))?;
        scene
            .events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                let start = (event.start_s * sample_rate).round() as usize;
                let end = (event.end_s * sample_rate).round() as usize;
                if end > signals.ncols() || end - start < settings.fft_len {
                    return Err(Error::Scene {
                        path: scene.path.clone(),
                        field: format!("events[{index}]"),
                        reason: format!(
                            "expected a window of at least one frame ({} samples) inside the \
                             recording ({:.3} s), got {} to {} s",
                            settings.fft_len,
                            signals.ncols() as f64 / sample_rate,
                            event.start_s,
                            event.end_s
                        ),
                    });
                }
                let spectra = stft.process(signals.slice_axis(Axis(1), Slice::from(start..end)))?;
                let (sources, failure) = outcome(method.process_spectra(spectra.view()))?;
                Ok(WindowDirections {
                    start_s: event.start_s,
                    end_s: event.end_s,
                    label: event.label.clone(),
                    sources,
                    failure,
                })
            })
            .collect::<Result<Vec<_>>>()
    };

    Ok(SceneDirections {
        sample_rate,
        freq_range_hz: band,
        grid_points,
        grid_kind,
        windows: windows?,
    })
}

/// Every complete frame's estimates, in order.
fn per_frame(
    method: &mut dyn SteeredMethod,
    signals: &Array2<f64>,
    fft_len: usize,
    hop: usize,
    sample_rate: f64,
) -> Result<Vec<WindowDirections>> {
    let n_frames = Stft::new(fft_len, hop)?.n_frames(signals.ncols());
    (0..n_frames)
        .map(|f| {
            let start = f * hop;
            let frame = signals.slice_axis(Axis(1), Slice::from(start..start + fft_len));
            let (sources, failure) = outcome(method.process_frame(frame))?;
            Ok(WindowDirections {
                start_s: start as f64 / sample_rate,
                end_s: (start + fft_len) as f64 / sample_rate,
                label: None,
                sources,
                failure,
            })
        })
        .collect()
}

/// Estimates, or the reason there are none when the frame simply holds nothing to
/// locate; other errors stop the run.
fn outcome(result: Result<Vec<SourceEstimate>>) -> Result<(Vec<SourceEstimate>, Option<String>)> {
    match result {
        Ok(sources) => Ok((sources, None)),
        Err(error @ Error::NoEstimate { .. }) => Ok((Vec::new(), Some(error.to_string()))),
        Err(error) => Err(error),
    }
}

/// A library error about a setting, restated against the scene file's `[doa]` field
/// of the same name.
fn setting_error(scene: &ArrayScene, error: Error) -> Error {
    match error {
        Error::InvalidParameter {
            name,
            expected,
            got,
        } => Error::Scene {
            path: scene.path.clone(),
            field: format!("doa.{name}"),
            reason: format!("expected {expected}, got {got}"),
        },
        other => other,
    }
}

/// The microphones' channels of the recording, `(n_mics, n_samples)`.
fn microphone_signals(scene: &ArrayScene, recording: &Recording) -> Result<Array2<f64>> {
    let n_samples = recording.n_samples();
    let mut signals = Array2::<f64>::zeros((scene.channels.len(), n_samples));
    for (mic, &channel) in scene.channels.iter().enumerate() {
        let samples = recording
            .channels
            .get(channel)
            .ok_or_else(|| Error::Audio {
                path: scene.audio.clone(),
                reason: format!(
                    "microphone {mic} is mapped to channel {channel}, but the file has {} channels \
                 (expected at least {})",
                    recording.n_channels(),
                    scene.channels.iter().max().map_or(0, |c| c + 1)
                ),
            })?;
        signals
            .row_mut(mic)
            .assign(&ndarray::ArrayView1::from(samples.as_slice()));
    }
    Ok(signals)
}
