//! Association: which onsets, heard at different sensors, come from one sound.
//!
//! Each sensor's detector ([`crate::detect`]) reports onsets on its own: the sound
//! we want, but also a door slam next to one sensor, an echo off a facade, a bus.
//! Association groups the onsets of different sensors into candidate events, using
//! the one thing every true event obeys: the arrivals at the sensors are those of a
//! single source position `x` and emission time `t0`,
//!
//! ```text
//! t_k = t0 + |x - p_k| / c        for every sensor k that heard it.
//! ```
//!
//! A pair of sensors can therefore never hear one sound further apart in time than
//! their distance over the speed of sound. That bound alone is weak for a city-sized
//! array (a second or more), so we test the full pattern instead, by a grid search in
//! the spirit of the "time-difference grid" of seismic and acoustic event association
//! (for example the phase associators of earthquake catalogues, Johnson et al. 1997,
//! "Robust regional phase association"):
//!
//! 1. Onsets are taken in time order. The earliest one not yet used seeds a search.
//! 2. A quick bound first: unless enough other sensors have an onset within their
//!    distance to the seed sensor over `c` (plus the timing tolerance), the seed is
//!    left alone (a sound heard by one sensor only is no event we can place).
//! 3. For every cell of a horizontal grid covering the sensors and a margin around
//!    them (coarse first, four times the cell size with a tolerance to match, then
//!    the fine cells around the best three coarse ones), the seed gives the emission time `t0 = t_seed - |x - p_seed| / c`, which
//!    predicts every other sensor's arrival. The onset of each sensor nearest its
//!    prediction counts when it lies within the tolerance (the detector's timing
//!    error plus half a cell of travel time).
//! 4. The seed competes with every later onset that could belong to the same sound
//!    (within the array's widest travel time): each finds its best cell, and the one
//!    explaining the most sensors wins (ties: the smallest sum of squared misfits).
//!    So a spurious onset heard just before an event cannot take the event's onsets
//!    for itself. With enough sensors, the winner's onsets become one candidate and
//!    are marked used; the candidate keeps the predicted arrival at *every* sensor, so
//!    that sensors whose detector missed the sound (too far, masked, or only a late
//!    non-line-of-sight arrival) can still be measured by GCC-PHAT around it.
//!
//! This copes with the cases that break simpler schemes: sensors that did not hear
//! the event (they simply do not count), echoes (a late onset does not fit the
//! pattern and is left for its own, failing, seed), and two events close in time at
//! different places (each seed finds the cell that fits its own onsets).
//!
//! # Limitations
//!
//! - The grid is horizontal, at one height (by default the sensors' mean): fine for
//!   sources near street level around sensors on facades, coarse for a source on a
//!   roof. The position found is only a starting point for [`crate::event`].
//! - The competition is greedy: the best search of each round is kept for good, even
//!   when a different split of the onsets between two overlapping events would
//!   explain more of them in total.
//! - The cost grows with the grid size times the onsets within one travel time of
//!   each other: fine for a neighbourhood, not for a country.

use crate::array::distance;
use crate::error::{Error, Result};

/// Settings of the association.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationOptions {
    /// Grid cell size, metres.
    pub cell_m: f64,
    /// How far outside the sensors' bounding box a source may be, metres.
    pub margin_m: f64,
    /// Timing error of an onset, seconds (the detector's, plus clock errors).
    pub onset_tolerance_s: f64,
    /// The fewest sensors whose onsets must fit one source.
    pub min_sensors: usize,
    /// Height of the grid in the local frame, metres; `None` for the sensors' mean.
    pub height_m: Option<f64>,
}

impl Default for AssociationOptions {
    fn default() -> Self {
        AssociationOptions {
            cell_m: 10.0,
            margin_m: 100.0,
            onset_tolerance_s: 0.015,
            min_sensors: 4,
            height_m: None,
        }
    }
}

/// The largest search grid, cells: about 20 km by 20 km at 10 m (the coarse pass
/// visits a sixteenth of them per seed).
const MAX_GRID_CELLS: f64 = 4e6;

/// How much coarser the first pass of the grid search is.
const COARSE_FACTOR: f64 = 4.0;

/// How many of the best coarse cells the fine pass searches around.
const COARSE_KEPT: usize = 3;

/// One onset as association sees it: which sensor, and when (true time, seconds,
/// clock offsets already removed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnsetTime {
    /// Sensor index.
    pub sensor: usize,
    /// Arrival time, seconds.
    pub time_s: f64,
}

/// A candidate event: onsets of several sensors that one source explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Indices into the onsets given to [`associate`], one per sensor, in time order.
    pub onsets: Vec<usize>,
    /// The grid cell that explains them (local frame, metres): a coarse position.
    pub position: [f64; 3],
    /// The emission time that cell implies, seconds (median over the onsets).
    pub emission_s: f64,
    /// The predicted arrival at every sensor (not only those with an onset), seconds.
    pub arrivals_s: Vec<f64>,
    /// How far a true arrival may lie from its prediction, seconds: the onset
    /// tolerance plus the travel time across half a cell.
    pub tolerance_s: f64,
}

impl AssociationOptions {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad setting.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &'static str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(Error::parameter(name, "a finite, positive number", value))
            }
        };
        positive("cell_m", self.cell_m)?;
        positive("onset_tolerance_s", self.onset_tolerance_s)?;
        if !(self.margin_m.is_finite() && self.margin_m >= 0.0) {
            return Err(Error::parameter(
                "margin_m",
                "a finite, non-negative number of metres",
                self.margin_m,
            ));
        }
        if self.min_sensors < 2 {
            return Err(Error::parameter(
                "min_sensors",
                "at least 2",
                self.min_sensors,
            ));
        }
        if let Some(height) = self.height_m.filter(|h| !h.is_finite()) {
            return Err(Error::parameter("height_m", "finite metres", height));
        }
        Ok(())
    }
}

/// Groups onsets into candidate events (see the module docs).
///
/// `onsets` may come in any order; `positions` are the sensors' local coordinates,
/// metres, indexed by [`OnsetTime::sensor`].
///
/// # Errors
/// [`Error::InvalidParameter`] for bad options, a non-positive speed of sound, an
/// onset naming an unknown sensor or a non-finite time; [`Error::NonFinite`] for a
/// non-finite sensor position.
pub fn associate(
    onsets: &[OnsetTime],
    positions: &[[f64; 3]],
    speed_of_sound: f64,
    options: &AssociationOptions,
) -> Result<Vec<Candidate>> {
    options.validate()?;
    check_inputs(onsets, positions, speed_of_sound)?;
    let grid = Grid::covering(positions, options);
    let cells = grid.cells.0 as f64 * grid.cells.1 as f64;
    if cells > MAX_GRID_CELLS {
        // Any of the three may be the mistake: name them all, with their values.
        let spread = |axis: usize| {
            let values = positions.iter().map(|p| p[axis]);
            values.clone().fold(f64::NEG_INFINITY, f64::max) - values.fold(f64::INFINITY, f64::min)
        };
        return Err(Error::parameter(
            "sensor positions, margin_m or cell_m",
            format!(
                "a search area of at most {MAX_GRID_CELLS:.0} grid cells (sensors within a \
                 few kilometres of each other, a margin and a cell size in proportion)"
            ),
            format!(
                "sensors spread over {:.0} m by {:.0} m, margin_m {} m and cell_m {} m, \
                 {cells:.0} cells (check for a mistyped position or setting)",
                spread(0),
                spread(1),
                options.margin_m,
                options.cell_m
            ),
        ));
    }
    let tolerance_s = options.onset_tolerance_s + grid.half_diagonal_m() / speed_of_sound;

    // Each sensor's onsets in time order, as indices into `onsets`.
    let mut by_sensor: Vec<Vec<usize>> = vec![Vec::new(); positions.len()];
    let mut order: Vec<usize> = (0..onsets.len()).collect();
    order.sort_by(|&a, &b| onsets[a].time_s.total_cmp(&onsets[b].time_s));
    for &index in &order {
        by_sensor[onsets[index].sensor].push(index);
    }

    let search = Search {
        onsets,
        positions,
        by_sensor: &by_sensor,
        speed_of_sound,
        tolerance_s,
    };
    let horizon_s = search.widest_travel_s() + tolerance_s;

    // Seeds in time order; each round, the earliest open seed and every onset that
    // could belong to the same sound compete, and the search explaining the most
    // sensors wins. A seed whose best search explains too few is closed: onsets are
    // only ever taken away, so it cannot do better later.
    let mut used = vec![false; onsets.len()];
    let mut closed = vec![false; onsets.len()];
    let mut candidates = Vec::new();
    let mut cursor = 0;
    while cursor < order.len() {
        let seed = order[cursor];
        if used[seed] || closed[seed] {
            cursor += 1;
            continue;
        }

        let mut winner: Option<(usize, f64, usize, [f64; 3])> = None;
        let contenders: Vec<usize> = order[cursor..]
            .iter()
            .copied()
            .take_while(|&k| onsets[k].time_s <= onsets[seed].time_s + horizon_s)
            .filter(|&k| !used[k] && !closed[k])
            .collect();
        for contender in contenders {
            let fit = search
                .enough_nearby(contender, &used, options.min_sensors)
                .then(|| search.best_cell(contender, &used, &grid))
                .flatten()
                .filter(|&(count, _, _)| count >= options.min_sensors);
            match fit {
                None => closed[contender] = true,
                Some((count, misfit, point)) => {
                    if winner.is_none_or(|(c, m, _, _)| count > c || (count == c && misfit < m)) {
                        winner = Some((count, misfit, contender, point));
                    }
                }
            }
        }

        if let Some((_, _, contender, point)) = winner {
            let candidate = search.candidate_at(contender, point, &used);
            for &index in &candidate.onsets {
                used[index] = true;
            }
            candidates.push(candidate);
        }
    }
    candidates.sort_by(|a, b| a.emission_s.total_cmp(&b.emission_s));
    Ok(candidates)
}

/// Rejects inputs the search cannot use, naming the first bad one.
fn check_inputs(onsets: &[OnsetTime], positions: &[[f64; 3]], speed_of_sound: f64) -> Result<()> {
    if !(speed_of_sound.is_finite() && speed_of_sound > 0.0) {
        return Err(Error::parameter(
            "speed_of_sound",
            "a finite, positive speed in m/s",
            speed_of_sound,
        ));
    }
    for (index, position) in positions.iter().enumerate() {
        crate::error::check_finite(|| format!("position of sensor {index}"), position)?;
    }
    for (index, onset) in onsets.iter().enumerate() {
        if onset.sensor >= positions.len() {
            return Err(Error::parameter(
                "onsets",
                format!("sensor indices below {}", positions.len()),
                format!("onset {index} of sensor {}", onset.sensor),
            ));
        }
        if !onset.time_s.is_finite() {
            return Err(Error::parameter(
                "onsets",
                "finite times",
                format!("onset {index} at {} s", onset.time_s),
            ));
        }
    }
    Ok(())
}

/// The horizontal grid of candidate source positions.
struct Grid {
    origin: [f64; 2],
    cell_m: f64,
    cells: (usize, usize),
    height_m: f64,
}

impl Grid {
    /// Cells over the sensors' bounding box and the margin around it.
    fn covering(positions: &[[f64; 3]], options: &AssociationOptions) -> Self {
        let bound = |axis: usize, pick: fn(f64, f64) -> f64, start: f64| {
            positions.iter().map(|p| p[axis]).fold(start, pick)
        };
        let low = [
            bound(0, f64::min, f64::INFINITY) - options.margin_m,
            bound(1, f64::min, f64::INFINITY) - options.margin_m,
        ];
        let high = [
            bound(0, f64::max, f64::NEG_INFINITY) + options.margin_m,
            bound(1, f64::max, f64::NEG_INFINITY) + options.margin_m,
        ];
        // Saturating: a mistyped position far away gives a huge count, refused above.
        let count =
            |axis: usize| ((high[axis] - low[axis]) / options.cell_m).ceil().min(1e12) as usize + 1;
        let mean_height =
            positions.iter().map(|p| p[2]).sum::<f64>() / positions.len().max(1) as f64;
        Grid {
            origin: low,
            cell_m: options.cell_m,
            cells: (count(0), count(1)),
            height_m: options.height_m.unwrap_or(mean_height),
        }
    }

    /// The same area in cells `factor` times larger.
    fn coarser(&self, factor: f64) -> Grid {
        let cell_m = self.cell_m * factor;
        let count = |n: usize| (((n - 1) as f64 * self.cell_m) / cell_m).ceil() as usize + 1;
        Grid {
            origin: self.origin,
            cell_m,
            cells: (count(self.cells.0), count(self.cells.1)),
            height_m: self.height_m,
        }
    }

    /// The points of this grid's spacing covering a square of side `width_m` (and a
    /// cell more) centred on `centre`.
    fn around(&self, centre: [f64; 3], width_m: f64) -> impl Iterator<Item = [f64; 3]> + '_ {
        let half = (width_m / 2.0 / self.cell_m).ceil() as i64 + 1;
        (-half..=half).flat_map(move |i| {
            (-half..=half).map(move |j| {
                [
                    centre[0] + i as f64 * self.cell_m,
                    centre[1] + j as f64 * self.cell_m,
                    self.height_m,
                ]
            })
        })
    }

    fn half_diagonal_m(&self) -> f64 {
        self.cell_m * std::f64::consts::FRAC_1_SQRT_2
    }

    fn points(&self) -> impl Iterator<Item = [f64; 3]> + '_ {
        (0..self.cells.0).flat_map(move |i| {
            (0..self.cells.1).map(move |j| {
                [
                    self.origin[0] + i as f64 * self.cell_m,
                    self.origin[1] + j as f64 * self.cell_m,
                    self.height_m,
                ]
            })
        })
    }
}

/// What one seed's search needs.
struct Search<'a> {
    onsets: &'a [OnsetTime],
    positions: &'a [[f64; 3]],
    by_sensor: &'a [Vec<usize>],
    speed_of_sound: f64,
    tolerance_s: f64,
}

impl Search<'_> {
    /// Step 2: do enough sensors have an unused onset the seed's sound could explain?
    fn enough_nearby(&self, seed: usize, used: &[bool], min_sensors: usize) -> bool {
        let (sensor, time) = (self.onsets[seed].sensor, self.onsets[seed].time_s);
        let reachable = (0..self.positions.len())
            .filter(|&other| other != sensor)
            .filter(|&other| {
                let reach = distance(self.positions[sensor], self.positions[other])
                    / self.speed_of_sound
                    + self.tolerance_s;
                self.nearest_unused(other, time, used)
                    .is_some_and(|(_, misfit)| misfit <= reach)
            })
            .count();
        reachable + 1 >= min_sensors
    }

    /// The unused onset of `sensor` nearest `time`, with its distance in time.
    fn nearest_unused(&self, sensor: usize, time: f64, used: &[bool]) -> Option<(usize, f64)> {
        let list = &self.by_sensor[sensor];
        let split = list.partition_point(|&index| self.onsets[index].time_s < time);
        let later = list[split..].iter().find(|&&index| !used[index]);
        let earlier = list[..split].iter().rev().find(|&&index| !used[index]);
        [earlier, later]
            .into_iter()
            .flatten()
            .map(|&index| (index, (self.onsets[index].time_s - time).abs()))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The longest travel time between two sensors, seconds.
    fn widest_travel_s(&self) -> f64 {
        let mut widest: f64 = 0.0;
        for a in self.positions {
            for b in self.positions {
                widest = widest.max(distance(*a, *b) / self.speed_of_sound);
            }
        }
        widest
    }

    /// Step 3, coarse to fine: the best few cells of a grid four times coarser (with a
    /// tolerance widened to match), then the fine grid around each of them. The best
    /// cell, with how many sensors it explains (the seed included) and the sum of
    /// squared misfits, seconds squared.
    fn best_cell(&self, seed: usize, used: &[bool], grid: &Grid) -> Option<(usize, f64, [f64; 3])> {
        let coarse = grid.coarser(COARSE_FACTOR);
        let coarse_tolerance = self.tolerance_s
            + (coarse.half_diagonal_m() - grid.half_diagonal_m()) / self.speed_of_sound;
        let mut scores: Vec<(usize, f64, [f64; 3])> = coarse
            .points()
            .map(|point| self.score(seed, used, point, coarse_tolerance))
            .collect();
        scores.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));

        scores
            .iter()
            .take(COARSE_KEPT)
            .flat_map(|&(_, _, centre)| grid.around(centre, coarse.cell_m))
            .map(|point| self.score(seed, used, point, self.tolerance_s))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
    }

    /// How many sensors a source at `point` explains (the seed included), and the sum
    /// of their squared misfits.
    fn score(
        &self,
        seed: usize,
        used: &[bool],
        point: [f64; 3],
        tolerance_s: f64,
    ) -> (usize, f64, [f64; 3]) {
        let (seed_sensor, seed_time) = (self.onsets[seed].sensor, self.onsets[seed].time_s);
        let emission =
            seed_time - distance(point, self.positions[seed_sensor]) / self.speed_of_sound;
        let (mut count, mut misfit) = (1usize, 0.0);
        for sensor in (0..self.positions.len()).filter(|&s| s != seed_sensor) {
            let predicted =
                emission + distance(point, self.positions[sensor]) / self.speed_of_sound;
            if let Some((_, error)) = self.nearest_unused(sensor, predicted, used)
                && error <= tolerance_s
            {
                count += 1;
                misfit += error * error;
            }
        }
        (count, misfit, point)
    }

    /// The candidate a cell stands for: the seed and each other sensor's fitting onset.
    fn candidate_at(&self, seed: usize, point: [f64; 3], used: &[bool]) -> Candidate {
        let travel = |sensor: usize| distance(point, self.positions[sensor]) / self.speed_of_sound;
        let seed_sensor = self.onsets[seed].sensor;
        let emission = self.onsets[seed].time_s - travel(seed_sensor);

        let mut onsets = vec![seed];
        for sensor in (0..self.positions.len()).filter(|&s| s != seed_sensor) {
            if let Some((index, error)) =
                self.nearest_unused(sensor, emission + travel(sensor), used)
                && error <= self.tolerance_s
            {
                onsets.push(index);
            }
        }
        onsets.sort_by(|&a, &b| self.onsets[a].time_s.total_cmp(&self.onsets[b].time_s));

        // The emission time all the fitting onsets agree on best.
        let mut emissions: Vec<f64> = onsets
            .iter()
            .map(|&index| self.onsets[index].time_s - travel(self.onsets[index].sensor))
            .collect();
        emissions.sort_by(f64::total_cmp);
        let emission_s = emissions[emissions.len() / 2];

        Candidate {
            onsets,
            position: point,
            emission_s,
            arrivals_s: (0..self.positions.len())
                .map(|sensor| emission_s + travel(sensor))
                .collect(),
            tolerance_s: self.tolerance_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: f64 = 343.0;

    /// Eight sensors around a 400 m by 300 m block, at 4 m.
    fn layout() -> Vec<[f64; 3]> {
        vec![
            [-200.0, -150.0, 4.0],
            [0.0, -160.0, 5.0],
            [210.0, -140.0, 4.0],
            [200.0, 10.0, 3.5],
            [190.0, 150.0, 4.0],
            [0.0, 140.0, 4.5],
            [-190.0, 160.0, 4.0],
            [-210.0, 0.0, 4.0],
        ]
    }

    /// The arrivals of a source at `x` emitting at `t0`, for the listed sensors.
    fn arrivals(x: [f64; 3], t0: f64, sensors: &[usize]) -> Vec<OnsetTime> {
        let positions = layout();
        sensors
            .iter()
            .map(|&sensor| OnsetTime {
                sensor,
                time_s: t0 + distance(x, positions[sensor]) / C,
            })
            .collect()
    }

    fn run(onsets: &[OnsetTime]) -> Vec<Candidate> {
        associate(onsets, &layout(), C, &AssociationOptions::default()).unwrap()
    }

    #[test]
    fn one_event_heard_by_all_is_one_candidate_near_the_source() {
        let source = [37.0, -52.0, 1.0];
        let onsets = arrivals(source, 10.0, &[0, 1, 2, 3, 4, 5, 6, 7]);

        let candidates = run(&onsets);

        assert_eq!(candidates.len(), 1);
        let candidate = &candidates[0];
        assert_eq!(candidate.onsets.len(), 8);
        let horizontal = ((candidate.position[0] - source[0]).powi(2)
            + (candidate.position[1] - source[1]).powi(2))
        .sqrt();
        assert!(horizontal < 15.0, "cell {:?}", candidate.position);
        assert!((candidate.emission_s - 10.0).abs() < 0.03);
        for (sensor, arrival) in candidate.arrivals_s.iter().enumerate() {
            let truth = 10.0 + distance(source, layout()[sensor]) / C;
            assert!((arrival - truth).abs() <= candidate.tolerance_s);
        }
    }

    #[test]
    fn missing_sensors_echoes_and_a_lone_onset_do_not_confuse_it() {
        let source = [-120.0, 80.0, 1.5];
        let mut onsets = arrivals(source, 5.0, &[0, 2, 4, 5, 6, 7]);
        // Echoes 80 ms after the direct sound at two sensors; a door slam at sensor 1.
        onsets.extend(arrivals(source, 5.08, &[5, 6]));
        onsets.push(OnsetTime {
            sensor: 1,
            time_s: 5.3,
        });

        let candidates = run(&onsets);

        assert_eq!(candidates.len(), 1, "{candidates:?} from {onsets:?}");
        let mut sensors: Vec<usize> = candidates[0]
            .onsets
            .iter()
            .map(|&i| onsets[i].sensor)
            .collect();
        sensors.sort_unstable();
        assert_eq!(sensors, vec![0, 2, 4, 5, 6, 7]);
        for &index in &candidates[0].onsets {
            assert!(
                index < 6,
                "an echo or the door slam was taken: onset {index}"
            );
        }
    }

    #[test]
    fn two_events_close_in_time_at_different_places_are_told_apart() {
        let first = [-150.0, -100.0, 1.0];
        let second = [160.0, 120.0, 1.0];
        let mut onsets = arrivals(first, 20.0, &[0, 1, 2, 3, 4, 5, 6, 7]);
        onsets.extend(arrivals(second, 20.15, &[0, 1, 2, 3, 4, 5, 6, 7]));

        let candidates = run(&onsets);

        assert_eq!(candidates.len(), 2);
        for (candidate, source, t0, range) in [
            (&candidates[0], first, 20.0, 0..8),
            (&candidates[1], second, 20.15, 8..16),
        ] {
            assert!(candidate.onsets.iter().all(|i| range.contains(i)));
            assert_eq!(candidate.onsets.len(), 8);
            assert!((candidate.emission_s - t0).abs() < 0.03);
            let horizontal = ((candidate.position[0] - source[0]).powi(2)
                + (candidate.position[1] - source[1]).powi(2))
            .sqrt();
            assert!(horizontal < 15.0);
        }
    }

    #[test]
    fn onsets_no_source_can_explain_give_no_candidate() {
        // Four sensors fire within a second, in an order and with gaps no single
        // position fits: 0 and 4 are 500 m apart but hear "it" 10 ms apart, while 1
        // and 5, 300 m apart, hear it 0.9 s apart.
        let onsets = [(0, 1.0), (4, 1.01), (1, 1.5), (5, 2.4)]
            .map(|(sensor, time_s)| OnsetTime { sensor, time_s });

        assert!(run(&onsets).is_empty());
    }

    #[test]
    fn too_few_sensors_give_no_candidate() {
        let onsets = arrivals([0.0, 0.0, 1.0], 3.0, &[0, 3, 5]);

        assert!(run(&onsets).is_empty());
    }

    #[test]
    fn bad_inputs_are_named() {
        let positions = layout();
        let options = AssociationOptions::default();
        let unknown = [OnsetTime {
            sensor: 9,
            time_s: 1.0,
        }];
        let message = associate(&unknown, &positions, C, &options)
            .unwrap_err()
            .to_string();
        assert!(message.contains("sensor 9"), "{message}");

        let nan = [OnsetTime {
            sensor: 0,
            time_s: f64::NAN,
        }];
        assert!(associate(&nan, &positions, C, &options).is_err());
        assert!(associate(&[], &positions, 0.0, &options).is_err());
        let mut far = positions.clone();
        far[1] = [1e9, 0.0, 4.0];
        let message = associate(&[], &far, C, &options).unwrap_err().to_string();
        assert!(message.contains("mistyped position"), "{message}");
        // Found by a tester: a tiny cell or a huge margin blamed the positions alone.
        for (cell_m, margin_m, named) in [
            (1e-6, 50.0, "cell_m 0.000001 m"),
            (5.0, 1e12, "margin_m 1000000000000 m"),
        ] {
            let odd = AssociationOptions {
                cell_m,
                margin_m,
                ..options.clone()
            };
            let message = associate(&[], &positions, C, &odd).unwrap_err().to_string();
            assert!(message.contains(named), "{message}");
        }

        let bad = AssociationOptions {
            cell_m: -1.0,
            ..options
        };
        let message = associate(&[], &positions, C, &bad).unwrap_err().to_string();
        assert!(message.contains("cell_m"), "{message}");
    }
}
