//! Python bindings of `soundloc`, built by maturin as `soundloc._soundloc`.
//!
//! Every function here converts and validates its arguments, releases the GIL, makes one
//! call into the `soundloc` crate and converts the result back; nothing else. The public
//! Python surface is `python/soundloc/__init__.py`, typed by `_soundloc.pyi`.

use pyo3::prelude::*;

mod convert;
mod doa;
mod errors;
mod gcc;
mod localizer;
mod locate;

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
    Ok(())
}
