//! The fit plot: attenuation against distance, real and simulated, as SVG drawn with plotters.
//!
//! Each real scan is a blue dot at its mean true distance and typical attenuation; for each of
//! them the fitted model draws one simulated scan at the same distance (an orange dot:
//! [`RadioModel::mean_attenuation_db`] plus its scan spread, seeded); the model's mean is a
//! red line, ±σ dashed. Distance is on a log scale from 0.1 to 10 m (the model is a straight
//! line there), attenuation from 20 to 90 dB; points outside are drawn at the edge. With more
//! than [`MAX_POINTS`] scans, every k-th is drawn, so the file stays small. No font is loaded:
//! the viewer draws the text.

use plotters::prelude::*;

use crate::evaluation::ScanResult;
use crate::simulation::{RadioModel, Random};

/// The most scans drawn as dots (each side).
pub const MAX_POINTS: usize = 3000;

/// The distances drawn, in metres (log scale).
pub const DISTANCES_M: std::ops::Range<f64> = 0.1..10.0;

/// The attenuations drawn, in dB.
pub const ATTENUATIONS_DB: std::ops::Range<f64> = 20.0..90.0;

const REAL: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const SIMULATED: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const MODEL: RGBColor = RGBColor(0xd6, 0x27, 0x28);

/// The plot (see the module docs) of `scans` and the `model` fitted to them; `seed` draws the
/// simulated scans.
pub fn fit_svg(title: &str, scans: &[ScanResult], model: &RadioModel, seed: u64) -> String {
    let stride = scans.len().div_ceil(MAX_POINTS).max(1);
    let mut random = Random::new(seed);
    let inside = |distance: f64, attenuation: f64| {
        (
            distance.clamp(DISTANCES_M.start, DISTANCES_M.end),
            attenuation.clamp(ATTENUATIONS_DB.start, ATTENUATIONS_DB.end),
        )
    };
    let mut real = Vec::new();
    let mut simulated = Vec::new();
    for scan in scans.iter().step_by(stride) {
        real.push(inside(
            scan.distance_m,
            f64::from(scan.typical_attenuation_db),
        ));
        let drawn =
            model.mean_attenuation_db(scan.distance_m) + random.normal(model.scan_spread_db);
        simulated.push(inside(scan.distance_m, drawn));
    }
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (520, 420)).into_drawing_area();
        // Drawing into a String cannot fail for want of I/O; a failure leaves what was drawn.
        let _ =
            draw(&area, title, scans.len(), model, &real, &simulated).and_then(|()| area.present());
    }
    svg
}

fn draw(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    scan_count: usize,
    model: &RadioModel,
    real: &[(f64, f64)],
    simulated: &[(f64, f64)],
) -> std::result::Result<(), DrawingAreaErrorKind<std::io::Error>> {
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(DISTANCES_M.log_scale(), ATTENUATIONS_DB)?;
    chart
        .configure_mesh()
        .x_desc("true distance (m, log scale)")
        .y_desc("typical attenuation (dB)")
        .draw()?;
    chart
        .draw_series(
            real.iter()
                .map(|&point| Circle::new(point, 2, REAL.mix(0.35).filled())),
        )?
        .label(format!("real scans ({scan_count})"))
        .legend(|(x, y)| Circle::new((x + 8, y), 3, REAL.filled()));
    chart
        .draw_series(
            simulated
                .iter()
                .map(|&point| Circle::new(point, 2, SIMULATED.mix(0.35).filled())),
        )?
        .label("simulated from the fit")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, SIMULATED.filled()));
    let line = |offset: f64| {
        [DISTANCES_M.start, DISTANCES_M.end].map(|distance| {
            (
                distance,
                model.mean_attenuation_db(distance) + offset * model.scan_spread_db,
            )
        })
    };
    chart
        .draw_series(LineSeries::new(line(0.0), MODEL.stroke_width(2)))?
        .label(format!(
            "model: {:.1} dB at 1 m, exponent {:.2}, ±{:.1} dB",
            model.attenuation_at_1_m_db, model.exponent, model.scan_spread_db
        ))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], MODEL.stroke_width(2)));
    for offset in [-1.0, 1.0] {
        chart.draw_series(DashedLineSeries::new(line(offset), 4, 4, MODEL.into()))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
