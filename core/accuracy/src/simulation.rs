//! A simulator of phones meeting: distances over time become readings through a documented
//! radio model, then go through the same evaluation as recorded readings.
//!
//! ## The radio model
//!
//! Log-distance path loss with log-normal shadowing, the usual indoor model: a scan at
//! distance `d` metres sees the typical attenuation
//!
//! ```text
//! A(d) = A₁ + 10 · n · log₁₀(max(d, 0.1) / 1 m) + X,   X ~ Normal(0, σ_scan)
//! ```
//!
//! and each of its readings adds `Normal(0, σ_reading)`. `A₁` (attenuation at 1 m), `n` (the
//! exponent) and `σ_scan` are [`RadioModel`] parameters; [`fit`] estimates them from recorded
//! readings by least squares of the scans' typical attenuation on `log₁₀ d` (the residual
//! spread is `σ_scan`). The defaults ([`RadioModel::EXP34`]) are that fit on DP-3T's experiment
//! 34 (docs/accuracy.md), so they include what bodies, pockets and rooms did there on
//! average, not separately. A reading whose RSSI would fall below [`SENSITIVITY_DBM`] is not
//! heard.
//!
//! ## Phones and encounters
//!
//! Each phone scans for about 4 s at a random phase and then every 210 to 300 s (GAEN's
//! schedule, uniformly drawn per interval). An [`Encounter`] is two phones at one distance from
//! a start for a duration; each phone hears the other in each of its scans inside it, with
//! [`READINGS_PER_SCAN`] readings a second apart. Both directions are simulated, as two phones
//! would each decide for themselves. Every phone is calibrated alike (TX −24 dBm, correction
//! 0 dB). Randomness comes from a seeded SplitMix64 generator, so a seed gives the same
//! readings on every machine.

use crate::evaluation::{CONTACT_DISTANCES_M, ScanResult};
use crate::readings::Reading;

/// The weakest RSSI a phone hears, in dBm.
pub const SENSITIVITY_DBM: f64 = -100.0;

/// Readings per scan, a second apart.
pub const READINGS_PER_SCAN: u64 = 4;

/// Every simulated phone's calibrated TX power, in dBm.
pub const TX_POWER_DBM: i8 = -24;

/// The radio model's parameters (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RadioModel {
    /// `A₁`: the mean attenuation at 1 m, in dB.
    pub attenuation_at_1_m_db: f64,
    /// `n`: the path-loss exponent.
    pub exponent: f64,
    /// `σ_scan`: the spread of a scan's attenuation around the mean, in dB.
    pub scan_spread_db: f64,
    /// `σ_reading`: the spread of a reading around its scan, in dB.
    pub reading_spread_db: f64,
}

impl RadioModel {
    /// The fit on DP-3T's experiment 34 (`mimamori accuracy fit`, docs/accuracy.md).
    pub const EXP34: Self = Self {
        attenuation_at_1_m_db: 55.2,
        exponent: 1.11,
        scan_spread_db: 6.4,
        reading_spread_db: 2.0,
    };

    /// The mean attenuation at `distance_m` (at least 0.1 m), in dB.
    pub fn mean_attenuation_db(&self, distance_m: f64) -> f64 {
        self.attenuation_at_1_m_db + 10.0 * self.exponent * distance_m.max(0.1).log10()
    }
}

/// A least-squares fit of the model to scans: `A₁`, `n` and the residual spread. `None` with
/// fewer than two scans at distinct positive distances.
pub fn fit(scans: &[ScanResult]) -> Option<RadioModel> {
    let points: Vec<(f64, f64)> = scans
        .iter()
        .filter(|scan| scan.distance_m > 0.0)
        .map(|scan| {
            (
                scan.distance_m.max(0.1).log10(),
                f64::from(scan.typical_attenuation_db),
            )
        })
        .collect();
    let count = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / count;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let (low, high) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), p| {
            (low.min(p.0), high.max(p.0))
        });
    // One distance (MIT LL's 6 ft) gives no slope.
    if points.len() < 2 || high - low < 1e-6 || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let residual = points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum::<f64>()
        / count;
    Some(RadioModel {
        attenuation_at_1_m_db: intercept,
        exponent: slope / 10.0,
        scan_spread_db: residual.sqrt(),
        reading_spread_db: RadioModel::EXP34.reading_spread_db,
    })
}

/// SplitMix64: a small, fast, seeded generator (Steele, Lea, Flood 2014), with uniform and
/// normal draws. Not for secrets.
#[derive(Clone, Debug)]
pub struct Random(u64);

impl Random {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform in `low..high` (whole numbers; `low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low)
    }

    /// Normal with mean 0 and standard deviation `spread` (Box–Muller).
    pub fn normal(&mut self, spread: f64) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        spread * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Two phones at one distance for a while.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Encounter {
    /// One phone (an index).
    pub a: u32,
    /// The other.
    pub b: u32,
    /// When it starts, in Unix seconds.
    pub start: u64,
    /// How long it lasts, in seconds.
    pub seconds: u64,
    /// The distance between them, in metres.
    pub distance_m: f64,
}

/// The readings of some encounters: each phone's scan schedule is drawn from `seed` (phase in
/// the first 300 s of `origin`, then 210 to 300 s apart), then each scan inside an encounter
/// hears the other phone through the model. Readings are in encounter order.
pub fn simulate(
    encounters: &[Encounter],
    model: &RadioModel,
    origin: u64,
    seed: u64,
) -> Vec<Reading> {
    let mut random = Random::new(seed);
    let mut readings = Vec::new();
    for encounter in encounters {
        for (receiver, transmitter) in [(encounter.a, encounter.b), (encounter.b, encounter.a)] {
            let end = encounter.start + encounter.seconds;
            for scan_at in scan_times(receiver, origin, seed, encounter.start, end) {
                let scan_attenuation = model.mean_attenuation_db(encounter.distance_m)
                    + random.normal(model.scan_spread_db);
                for offset in 0..READINGS_PER_SCAN {
                    let attenuation = scan_attenuation + random.normal(model.reading_spread_db);
                    let rssi = f64::from(TX_POWER_DBM) - attenuation;
                    if rssi < SENSITIVITY_DBM {
                        continue;
                    }
                    readings.push(Reading {
                        seen_at: scan_at + offset,
                        pair: format!("p{receiver}>p{transmitter}"),
                        // Within −100..=20 after the clamp.
                        rssi_dbm: rssi.round().clamp(SENSITIVITY_DBM, 20.0) as i8,
                        tx_power_dbm: TX_POWER_DBM,
                        rssi_correction_db: 0,
                        distance_m: encounter.distance_m,
                    });
                }
            }
        }
    }
    readings
}

/// A phone's scan starts within `from..to`: its own schedule, drawn from the seed and the
/// phone alone, so every encounter of a phone sees the same scans.
fn scan_times(phone: u32, origin: u64, seed: u64, from: u64, to: u64) -> Vec<u64> {
    let mut schedule =
        Random::new(seed ^ (u64::from(phone) + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut at = origin + schedule.between(0, 300);
    let mut times = Vec::new();
    while at < to {
        if at >= from {
            times.push(at);
        }
        at += schedule.between(210, 301);
    }
    times
}

/// A day of a population: `phones` phones each start `encounters_per_phone` encounters with
/// random others on the UTC day from `origin`, lasting 5 to 60 minutes, at 0.3 to 5 m
/// (uniform), starting anywhere before the last hour.
pub fn population_day(
    phones: u32,
    encounters_per_phone: u32,
    origin: u64,
    seed: u64,
) -> Vec<Encounter> {
    let mut random = Random::new(seed.wrapping_add(0x5EED));
    let mut encounters = Vec::new();
    if phones < 2 {
        return encounters;
    }
    for a in 0..phones {
        for _ in 0..encounters_per_phone {
            let mut b = random.between(0, u64::from(phones) - 1) as u32;
            if b >= a {
                b += 1;
            }
            encounters.push(Encounter {
                a,
                b,
                start: origin + random.between(0, 23 * 3600),
                seconds: random.between(5 * 60, 60 * 60 + 1),
                distance_m: 0.3 + 4.7 * random.unit(),
            });
        }
    }
    encounters
}

/// Whether an encounter is a contact at `CONTACT_DISTANCES_M[index]` by its own terms (at least
/// 15 minutes within the distance), before any scan: the simulator's truth, for checks.
pub fn is_contact(encounter: &Encounter, index: usize) -> bool {
    CONTACT_DISTANCES_M
        .get(index)
        .is_some_and(|&limit| encounter.distance_m <= limit && encounter.seconds >= 15 * 60)
}

/// A scene: people at positions for a while, every pair of them an encounter at the distance
/// between their positions (no walls; a body between two phones is in the model's spread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scene {
    /// 9 people at desks on a 3 × 3 grid 2 m apart, for 3 hours.
    Office,
    /// 30 pupils on a 6 × 5 grid of seats 0.9 m across and 1.2 m deep, for 50 minutes.
    Classroom,
    /// 3 tables of 4, 0.8 m across and 0.6 m side by side, tables 3 m apart, for an hour.
    Restaurant,
    /// 16 passengers in 4 rows of 2 + 2 seats (0.5 m apart, a 0.6 m aisle, rows 0.9 m apart),
    /// for 30 minutes.
    Train,
    /// 10 people in a line 1 m apart, for 20 minutes (standing still).
    Queue,
    /// 20 people at random places in an 8 × 8 m room, moving every 5 minutes, for 30 minutes.
    Party,
}

impl Scene {
    /// Every scene.
    pub const ALL: [Self; 6] = [
        Self::Office,
        Self::Classroom,
        Self::Restaurant,
        Self::Train,
        Self::Queue,
        Self::Party,
    ];

    /// The scene's name (`office`, `classroom`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::Classroom => "classroom",
            Self::Restaurant => "restaurant",
            Self::Train => "train",
            Self::Queue => "queue",
            Self::Party => "party",
        }
    }

    /// The scene of a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scene| scene.name() == name)
    }

    /// The scene's encounters from `start`; phones are numbered from 0.
    pub fn encounters(self, start: u64, seed: u64) -> Vec<Encounter> {
        let grid = |columns: u32, rows: u32, across: f64, deep: f64| -> Vec<(f64, f64)> {
            (0..rows)
                .flat_map(|row| {
                    (0..columns)
                        .map(move |column| (f64::from(column) * across, f64::from(row) * deep))
                })
                .collect()
        };
        match self {
            Self::Office => all_pairs(&grid(3, 3, 2.0, 2.0), start, 3 * 3600),
            Self::Classroom => all_pairs(&grid(6, 5, 0.9, 1.2), start, 50 * 60),
            Self::Restaurant => {
                let positions: Vec<(f64, f64)> = (0..3)
                    .flat_map(|table| {
                        let x = f64::from(table) * 3.6;
                        [(x, 0.0), (x + 0.6, 0.0), (x, 0.8), (x + 0.6, 0.8)]
                    })
                    .collect();
                all_pairs(&positions, start, 3600)
            }
            Self::Train => {
                let positions: Vec<(f64, f64)> = (0..4)
                    .flat_map(|row| {
                        let y = f64::from(row) * 0.9;
                        [(0.0, y), (0.5, y), (1.6, y), (2.1, y)]
                    })
                    .collect();
                all_pairs(&positions, start, 30 * 60)
            }
            Self::Queue => all_pairs(&grid(10, 1, 1.0, 0.0), start, 20 * 60),
            Self::Party => {
                let mut random = Random::new(seed.wrapping_add(0xBA27));
                (0..6)
                    .flat_map(|period| {
                        let positions: Vec<(f64, f64)> = (0..20)
                            .map(|_| (8.0 * random.unit(), 8.0 * random.unit()))
                            .collect();
                        all_pairs(&positions, start + period * 300, 300)
                    })
                    .collect()
            }
        }
    }
}

/// Every pair of positions as an encounter from `start` for `seconds`.
fn all_pairs(positions: &[(f64, f64)], start: u64, seconds: u64) -> Vec<Encounter> {
    let mut encounters = Vec::new();
    for (a, &(xa, ya)) in positions.iter().enumerate() {
        for (b, &(xb, yb)) in positions.iter().enumerate().skip(a + 1) {
            encounters.push(Encounter {
                // At most 30 people a scene.
                a: a as u32,
                b: b as u32,
                start,
                seconds,
                distance_m: (xa - xb).hypot(ya - yb),
            });
        }
    }
    encounters
}
