//! Python bindings of `soundloc`, built by maturin as `soundloc._soundloc`.
//!
//! Every function here converts and validates its arguments, releases the GIL, makes one
//! call into the `soundloc` crate and converts the result back; nothing else. The public
//! Python surface is `python/soundloc/__init__.py`, typed by `_soundloc.pyi`.

use pyo3::prelude::*;

mod convert;
mod detect;
mod doa;
mod errors;
mod gcc;
mod geodesy;
mod localizer;
mod locate;
mod scene;
mod simulate;

/// Sound source localisation from synchronised microphones (compiled core).
#[pymodule]
fn _soundloc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "InvalidInputError",
        py.get_type::<errors::InvalidInputError>(),
    )?;
    m.add(
        "LocalizationError",
        py.get_type::<errors::LocalizationError>(),
    )?;
    m.add("DataFileError", py.get_type::<errors::DataFileError>())?;
    m.add_class::<gcc::TdoaResult>()?;
    m.add_class::<gcc::PyGccPhat>()?;
    m.add_class::<gcc::PairwiseTdoa>()?;
    m.add_class::<localizer::PyLocalizer>()?;
    m.add_class::<locate::Solution>()?;
    m.add_class::<doa::SearchGrid>()?;
    m.add_class::<doa::SourceEstimate>()?;
    m.add_class::<doa::DelayDirection>()?;
    m.add_class::<doa::PyMusic>()?;
    m.add_class::<doa::PySrpPhat>()?;
    m.add_function(wrap_pyfunction!(doa::stft, m)?)?;
    m.add_function(wrap_pyfunction!(doa::direction_from_delays, m)?)?;
    m.add_function(wrap_pyfunction!(gcc::gcc_phat, m)?)?;
    m.add_function(wrap_pyfunction!(gcc::gcc_phat_all_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(gcc::gcc_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(locate::locate, m)?)?;
    m.add_function(wrap_pyfunction!(locate::locate_signals, m)?)?;
    m.add_function(wrap_pyfunction!(locate::speed_of_sound, m)?)?;
    m.add_class::<scene::Scene>()?;
    m.add_class::<scene::EventWindow>()?;
    m.add_class::<scene::EventEstimate>()?;
    m.add_class::<detect::Onset>()?;
    m.add_class::<detect::PyOnsetDetector>()?;
    m.add_class::<detect::ErrorEllipse>()?;
    m.add_class::<detect::Candidate>()?;
    m.add_class::<detect::DetectedEvent>()?;
    m.add_class::<detect::UnlocatedEvent>()?;
    m.add_class::<detect::SensorOutage>()?;
    m.add_class::<detect::Detection>()?;
    m.add_function(wrap_pyfunction!(detect::detect_onsets, m)?)?;
    m.add_function(wrap_pyfunction!(detect::associate, m)?)?;
    m.add_function(wrap_pyfunction!(detect::error_ellipse, m)?)?;
    m.add(
        "WEIGHTINGS",
        pyo3::types::PyTuple::new(py, soundloc::weighting::Weighting::NAMES)?,
    )?;
    m.add_class::<geodesy::CoordinateFrame>()?;
    m.add_function(wrap_pyfunction!(geodesy::wgs84_to_utm, m)?)?;
    m.add_function(wrap_pyfunction!(geodesy::utm_to_wgs84, m)?)?;
    m.add_class::<simulate::Truth>()?;
    m.add_class::<simulate::TruthSensor>()?;
    m.add_class::<simulate::TruthEvent>()?;
    m.add_class::<simulate::TruthArrival>()?;
    m.add_function(wrap_pyfunction!(simulate::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::load_truth, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::simulate_array, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::air_absorption_db_per_m, m)?)?;
    Ok(())
}
