//! `mimamori accuracy`: how well the rule separates near from far on distance-labelled readings.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

/// `mimamori accuracy …`
#[derive(Debug, Subcommand)]
pub(crate) enum AccuracyCommand {
    /// Run distance-labelled readings (CSV: seen_at,pair,rssi_dbm,tx_power_dbm,
    /// rssi_correction_db,distance_m) through the engine and print, by true distance, the
    /// attenuation buckets of the scans and the rule's true and false positives per pair-day at
    /// 1 m, 1.5 m and 2 m (docs/accuracy.md).
    Evaluate(EvaluateArgs),
}

/// Arguments of `mimamori accuracy evaluate`.
#[derive(Debug, Args)]
pub(crate) struct EvaluateArgs {
    /// The readings file (format: docs/accuracy.md; example: core/accuracy/data/hand-made.csv).
    #[arg(long)]
    readings: PathBuf,
    /// COCOA's configuration.json (default: COCOA's published one).
    #[arg(long)]
    config: Option<PathBuf>,
    /// COCOA's risk_calculation_configuration.json (default: COCOA's published one).
    #[arg(long)]
    rules: Option<PathBuf>,
}

/// Runs an accuracy command.
pub(crate) fn run(command: &AccuracyCommand, out: &mut impl Write) -> Result<()> {
    match command {
        AccuracyCommand::Evaluate(args) => evaluate(args, out),
    }
}

fn evaluate(args: &EvaluateArgs, out: &mut impl Write) -> Result<()> {
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let readings = mimamori_accuracy::parse_readings(&read(&args.readings)?)
        .with_context(|| format!("cannot use {}", args.readings.display()))?;
    let (configuration, rules) = crate::cocoa_files(args.config.as_ref(), args.rules.as_ref())?;
    let evaluation = mimamori_accuracy::evaluate(&readings, &configuration, &rules);
    writeln!(
        out,
        "{} readings, {} scans, {} pair-days",
        readings.len(),
        evaluation.scans.len(),
        evaluation.pair_days.len()
    )?;
    write!(out, "{}", mimamori_accuracy::render(&evaluation))?;
    Ok(())
}
