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
//! ## Bodies, carriage and orientation
//!
//! An encounter may also state its [`Surroundings`]; [`Shadowing`] then adds to `A(d)`:
//!
//! ```text
//! + body      if a body is between the phones          (10 dB)
//! + c(a) + c(b)  each phone's carriage: hand −2.0, pocket +1.5, bag −0.3 dB
//! + r · (1 − cos θ) / 2   θ the carrier's turn away from the other phone, r = 3.9 dB
//! ```
//!
//! The body term is the "about 10 dB" Leith & Farrell measured when who holds the phone, and
//! how, changes (PLOS ONE 15(9):e0239943, the figure issue 18 cites). The carriage terms are
//! MIT LL's means at 6 ft (docs/accuracy.md: at the ear 34.3 dB, pockets 37.8 dB weighted, purse
//! 36.0 dB) less their mean over all scans (36.3 dB), so that on average they add nothing to a
//! model fitted on phones carried every way. `r` is the range of MIT LL's means over the
//! carrier's eight rotations (3.9 dB), laid on a cosine: 0 facing, `r` turned away. An encounter
//! with [`Surroundings::UNKNOWN`] gets none of them, as before: the fit's spread holds them.
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
use crate::readings::{Carriage, Reading};

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

/// How an encounter's phones were carried and placed, when a scene says so.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Surroundings {
    /// How phones `a` and `b` were carried, each if known.
    pub carriages: [Option<Carriage>; 2],
    /// Whether a body was between the phones, if known.
    pub body_between: Option<bool>,
    /// How far the carriers were turned away from each other, in degrees (0 facing).
    pub turned_away_deg: f64,
}

impl Surroundings {
    /// Nothing known: no term is added (the fitted spread holds them).
    pub const UNKNOWN: Self = Self {
        carriages: [None, None],
        body_between: None,
        turned_away_deg: 0.0,
    };
}

/// The terms added for [`Surroundings`] (see the module docs), in dB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shadowing {
    /// Added when a body is between the phones.
    pub body_db: f64,
    /// Added per phone in the hand.
    pub hand_db: f64,
    /// Added per phone in a pocket.
    pub pocket_db: f64,
    /// Added per phone in a bag.
    pub bag_db: f64,
    /// Added when the carriers are turned fully away (180°); a cosine in between.
    pub turned_away_db: f64,
}

impl Shadowing {
    /// The parameters from the literature (module docs).
    pub const LITERATURE: Self = Self {
        body_db: 10.0,
        hand_db: -2.0,
        pocket_db: 1.5,
        bag_db: -0.3,
        turned_away_db: 3.9,
    };

    /// The attenuation added for one carriage, in dB.
    pub fn carriage_db(&self, carriage: Carriage) -> f64 {
        match carriage {
            Carriage::Hand => self.hand_db,
            Carriage::Pocket => self.pocket_db,
            Carriage::Bag => self.bag_db,
        }
    }

    /// The attenuation added for some surroundings, in dB: body, both carriages, orientation.
    pub fn extra_db(&self, surroundings: &Surroundings) -> f64 {
        let body = if surroundings.body_between == Some(true) {
            self.body_db
        } else {
            0.0
        };
        let carriages: f64 = surroundings
            .carriages
            .iter()
            .flatten()
            .map(|&carriage| self.carriage_db(carriage))
            .sum();
        let turn =
            self.turned_away_db * (1.0 - surroundings.turned_away_deg.to_radians().cos()) / 2.0;
        body + carriages + turn
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
    /// Carriage, body and orientation, if the scene says ([`Surroundings::UNKNOWN`] if not).
    pub surroundings: Surroundings,
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
            let extra = Shadowing::LITERATURE.extra_db(&encounter.surroundings);
            let transmitter_carriage = if transmitter == encounter.a {
                encounter.surroundings.carriages[0]
            } else {
                encounter.surroundings.carriages[1]
            };
            for scan_at in scan_times(receiver, origin, seed, encounter.start, end) {
                let scan_attenuation = model.mean_attenuation_db(encounter.distance_m)
                    + extra
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
                        carriage: transmitter_carriage,
                        body_between: encounter.surroundings.body_between,
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
                surroundings: Surroundings::UNKNOWN,
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
/// between their positions (no walls). The office states each encounter's [`Surroundings`]
/// (carriage, orientation, no body between); the other scenes leave them to the model's spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scene {
    /// A working day of 9 people: desks on a 3 × 3 grid 2 m apart (09:00–12:00, 13:00–14:00,
    /// 15:00–17:00 for those not in the meeting), lunch at 12:00 at 3 canteen tables of 3
    /// (0.8 m apart round each, tables 4 m apart, seats drawn from the seed), a meeting at
    /// 14:00 of 4 of them drawn from the seed, round a 1.2 m table. Each person carries their
    /// phone one way all day (drawn from the seed: hand, pocket or bag); at the canteen and the
    /// meeting people face each other, at desks they face their screens (90° away).
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
            Self::Office => office_day(start, seed),
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
    let people: Vec<Person> = positions
        .iter()
        .enumerate()
        .map(|(index, &at)| Person {
            // At most 30 people a scene.
            phone: index as u32,
            at,
            carriage: None,
        })
        .collect();
    pairs_of(&people, start, seconds, None)
}

/// Someone at a place for a period.
#[derive(Clone, Copy, Debug)]
struct Person {
    phone: u32,
    at: (f64, f64),
    carriage: Option<Carriage>,
}

/// Every pair of people in one room as an encounter, with their carriages and, if given, how
/// far they are turned away from each other.
fn pairs_of(
    people: &[Person],
    start: u64,
    seconds: u64,
    turned_away_deg: Option<f64>,
) -> Vec<Encounter> {
    let mut encounters = Vec::new();
    for (index, a) in people.iter().enumerate() {
        for b in &people[index + 1..] {
            let known = turned_away_deg.is_some();
            encounters.push(Encounter {
                a: a.phone,
                b: b.phone,
                start,
                seconds,
                distance_m: (a.at.0 - b.at.0).hypot(a.at.1 - b.at.1),
                surroundings: if known {
                    Surroundings {
                        carriages: [a.carriage, b.carriage],
                        body_between: Some(false),
                        turned_away_deg: turned_away_deg.unwrap_or(0.0),
                    }
                } else {
                    Surroundings::UNKNOWN
                },
            });
        }
    }
    encounters
}

/// The office's working day (see [`Scene::Office`]), from `start` (09:00).
fn office_day(start: u64, seed: u64) -> Vec<Encounter> {
    const HOUR: u64 = 3600;
    let mut random = Random::new(seed.wrapping_add(0x0FF1CE));
    let carriages: Vec<Carriage> = (0..9)
        .map(|_| Carriage::ALL[random.between(0, 3) as usize])
        .collect();
    let desk = |phone: u32| Person {
        phone,
        at: (f64::from(phone % 3) * 2.0, f64::from(phone / 3) * 2.0),
        carriage: Some(carriages[phone as usize]),
    };
    let everyone: Vec<Person> = (0..9).map(desk).collect();
    // Seats at lunch and who meets: a seeded shuffle (Fisher–Yates).
    let mut order: Vec<u32> = (0..9).collect();
    for index in (1..order.len()).rev() {
        let other = random.between(0, index as u64 + 1) as usize;
        order.swap(index, other);
    }
    let canteen: Vec<Person> = order
        .iter()
        .enumerate()
        .map(|(seat, &phone)| {
            let table = (seat / 3) as f64 * 4.0;
            // Three seats round a table, 0.8 m apart.
            let corner = [(0.0, 0.0), (0.8, 0.0), (0.4, 0.69)][seat % 3];
            Person {
                at: (table + corner.0, corner.1),
                ..desk(phone)
            }
        })
        .collect();
    let meeting: Vec<Person> = order[..4]
        .iter()
        .enumerate()
        .map(|(seat, &phone)| Person {
            at: [(0.0, 0.0), (1.2, 0.0), (0.0, 1.2), (1.2, 1.2)][seat],
            ..desk(phone)
        })
        .collect();
    let at_desks_during_meeting: Vec<Person> =
        order[4..].iter().map(|&phone| desk(phone)).collect();
    let mut encounters = pairs_of(&everyone, start, 3 * HOUR, Some(90.0));
    encounters.extend(pairs_of(&canteen, start + 3 * HOUR, HOUR, Some(0.0)));
    encounters.extend(pairs_of(&everyone, start + 4 * HOUR, HOUR, Some(90.0)));
    encounters.extend(pairs_of(&meeting, start + 5 * HOUR, HOUR, Some(0.0)));
    encounters.extend(pairs_of(
        &at_desks_during_meeting,
        start + 5 * HOUR,
        HOUR,
        Some(90.0),
    ));
    encounters.extend(pairs_of(&everyone, start + 6 * HOUR, 2 * HOUR, Some(90.0)));
    encounters
}
