//! # Mimamori accuracy
//!
//! How well does COCOA's rule, "within about 1 m for 15 minutes or more", work? This crate runs
//! distance-labelled Bluetooth readings through Mimamori's own GAEN engine (gaen's calibration,
//! exposure windows and COCOA's rule, with any `configuration.json` and
//! `risk_calculation_configuration.json`) and scores the engine's verdicts against the true
//! distance: per scan, which attenuation bucket each true distance lands in; per pair of phones
//! and day, the rule's true and false positives at 1 m, 1.5 m and 2 m.
//!
//! - [`readings`]: the one input format any lab's recording can be converted to, and its loader.
//! - [`evaluation`]: the method, the scoring and the printed figures.
//! - [`dp3t`]: DP-3T's experiment 34 (CC BY-ND 4.0), read from the files a user downloads.
//! - [`report`]: one self-contained HTML page comparing settings side by side.
//! - [`simulation`]: phones meeting, through a fitted path-loss model, as readings.
//! - [`tuning`]: ROC curves, NIST's normalised detection cost and a search of thresholds.
//! - [`mitll`]: MIT Lincoln Laboratory's static BLE recordings (CC BY 4.0), converted to readings.
//!
//! `mimamori accuracy evaluate --readings FILE` prints the figures; `docs/accuracy.md` gives the
//! method, the public data sets, their licences and their limits.
//!
//! ## Example
//!
//! Two phones 0.5 m apart for 20 minutes, scanned every 5 minutes, at 50 dB (COCOA's "near"
//! bucket, weight 2.5): a true contact at 1 m, and the rule flags it.
//!
//! ```
//! use mimamori_accuracy::{evaluate, parse_readings};
//! use mimamori_gaen::{ExposureConfiguration, RiskRules};
//!
//! let mut csv = String::from("seen_at,pair,rssi_dbm,tx_power_dbm,rssi_correction_db,distance_m\n");
//! for scan in 0..5 {
//!     let at = 1_585_785_600 + scan * 300;
//!     csv += &format!("{at},a>b,-74,-24,0,0.5\n");
//! }
//! let readings = parse_readings(&csv)?;
//! let evaluation = evaluate(&readings, &ExposureConfiguration::cocoa(), &RiskRules::cocoa());
//! let at_1_m = evaluation.confusion(0);
//! assert_eq!(evaluation.pair_days[0].seconds_within[0], 120 + 4 * 300);
//! assert_eq!(at_1_m.true_positives, 1);
//! # Ok::<(), mimamori_accuracy::Error>(())
//! ```

#![warn(missing_docs)]

pub mod dp3t;
mod error;
pub mod evaluation;
pub mod mitll;
pub mod readings;
pub mod report;
pub mod simulation;
pub mod tuning;

pub use error::{Error, Result};
pub use evaluation::{
    Confusion, Evaluation, PairDay, ScanResult, confusion_of, evaluate, render, render_grouped,
};
pub use readings::{Reading, format_readings, parse_readings};
