//! `soundloc detect --map`: sensors, events and error ellipses on a plain metric map.
//!
//! Drawn with plotters into a PNG, in the scene's local east-north frame (metres,
//! equal scale on both axes, north up). The font is DejaVu Sans, shipped in
//! `assets/` with its licence, so that no system font library is needed.

use std::path::Path;
use std::sync::Once;

use anyhow::anyhow;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use soundloc::continuous::Detection;
use soundloc::scene::Scene;

use crate::detect::ELLIPSE_POINTS;

/// Size of the picture, pixels.
const SIZE: (u32, u32) = (1200, 1000);

static FONT: Once = Once::new();

/// Makes DejaVu Sans the "sans-serif" font, once.
fn register_fonts() -> anyhow::Result<()> {
    let mut result = Ok(());
    FONT.call_once(|| {
        result = register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        )
        .map_err(|_| anyhow!("the bundled font assets/DejaVuSans.ttf could not be read"));
    });
    result
}

/// Draws the map into `path` (PNG).
pub fn draw(scene: &Scene, detection: &Detection, path: &Path) -> anyhow::Result<()> {
    register_fonts()?;
    let (x_range, y_range) = extent(scene, detection);

    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let title = format!(
        "{}: {} events, {} sensors (95 % ellipses)",
        scene.name.as_deref().unwrap_or("scene"),
        detection.events.len(),
        scene.sensors.len()
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, y_range)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("east (m)")
        .y_desc("north (m)")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(plot_error)?;

    // Error ellipses, then events, then sensors on top.
    let ellipse_colour = RGBColor(200, 60, 40);
    for event in &detection.events {
        if let Some(ellipse) = &event.ellipse {
            let mut ring: Vec<(f64, f64)> = ellipse
                .boundary(ELLIPSE_POINTS)
                .into_iter()
                .map(|[e, n]| (event.local[0] + e, event.local[1] + n))
                .collect();
            ring.push(ring[0]);
            chart
                .draw_series(LineSeries::new(ring, ellipse_colour.stroke_width(2)))
                .map_err(plot_error)?;
        }
    }
    chart
        .draw_series(detection.events.iter().enumerate().map(|(index, event)| {
            let at = (event.local[0], event.local[1]);
            EmptyElement::at(at)
                + Circle::new((0, 0), 5, ellipse_colour.filled())
                + Text::new(index.to_string(), (7, -16), ("sans-serif", 16))
        }))
        .map_err(plot_error)?;
    let sensor_colour = RGBColor(30, 80, 160);
    chart
        .draw_series(scene.sensors.iter().map(|sensor| {
            let at = (sensor.local[0], sensor.local[1]);
            EmptyElement::at(at)
                + TriangleMarker::new((0, 0), 8, sensor_colour.filled())
                + Text::new(sensor.id.clone(), (9, 4), ("sans-serif", 15))
        }))
        .map_err(plot_error)?;

    root.present()
        .map_err(|e| anyhow!("writing the map {}: {e}", path.display()))?;
    Ok(())
}

/// East and north ranges holding every sensor, event and ellipse, with a margin,
/// equal in scale for the picture's proportions.
fn extent(scene: &Scene, detection: &Detection) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let mut points: Vec<[f64; 2]> = scene
        .sensors
        .iter()
        .map(|s| [s.local[0], s.local[1]])
        .collect();
    for event in &detection.events {
        let reach = event.ellipse.map_or(0.0, |e| e.semi_major_m.min(200.0));
        points.push([event.local[0] - reach, event.local[1] - reach]);
        points.push([event.local[0] + reach, event.local[1] + reach]);
    }
    let low = |axis: usize| points.iter().map(|p| p[axis]).fold(f64::INFINITY, f64::min);
    let high = |axis: usize| {
        points
            .iter()
            .map(|p| p[axis])
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let centre = [(low(0) + high(0)) / 2.0, (low(1) + high(1)) / 2.0];
    let span = [
        (high(0) - low(0)).max(10.0) * 1.15,
        (high(1) - low(1)).max(10.0) * 1.15,
    ];

    // Equal metres per pixel on both axes (the plot area is roughly the picture
    // less its margins).
    let aspect = f64::from(SIZE.0 - 110) / f64::from(SIZE.1 - 110);
    let (width, height) = if span[0] / span[1] > aspect {
        (span[0], span[0] / aspect)
    } else {
        (span[1] * aspect, span[1])
    };
    (
        centre[0] - width / 2.0..centre[0] + width / 2.0,
        centre[1] - height / 2.0..centre[1] + height / 2.0,
    )
}

fn plot_error<E: std::fmt::Display>(error: E) -> anyhow::Error {
    anyhow!("drawing the map: {error}")
}
