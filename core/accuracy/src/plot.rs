//! The fit plot: attenuation against distance, real and simulated, as SVG.
//!
//! Each real scan is a blue dot at its mean true distance and typical attenuation; for each of
//! them the fitted model draws one simulated scan at the same distance (an orange dot:
//! [`RadioModel::mean_attenuation_db`] plus its scan spread, seeded); the model's mean is a
//! red line, ±σ dashed. Distance is on a log scale from 0.1 to 10 m (the model is a straight
//! line there), attenuation from 20 to 90 dB; points outside are drawn at the edge. With more
//! than [`MAX_POINTS`] scans, every k-th is drawn, so the file stays small.

use crate::evaluation::ScanResult;
use crate::simulation::{RadioModel, Random};

/// The most scans drawn as dots (each side).
pub const MAX_POINTS: usize = 3000;

const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 300.0;
const MARGIN: f64 = 50.0;
const LOWEST_DB: f64 = 20.0;
const HIGHEST_DB: f64 = 90.0;

/// The horizontal position of a distance (log scale, 0.1 m at the left, 10 m at the right).
pub fn x_of(distance_m: f64) -> f64 {
    let decades = (distance_m.clamp(0.1, 10.0).log10() + 1.0) / 2.0;
    MARGIN + decades * WIDTH
}

/// The vertical position of an attenuation (20 dB at the bottom, 90 dB at the top).
pub fn y_of(attenuation_db: f64) -> f64 {
    let share =
        (attenuation_db.clamp(LOWEST_DB, HIGHEST_DB) - LOWEST_DB) / (HIGHEST_DB - LOWEST_DB);
    MARGIN + (1.0 - share) * HEIGHT
}

/// The plot (see the module docs) of `scans` and the `model` fitted to them; `seed` draws the
/// simulated scans.
pub fn fit_svg(title: &str, scans: &[ScanResult], model: &RadioModel, seed: u64) -> String {
    let total_width = WIDTH + 2.0 * MARGIN;
    let total_height = HEIGHT + 2.0 * MARGIN + 40.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_width}\" height=\"{total_height}\" \
         viewBox=\"0 0 {total_width} {total_height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{MARGIN}\" y=\"24\" font-size=\"14\">{}</text>\n\
         <rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"none\" stroke=\"#333\"/>\n",
        crate::report::escape(title)
    );
    for distance in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0] {
        svg += &format!(
            "<line x1=\"{x:.1}\" y1=\"{MARGIN}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#eee\"/>\n\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{distance}</text>\n",
            MARGIN + HEIGHT + 16.0,
            x = x_of(distance),
            bottom = MARGIN + HEIGHT,
        );
    }
    for step in 0..=7 {
        let db = LOWEST_DB + 10.0 * f64::from(step);
        svg += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{db}</text>\n",
            MARGIN - 6.0,
            y_of(db) + 4.0
        );
    }
    svg += &format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">true distance (m, log scale)</text>\n\
         <text x=\"14\" y=\"{mid:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {mid:.1})\">typical attenuation (dB)</text>\n",
        MARGIN + WIDTH / 2.0,
        MARGIN + HEIGHT + 34.0,
        mid = MARGIN + HEIGHT / 2.0,
    );
    let stride = scans.len().div_ceil(MAX_POINTS).max(1);
    let mut random = Random::new(seed);
    let (mut real, mut simulated) = (String::new(), String::new());
    for scan in scans.iter().step_by(stride) {
        let x = x_of(scan.distance_m);
        real += &format!(
            "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"2\"/>",
            y_of(f64::from(scan.typical_attenuation_db))
        );
        let drawn =
            model.mean_attenuation_db(scan.distance_m) + random.normal(model.scan_spread_db);
        simulated += &format!("<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"2\"/>", y_of(drawn));
    }
    svg += &format!(
        "<g class=\"real\" fill=\"#1f77b4\" fill-opacity=\"0.35\">{real}</g>\n\
         <g class=\"simulated\" fill=\"#ff7f0e\" fill-opacity=\"0.35\">{simulated}</g>\n"
    );
    for (offset, dash) in [
        (0.0, ""),
        (1.0, " stroke-dasharray=\"4 4\""),
        (-1.0, " stroke-dasharray=\"4 4\""),
    ] {
        let at =
            |distance: f64| model.mean_attenuation_db(distance) + offset * model.scan_spread_db;
        svg += &format!(
            "<line class=\"model\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d62728\" stroke-width=\"2\"{dash}/>\n",
            x_of(0.1),
            y_of(at(0.1)),
            x_of(10.0),
            y_of(at(10.0)),
        );
    }
    let legend_y = MARGIN + HEIGHT + 56.0;
    svg += &format!(
        "<text x=\"{MARGIN}\" y=\"{legend_y:.1}\"><tspan fill=\"#1f77b4\">● real scans ({})</tspan> \
         <tspan fill=\"#ff7f0e\">● simulated</tspan> <tspan fill=\"#d62728\">— model: {:.1} dB at 1 m, \
         exponent {:.2}, ±{:.1} dB</tspan></text>\n",
        scans.len(),
        model.attenuation_at_1_m_db,
        model.exponent,
        model.scan_spread_db
    );
    svg + "</svg>\n"
}
