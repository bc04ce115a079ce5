//! Atmospheric absorption of sound, after ISO 9613-1:1993, "Acoustics - Attenuation of
//! sound during propagation outdoors - Part 1: Calculation of the absorption of sound by the
//! atmosphere".
//!
//! Besides spreading, air turns sound into heat: classically (viscosity, heat conduction)
//! and, far more at audio frequencies, through the vibrational relaxation of oxygen and
//! nitrogen molecules. Water vapour sets how fast those molecules relax, so humidity moves
//! the two relaxation frequencies `f_rO` and `f_rN`. The standard gives the attenuation
//! coefficient, in dB per metre, as
//!
//! ```text
//! alpha = 8.686 f^2 [ 1.84e-11 (p_a/p_r)^-1 (T/T0)^(1/2)
//!                   + (T/T0)^(-5/2) ( 0.01275 e^(-2239.1/T) / (f_rO + f^2/f_rO)
//!                                   + 0.1068  e^(-3352.0/T) / (f_rN + f^2/f_rN) ) ]
//! ```
//!
//! with `T0 = 293.15 K`, `p_r = 101.325 kPa`, and the relaxation frequencies and the molar
//! concentration of water vapour `h` (per cent) computed from the relative humidity as in
//! the standard's equations (B.1), (3) and (4). At 20 degC and 70 % relative humidity this
//! gives about 5 dB/km at 1 kHz and 23 dB/km at 4 kHz: over 400 m of street a glass
//! crash loses a few dB of its highest partials, and hardly anything below 1 kHz.
//!
//! The pressure is that of the ICAO standard atmosphere (ISO 2533) at the ground altitude,
//! `p = 101 325 (1 - 2.25577e-5 z)^5.25588` Pa: 95 kPa at 520 m.

use crate::error::{Error, Result};

/// Altitudes [`AbsorbingAir::checked`] accepts, metres: from the Dead Sea shore to the top of
/// the troposphere, where the ICAO pressure formula holds.
pub const ABSORPTION_ALTITUDE_RANGE_M: (f64, f64) = (-500.0, 11_000.0);

/// Reference temperature of the standard, kelvin (20 degC).
const REFERENCE_KELVIN: f64 = 293.15;

/// The triple-point isotherm temperature, kelvin.
const TRIPLE_POINT_KELVIN: f64 = 273.16;

/// Reference atmospheric pressure, Pa.
const REFERENCE_PRESSURE_PA: f64 = 101_325.0;

/// The state of the air that sets its absorption.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbsorbingAir {
    /// Relaxation frequency of oxygen, Hz.
    oxygen_relaxation_hz: f64,
    /// Relaxation frequency of nitrogen, Hz.
    nitrogen_relaxation_hz: f64,
    /// Temperature, kelvin.
    kelvin: f64,
    /// Pressure over the reference pressure.
    relative_pressure: f64,
}

impl AbsorbingAir {
    /// The air at `temperature_c` degrees Celsius, `humidity_percent` relative humidity and
    /// `altitude_m` metres above sea level (which sets the pressure).
    pub fn new(temperature_c: f64, humidity_percent: f64, altitude_m: f64) -> Self {
        let kelvin = temperature_c + 273.15;
        let relative_pressure = standard_pressure_pa(altitude_m) / REFERENCE_PRESSURE_PA;

        // Molar concentration of water vapour, per cent (ISO 9613-1, B.1 and B.2).
        let exponent = -6.8346 * (TRIPLE_POINT_KELVIN / kelvin).powf(1.261) + 4.6151;
        let vapour_percent = humidity_percent * 10f64.powf(exponent) / relative_pressure;

        // Relaxation frequencies of oxygen and nitrogen (equations 3 and 4).
        let h = vapour_percent;
        let oxygen_relaxation_hz =
            relative_pressure * (24.0 + 4.04e4 * h * (0.02 + h) / (0.391 + h));
        let relative_kelvin = kelvin / REFERENCE_KELVIN;
        let nitrogen_relaxation_hz = relative_pressure
            * relative_kelvin.powf(-0.5)
            * (9.0 + 280.0 * h * (-4.170 * (relative_kelvin.powf(-1.0 / 3.0) - 1.0)).exp());

        AbsorbingAir {
            oxygen_relaxation_hz,
            nitrogen_relaxation_hz,
            kelvin,
            relative_pressure,
        }
    }

    /// [`new`](Self::new), with the air checked first: a temperature within
    /// [`PLAUSIBLE_TEMPERATURE_C`](crate::air::PLAUSIBLE_TEMPERATURE_C), a relative humidity from 0 to 100 % and an altitude
    /// within [`ABSORPTION_ALTITUDE_RANGE_M`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the value out of range or not finite.
    pub fn checked(temperature_c: f64, humidity_percent: f64, altitude_m: f64) -> Result<Self> {
        crate::air::check_air(temperature_c, ("humidity_percent", humidity_percent))?;
        let (z_min, z_max) = ABSORPTION_ALTITUDE_RANGE_M;
        if !(z_min..=z_max).contains(&altitude_m) {
            return Err(Error::parameter(
                "altitude_m",
                format!("an altitude between {z_min} and {z_max} m (the troposphere)"),
                altitude_m,
            ));
        }
        Ok(Self::new(temperature_c, humidity_percent, altitude_m))
    }

    /// Attenuation coefficient at `frequency_hz`, dB per metre (ISO 9613-1, equation 5).
    pub fn db_per_metre(&self, frequency_hz: f64) -> f64 {
        let f2 = frequency_hz * frequency_hz;
        let relative_kelvin = self.kelvin / REFERENCE_KELVIN;
        let (f_o, f_n) = (self.oxygen_relaxation_hz, self.nitrogen_relaxation_hz);

        let classical = 1.84e-11 / self.relative_pressure * relative_kelvin.sqrt();
        let oxygen = 0.01275 * (-2239.1 / self.kelvin).exp() / (f_o + f2 / f_o);
        let nitrogen = 0.1068 * (-3352.0 / self.kelvin).exp() / (f_n + f2 / f_n);
        8.686 * f2 * (classical + relative_kelvin.powf(-2.5) * (oxygen + nitrogen))
    }
}

/// Pressure of the ICAO standard atmosphere at `altitude_m` metres, Pa.
fn standard_pressure_pa(altitude_m: f64) -> f64 {
    REFERENCE_PRESSURE_PA * (1.0 - 2.25577e-5 * altitude_m).powf(5.25588)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_tables_of_the_standard_at_20_c_and_70_percent() {
        // The octave-band table of ISO 9613-2 (Table 2) at 20 degC, 70 % and sea level:
        // 5.0 dB/km at 1 kHz, 9.0 at 2 kHz, 22.9 at 4 kHz, 76.6 at 8 kHz.
        let air = AbsorbingAir::new(20.0, 70.0, 0.0);
        for (frequency, table_db_per_km) in
            [(1000.0, 5.0), (2000.0, 9.0), (4000.0, 22.9), (8000.0, 76.6)]
        {
            let got = air.db_per_metre(frequency) * 1000.0;
            assert!(
                (got / table_db_per_km - 1.0).abs() < 0.08,
                "{frequency} Hz: {got} dB/km"
            );
        }
    }

    #[test]
    fn checked_air_names_what_is_out_of_range() {
        assert_eq!(
            AbsorbingAir::checked(20.0, 70.0, 0.0).unwrap(),
            AbsorbingAir::new(20.0, 70.0, 0.0)
        );
        for (t, h, z, name) in [
            (f64::NAN, 50.0, 0.0, "temperature_c"),
            (20.0, 101.0, 0.0, "humidity_percent"),
            (20.0, 50.0, 50_000.0, "altitude_m"),
        ] {
            let err = AbsorbingAir::checked(t, h, z).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn pressure_at_520_m_is_about_95_kpa() {
        let p = standard_pressure_pa(520.0);
        assert!((p - 95_100.0).abs() < 300.0, "{p}");
    }
}
