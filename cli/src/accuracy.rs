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
    /// Convert MIT Lincoln Laboratory's BLE-RSSI-Various-Static-Configurations (a clone of
    /// github.com/mitll/BLE-RSSI-Various-Static-Configurations, CC BY 4.0) to readings on
    /// standard output: its iPhone logs, every collect at the recorded range (6 ft), 4-second
    /// slices laid 5 minutes apart as GAEN scans (docs/accuracy.md).
    ConvertMitll(ConvertMitllArgs),
    /// Convert scenes of DP-3T's experiment 34 (exp34-epfl-soldiers/scenarioNN-<scene>.sqlite,
    /// downloaded from github.com/DP-3T/bt-measurements, CC BY-ND 4.0) to readings on standard
    /// output, for use on this machine only: the licence allows no derived file to be shared.
    ConvertDp3t(ConvertDp3tArgs),
}

/// Arguments of `mimamori accuracy convert-dp3t`.
#[derive(Debug, Args)]
pub(crate) struct ConvertDp3tArgs {
    /// The scenes' SQLite files (e.g. exp34-epfl-soldiers/scenario0*.sqlite).
    #[arg(required = true)]
    scenes: Vec<PathBuf>,
}

/// Arguments of `mimamori accuracy convert-mitll`.
#[derive(Debug, Args)]
pub(crate) struct ConvertMitllArgs {
    /// The data set's folder (holding `1-May Anechoic Chamber/iPhone/log_…_45.txt` and so on).
    directory: PathBuf,
    /// The transmitters' assumed calibrated TX power, in dBm (default: −23, the mean of
    /// Google's calibration table).
    #[arg(long, allow_hyphen_values = true)]
    tx_power: Option<i8>,
    /// The iPhone's assumed RSSI correction, in dB (default: 0, Google's reference).
    #[arg(long, allow_hyphen_values = true)]
    rssi_correction: Option<i8>,
    /// Keep the recorded times (one ~30 s collect is then one GAEN scan) instead of laying
    /// 4-second slices 5 minutes apart.
    #[arg(long)]
    as_recorded: bool,
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
    /// Also print the figures grouped by this part of the pair id, split at every `/` and `>`
    /// (counted from 0; in converted MIT LL files 0 is the environment, 1 the rotation, 3 the
    /// carriage). May be given more than once.
    #[arg(long = "group-by-pair-part")]
    group_by_pair_part: Vec<usize>,
}

/// Runs an accuracy command.
pub(crate) fn run(command: &AccuracyCommand, out: &mut impl Write) -> Result<()> {
    match command {
        AccuracyCommand::Evaluate(args) => evaluate(args, out),
        AccuracyCommand::ConvertMitll(args) => convert_mitll(args, out),
        AccuracyCommand::ConvertDp3t(args) => convert_dp3t(args, out),
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
    for part in &args.group_by_pair_part {
        writeln!(out)?;
        write!(
            out,
            "{}",
            mimamori_accuracy::render_grouped(&evaluation, *part)
        )?;
    }
    Ok(())
}

fn convert_mitll(args: &ConvertMitllArgs, out: &mut impl Write) -> Result<()> {
    use mimamori_accuracy::mitll;

    let defaults = mitll::Conversion::default();
    let conversion = mitll::Conversion {
        tx_power_dbm: args.tx_power.unwrap_or(defaults.tx_power_dbm),
        rssi_correction_db: args.rssi_correction.unwrap_or(defaults.rssi_correction_db),
        resample: if args.as_recorded {
            None
        } else {
            defaults.resample
        },
    };
    let mut readings = Vec::new();
    let mut logs = 0;
    let mut unavailable = 0;
    for environment in sorted_entries(&args.directory)? {
        let iphone = environment.join("iPhone");
        if !iphone.is_dir() {
            continue;
        }
        let Some(folder) = environment.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        let label = mitll::environment_label(folder);
        for file in sorted_entries(&iphone)? {
            let Some(rotation) = file
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(mitll::rotation_from_file_name)
            else {
                continue;
            };
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let log = mitll::parse_iphone_log(&text)
                .with_context(|| format!("cannot use {}", file.display()))?;
            logs += 1;
            unavailable += log.unavailable_rssi;
            readings.extend(mitll::readings(&log, &label, rotation, &conversion));
        }
    }
    if readings.is_empty() {
        anyhow::bail!(
            "no iPhone log with test-phone readings under {} (expected <environment>/iPhone/log_…_<rotation>.txt)",
            args.directory.display()
        );
    }
    let assumptions = format!(
        "{logs} iPhone logs, {} readings ({unavailable} with RSSI 127, unavailable, dropped). \
         Assumed: transmitters' TX power {} dBm, iPhone RSSI correction {} dB. Times: {}.",
        readings.len(),
        conversion.tx_power_dbm,
        conversion.rssi_correction_db,
        match conversion.resample {
            None => "as recorded".to_owned(),
            Some(resample) => format!(
                "each collect cut into {} s slices laid {} s apart",
                resample.slice_seconds, resample.scan_interval_seconds
            ),
        }
    );
    out.write_all(
        mimamori_accuracy::format_readings(&[mitll::ATTRIBUTION, &assumptions], &readings)
            .as_bytes(),
    )?;
    Ok(())
}

fn convert_dp3t(args: &ConvertDp3tArgs, out: &mut impl Write) -> Result<()> {
    use mimamori_accuracy::dp3t;

    let mut readings = Vec::new();
    let mut notes = Vec::new();
    for scene in &args.scenes {
        let rows = dp3t_rows(scene).with_context(|| {
            format!(
                "cannot read {} as an experiment 34 scene (SQLite, table `results`)",
                scene.display()
            )
        })?;
        let label = dp3t::scene_label(
            &scene
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let conversion = dp3t::convert(&label, &rows)
            .with_context(|| format!("cannot use {}", scene.display()))?;
        notes.push(format!(
            "{label}: {} rows, {} readings, {} without a camera distance (dropped), \
             {} with a receiver_model other than the README's",
            rows.len(),
            conversion.readings.len(),
            conversion.without_distance,
            conversion.receiver_model_mismatches
        ));
        readings.extend(conversion.readings);
    }
    let mut all_notes = vec![dp3t::NOTICE];
    all_notes.extend(notes.iter().map(String::as_str));
    out.write_all(mimamori_accuracy::format_readings(&all_notes, &readings).as_bytes())?;
    Ok(())
}

/// The `results` rows of one scene file, in `db_id` order, opened read-only.
fn dp3t_rows(path: &std::path::Path) -> Result<Vec<mimamori_accuracy::dp3t::Row>> {
    use rusqlite::{Connection, OpenFlags};

    let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut statement = connection.prepare(
        "SELECT receiver_id, receiver_model, transmitter_id, timestamp, rssi, \
         ground_truth_distance FROM results ORDER BY db_id",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok(mimamori_accuracy::dp3t::Row {
                receiver_id: row.get(0)?,
                receiver_model: row.get(1)?,
                transmitter_id: row.get(2)?,
                timestamp: row.get(3)?,
                rssi: row.get(4)?,
                ground_truth_distance: row.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A folder's entries, sorted by name (so conversions are the same on every machine).
fn sorted_entries(directory: &std::path::Path) -> Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(directory)
        .with_context(|| format!("cannot read the folder {}", directory.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("cannot read the folder {}", directory.display()))?;
    entries.sort();
    Ok(entries)
}
