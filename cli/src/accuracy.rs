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
    /// Search attenuation thresholds, bucket weights and score thresholds for the lowest NIST
    /// normalised detection cost (or, with --recall, the lowest false-positive rate at that
    /// recall) on the readings, print the given setting's figures and ROC area beside the
    /// recommendation, re-run the recommendation through the engine as a check, and optionally
    /// write it as COCOA's two JSON files (docs/accuracy.md).
    Tune(TuneArgs),
    /// Fit the simulator's path-loss model (attenuation at 1 m, exponent, spread) to readings
    /// and print the real and modelled mean attenuation per distance band.
    Fit(FitArgs),
    /// Simulate phones meeting (random encounters through the fitted radio model), run the
    /// readings through the engine and print the figures and the time taken.
    Simulate(SimulateArgs),
    /// Write one self-contained HTML page comparing COCOA's current setting with its earlier
    /// one (thresholds 50/54/65 dB, score 1,170, the same weights) and, if given, another
    /// setting, on the same readings: figures and ROC curves side by side.
    Report(ReportArgs),
}

/// Arguments of `mimamori accuracy report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The readings file.
    #[arg(long)]
    readings: PathBuf,
    /// Another configuration.json to compare (e.g. one `tune` wrote).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Its risk_calculation_configuration.json.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The distance of a true contact for the ROC curves, in metres: 1, 1.5 or 2.
    #[arg(long, default_value_t = 1.0)]
    distance: f64,
    /// Where to write the page (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `mimamori accuracy fit`.
#[derive(Debug, Args)]
pub(crate) struct FitArgs {
    /// The readings file.
    #[arg(long)]
    readings: PathBuf,
}

/// Arguments of `mimamori accuracy simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// How many phones.
    #[arg(long, default_value_t = 1000)]
    phones: u32,
    /// How many days.
    #[arg(long, default_value_t = 1)]
    days: u32,
    /// Encounters each phone starts per day (5 to 60 minutes, 0.3 to 5 m).
    #[arg(long, default_value_t = 4)]
    encounters_per_phone: u32,
    /// The random seed (the same seed gives the same readings).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write the simulated readings here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Simulate one scene instead of a population, once a day (office, classroom,
    /// restaurant, train, queue, party; docs/accuracy.md).
    #[arg(long)]
    scene: Option<String>,
}

/// Arguments of `mimamori accuracy tune`.
#[derive(Debug, Args)]
pub(crate) struct TuneArgs {
    /// The readings file.
    #[arg(long)]
    readings: PathBuf,
    /// COCOA's configuration.json to compare with and start from (default: COCOA's).
    #[arg(long)]
    config: Option<PathBuf>,
    /// COCOA's risk_calculation_configuration.json (default: COCOA's).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The distance of a true contact, in metres: 1, 1.5 or 2.
    #[arg(long, default_value_t = 1.0)]
    distance: f64,
    /// Look for the lowest false-positive rate with at least this recall (0 to 1) instead of
    /// the lowest cost.
    #[arg(long)]
    recall: Option<f64>,
    /// The cost of a missed contact.
    #[arg(long, default_value_t = 1.0)]
    cost_miss: f64,
    /// The cost of a false alarm.
    #[arg(long, default_value_t = 1.0)]
    cost_false_alarm: f64,
    /// The prior probability that a pair-day is a contact.
    #[arg(long, default_value_t = 0.5)]
    target_prior: f64,
    /// Write the recommended configuration.json here (COCOA's file with the Google and Apple
    /// v2 thresholds and weights replaced).
    #[arg(long)]
    write_config: Option<PathBuf>,
    /// Write the recommended risk_calculation_configuration.json here.
    #[arg(long)]
    write_rules: Option<PathBuf>,
    /// Write the ROC curves (the given setting's and the recommended one's thresholds and
    /// weights, over the score threshold) here as an SVG.
    #[arg(long)]
    roc_svg: Option<PathBuf>,
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
        AccuracyCommand::Tune(args) => tune(args, out),
        AccuracyCommand::Fit(args) => fit(args, out),
        AccuracyCommand::Simulate(args) => simulate(args, out),
        AccuracyCommand::Report(args) => report(args, out),
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
            readings.extend(
                mitll::readings(&log, &label, rotation, &conversion)
                    .with_context(|| format!("cannot use {}", file.display()))?,
            );
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

fn tune(args: &TuneArgs, out: &mut impl Write) -> Result<()> {
    use mimamori_accuracy::tuning::{self, Candidate, Costs, Objective, SearchSpace};

    let index =
        tuning::distance_index(args.distance).context("--distance must be 1, 1.5 or 2 (metres)")?;
    if let Some(recall) = args.recall
        && !(0.0..=1.0).contains(&recall)
    {
        anyhow::bail!("--recall must be from 0 to 1");
    }
    let costs = Costs {
        miss: args.cost_miss,
        false_alarm: args.cost_false_alarm,
        target_prior: args.target_prior,
    };
    if !(costs.miss > 0.0 && costs.false_alarm > 0.0 && costs.target_prior > 0.0)
        || costs.target_prior >= 1.0
    {
        anyhow::bail!("the costs must be above 0 and --target-prior below 1");
    }
    let text = std::fs::read_to_string(&args.readings)
        .with_context(|| format!("cannot read {}", args.readings.display()))?;
    let readings = mimamori_accuracy::parse_readings(&text)
        .with_context(|| format!("cannot use {}", args.readings.display()))?;
    let (configuration, rules) = crate::cocoa_files(args.config.as_ref(), args.rules.as_ref())?;
    let given = Candidate::of(&configuration, &rules)
        .context("the rules' ScoreSum condition must be `>=` for the tuner")?;
    let evaluation = mimamori_accuracy::evaluate(&readings, &configuration, &rules);
    let days = tuning::profiles(&evaluation);
    let contacts = days.iter().filter(|day| day.contact[index]).count();
    let space = SearchSpace::default();
    writeln!(
        out,
        "{} readings, {} pair-days, {contacts} contacts at {} m; searching {} settings",
        readings.len(),
        days.len(),
        args.distance,
        space.len()
    )?;
    let objective = match args.recall {
        Some(recall) => Objective::Recall(recall),
        None => Objective::Cost(costs),
    };
    let found = tuning::search(&days, index, &space, objective, costs);

    writeln!(
        out,
        "{:<22} {:>11} {:>18} {:>7} {:>5} {:>5} {:>5} {:>5} {:>7} {:>6} {:>9} {:>6}",
        "setting",
        "thresholds",
        "weights",
        "score>=",
        "TP",
        "FP",
        "FN",
        "TN",
        "recall",
        "FPR",
        "precision",
        "cost"
    )?;
    let engine = evaluation.confusion(index);
    row(out, "given (engine)", &given, &engine, &costs)?;
    let shortcut = given.confusion(&days, index);
    if shortcut != engine {
        writeln!(
            out,
            "warning: the shortcut's confusion for the given setting differs from the engine's; \
             the search may mislead (docs/accuracy.md)"
        )?;
    }
    match found {
        None => writeln!(out, "no setting meets the objective on these readings")?,
        Some(found) => {
            row(
                out,
                "recommended (search)",
                &found.candidate,
                &found.confusion,
                &costs,
            )?;
            let tuned_configuration = found.candidate.configuration(&configuration);
            let tuned_rules = found.candidate.rules(&rules);
            let check = mimamori_accuracy::evaluate(&readings, &tuned_configuration, &tuned_rules)
                .confusion(index);
            row(
                out,
                "recommended (engine)",
                &found.candidate,
                &check,
                &costs,
            )?;
            if check != found.confusion {
                writeln!(
                    out,
                    "warning: the engine's re-run differs from the search's shortcut"
                )?;
            }
            if let Some(path) = &args.write_config {
                let base = match &args.config {
                    Some(given) => std::fs::read_to_string(given)?,
                    None => mimamori_gaen::risk::COCOA_CONFIGURATION_JSON.to_owned(),
                };
                std::fs::write(path, tuned_configuration_json(&base, &found.candidate)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = &args.write_rules {
                let base = match &args.rules {
                    Some(given) => std::fs::read_to_string(given)?,
                    None => mimamori_gaen::risk::COCOA_RISK_RULES_JSON.to_owned(),
                };
                std::fs::write(path, tuned_rules_json(&base, &found.candidate)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    let given_curve = tuning::roc(&days, given.thresholds_db, given.weights, index);
    if let Some(curve) = &given_curve {
        writeln!(
            out,
            "ROC of the given thresholds and weights over the score threshold: area {:.3}",
            tuning::area_under(curve)
        )?;
    }
    if let (Some(path), Some(given_curve)) = (&args.roc_svg, &given_curve) {
        let found_curve = found.and_then(|found| {
            tuning::roc(
                &days,
                found.candidate.thresholds_db,
                found.candidate.weights,
                index,
            )
        });
        let mut curves: Vec<(&str, &[tuning::RocPoint])> = vec![("given", given_curve)];
        if let Some(curve) = &found_curve {
            curves.push(("recommended", curve));
        }
        let title = format!(
            "ROC over the score threshold, contact = 15 min within {} m",
            args.distance
        );
        std::fs::write(path, tuning::roc_svg(&title, &curves))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn row(
    out: &mut impl Write,
    label: &str,
    candidate: &mimamori_accuracy::tuning::Candidate,
    confusion: &mimamori_accuracy::Confusion,
    costs: &mimamori_accuracy::tuning::Costs,
) -> Result<()> {
    let percent =
        |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{:.0}%", 100.0 * v));
    let [t0, t1, t2] = candidate.thresholds_db;
    let [w0, w1, w2, w3] = candidate.weights;
    writeln!(
        out,
        "{:<22} {:>11} {:>18} {:>7} {:>5} {:>5} {:>5} {:>5} {:>7} {:>6} {:>9} {:>6}",
        label,
        format!("{t0}/{t1}/{t2}"),
        format!("{w0}/{w1}/{w2}/{w3}"),
        candidate.score_threshold,
        confusion.true_positives,
        confusion.false_positives,
        confusion.false_negatives,
        confusion.true_negatives,
        percent(confusion.recall()),
        percent(confusion.false_positive_rate()),
        percent(confusion.precision()),
        costs
            .normalised(confusion)
            .map_or("-".to_owned(), |cost| format!("{cost:.3}"))
    )?;
    Ok(())
}

/// COCOA's configuration.json with the thresholds and weights of a candidate, in the Google
/// daily-summaries section and the Apple v2 section (whose weights are percentages).
fn tuned_configuration_json(
    base: &str,
    candidate: &mimamori_accuracy::tuning::Candidate,
) -> Result<String> {
    let mut json: serde_json::Value =
        serde_json::from_str(base).context("the configuration is not JSON")?;
    let google = json
        .get_mut("google_daily_summaries_config")
        .and_then(serde_json::Value::as_object_mut)
        .context("the configuration has no google_daily_summaries_config")?;
    google.insert(
        "attenuation_bucket_threshold_db".to_owned(),
        serde_json::json!(candidate.thresholds_db),
    );
    google.insert(
        "attenuation_bucket_weights".to_owned(),
        serde_json::json!(candidate.weights),
    );
    if let Some(apple) = json
        .get_mut("apple_exposure_config_v2")
        .and_then(serde_json::Value::as_object_mut)
    {
        apple.insert(
            "attenuation_duration_thresholds".to_owned(),
            serde_json::json!(candidate.thresholds_db),
        );
        for (name, weight) in [
            "immediate_duration_weight",
            "near_duration_weight",
            "medium_duration_weight",
            "other_duration_weight",
        ]
        .iter()
        .zip(candidate.weights)
        {
            apple.insert((*name).to_owned(), serde_json::json!(weight * 100.0));
        }
    }
    Ok(serde_json::to_string_pretty(&json)? + "\n")
}

/// COCOA's risk_calculation_configuration.json with a candidate's score threshold and
/// `SecondsSinceLastScanSum >= 900`.
fn tuned_rules_json(
    base: &str,
    candidate: &mimamori_accuracy::tuning::Candidate,
) -> Result<String> {
    let mut json: serde_json::Value =
        serde_json::from_str(base).context("the rules are not JSON")?;
    let object = json
        .as_object_mut()
        .context("the rules are not a JSON object")?;
    object.insert(
        "DailySummary_DaySummary_ScoreSum".to_owned(),
        serde_json::json!({"op": ">=", "value": candidate.score_threshold}),
    );
    object.insert(
        "ExposureWindow_ScanInstance_SecondsSinceLastScanSum".to_owned(),
        serde_json::json!({"op": ">=", "value": mimamori_accuracy::tuning::MINIMUM_SECONDS as f64}),
    );
    Ok(serde_json::to_string_pretty(&json)? + "\n")
}

fn fit(args: &FitArgs, out: &mut impl Write) -> Result<()> {
    use mimamori_accuracy::evaluation::{BAND_UPPER_BOUNDS_M, band, band_label, mean_and_spread};
    use mimamori_accuracy::simulation;

    let text = std::fs::read_to_string(&args.readings)
        .with_context(|| format!("cannot read {}", args.readings.display()))?;
    let readings = mimamori_accuracy::parse_readings(&text)
        .with_context(|| format!("cannot use {}", args.readings.display()))?;
    let (configuration, rules) = crate::cocoa_files(None, None)?;
    let evaluation = mimamori_accuracy::evaluate(&readings, &configuration, &rules);
    let model = simulation::fit(&evaluation.scans)
        .context("the readings need scans at two or more distinct distances")?;
    writeln!(
        out,
        "{} scans: attenuation at 1 m {:.1} dB, exponent {:.2}, spread {:.1} dB",
        evaluation.scans.len(),
        model.attenuation_at_1_m_db,
        model.exponent,
        model.scan_spread_db
    )?;
    writeln!(
        out,
        "{:<10} {:>7} {:>9} {:>9} {:>10} {:>9}",
        "distance", "scans", "mean m", "real dB", "real sd", "model dB"
    )?;
    for index in 0..=BAND_UPPER_BOUNDS_M.len() {
        let in_band: Vec<_> = evaluation
            .scans
            .iter()
            .filter(|scan| band(scan.distance_m) == index)
            .collect();
        if in_band.is_empty() {
            continue;
        }
        let (distance, _) = mean_and_spread(in_band.iter().map(|scan| scan.distance_m));
        let (real, spread) = mean_and_spread(
            in_band
                .iter()
                .map(|scan| f64::from(scan.typical_attenuation_db)),
        );
        writeln!(
            out,
            "{:<10} {:>7} {:>9.2} {:>9.1} {:>10.1} {:>9.1}",
            band_label(index),
            in_band.len(),
            distance,
            real,
            spread,
            model.mean_attenuation_db(distance)
        )?;
    }
    Ok(())
}

fn simulate(args: &SimulateArgs, out: &mut impl Write) -> Result<()> {
    use mimamori_accuracy::simulation::{self, RadioModel};

    // 2020-06-19 00:00 UTC, the day COCOA was released.
    const ORIGIN: u64 = 1_592_524_800;
    let scene = match &args.scene {
        None => None,
        Some(name) => Some(simulation::Scene::parse(name).with_context(|| {
            format!(
                "--scene must be one of {}",
                simulation::Scene::ALL
                    .map(simulation::Scene::name)
                    .join(", ")
            )
        })?),
    };
    let (configuration, rules) = crate::cocoa_files(None, None)?;
    // Days are simulated and evaluated one at a time (a pair-day never spans two days), so
    // memory holds one day's readings; the written file, when asked for, holds them all.
    let mut evaluation = mimamori_accuracy::Evaluation {
        scans: Vec::new(),
        pair_days: Vec::new(),
        attenuation_thresholds_db: configuration.daily_summaries.attenuation_thresholds_db,
    };
    let mut kept = Vec::new();
    let mut reading_count = 0;
    let (mut simulating, mut evaluating) = (0.0, 0.0);
    let started = std::time::Instant::now();
    for day in 0..args.days {
        let origin = ORIGIN + u64::from(day) * 86_400;
        let seed = args.seed.wrapping_add(u64::from(day));
        let lap = std::time::Instant::now();
        let encounters = match scene {
            // Scenes start at 09:00 UTC.
            Some(scene) => scene.encounters(origin + 9 * 3600, seed),
            None => {
                simulation::population_day(args.phones, args.encounters_per_phone, origin, seed)
            }
        };
        let readings = simulation::simulate(&encounters, &RadioModel::EXP34, origin, seed);
        simulating += lap.elapsed().as_secs_f64();
        let lap = std::time::Instant::now();
        let day_evaluation = mimamori_accuracy::evaluate(&readings, &configuration, &rules);
        evaluating += lap.elapsed().as_secs_f64();
        evaluation.scans.extend(day_evaluation.scans);
        evaluation.pair_days.extend(day_evaluation.pair_days);
        reading_count += readings.len();
        if args.out.is_some() {
            kept.extend(readings);
        }
    }
    let who = match scene {
        Some(scene) => format!("scene {}", scene.name()),
        None => format!(
            "{} phones, {} encounters a phone a day",
            args.phones, args.encounters_per_phone
        ),
    };
    writeln!(
        out,
        "{who}, {} days: {} readings, {} scans, {} pair-days",
        args.days,
        reading_count,
        evaluation.scans.len(),
        evaluation.pair_days.len()
    )?;
    writeln!(
        out,
        "time: {:.2} s in all; simulating {simulating:.2} s, evaluating through the engine \
         {evaluating:.2} s ({} threads available)",
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, usize::from)
    )?;
    write!(out, "{}", mimamori_accuracy::render(&evaluation))?;
    if let Some(path) = &args.out {
        std::fs::write(
            path,
            mimamori_accuracy::format_readings(
                &[&format!(
                    "Simulated by mimamori accuracy simulate --phones {} --days {} \
                     --encounters-per-phone {} --seed {}",
                    args.phones, args.days, args.encounters_per_phone, args.seed
                )],
                &kept,
            ),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn report(args: &ReportArgs, out: &mut impl Write) -> Result<()> {
    use mimamori_accuracy::report::{self, Section};
    use mimamori_accuracy::tuning::{self, Candidate};
    use mimamori_gaen::{ExposureConfiguration, RiskRules};

    let index =
        tuning::distance_index(args.distance).context("--distance must be 1, 1.5 or 2 (metres)")?;
    let text = std::fs::read_to_string(&args.readings)
        .with_context(|| format!("cannot read {}", args.readings.display()))?;
    let readings = mimamori_accuracy::parse_readings(&text)
        .with_context(|| format!("cannot use {}", args.readings.display()))?;
    let current = (ExposureConfiguration::cocoa(), RiskRules::cocoa());
    // COCOA's earlier setting: thresholds [50, 54, 65] dB and ScoreSum >= 1170; the weights
    // are taken to be the current ones.
    let earlier_candidate = Candidate {
        thresholds_db: [50, 54, 65],
        score_threshold: 1170.0,
        ..Candidate::of(&current.0, &current.1).context("COCOA's rules use ScoreSum >=")?
    };
    let earlier = (
        earlier_candidate.configuration(&current.0),
        earlier_candidate.rules(&current.1),
    );
    let mut settings = vec![
        ("COCOA の現行設定", "COCOA's current setting", current),
        ("COCOA の以前の設定", "COCOA's earlier setting", earlier),
    ];
    if args.config.is_some() || args.rules.is_some() {
        let given = crate::cocoa_files(args.config.as_ref(), args.rules.as_ref())?;
        settings.push(("指定された設定", "The given setting", given));
    }
    let evaluations: Vec<_> = settings
        .iter()
        .map(|(_, _, (configuration, rules))| {
            mimamori_accuracy::evaluate(&readings, configuration, rules)
        })
        .collect();
    let sections: Vec<Section<'_>> = settings
        .iter()
        .zip(&evaluations)
        .map(|((ja, en, (configuration, rules)), evaluation)| {
            let candidate = Candidate::of(configuration, rules);
            let setting = match candidate {
                Some(c) => format!(
                    "thresholds {:?} dB, weights {:?}, ScoreSum >= {}, seconds >= 900",
                    c.thresholds_db, c.weights, c.score_threshold
                ),
                None => "rules other than ScoreSum >=".to_owned(),
            };
            let roc_svg = candidate.and_then(|c| {
                let days = tuning::profiles(evaluation);
                tuning::roc(&days, c.thresholds_db, c.weights, index).map(|curve| {
                    tuning::roc_svg(
                        &format!("ROC, contact = 15 min within {} m", args.distance),
                        &[(en, &curve)],
                    )
                })
            });
            Section {
                title_ja: ja,
                title_en: en,
                setting,
                evaluation,
                roc_svg,
            }
        })
        .collect();
    let about = format!(
        "{}: {} readings",
        args.readings
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        readings.len()
    );
    let page = report::html(&about, &sections);
    match &args.out {
        Some(path) => std::fs::write(path, page)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => out.write_all(page.as_bytes())?,
    }
    Ok(())
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
