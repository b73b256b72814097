//! Synthetic 12-lead ECGs with territorial ischaemia patterns, for the demonstration model and
//! for tests. Seeded and deterministic: the same seed and configuration give the same samples on
//! every platform. **Every case is invented**; nothing here is patient data, and a model trained
//! on it is a demonstration, not a clinical tool.
//!
//! ## Model
//!
//! The heart is a single dipole whose three components (Frank axes: X to the patient's left,
//! Y to the feet, Z to the back) are sums of Gaussian waves, one set per beat (the
//! vectorcardiographic extension of ECGSYN: McSharry et al., IEEE TBME 2003; Sameni et al.,
//! IEEE TBME 2007). Leads I, II and V1–V6 are the dipole projected with the Dower matrix
//! (Dower, Machado & Osborne, Clin Cardiol 1980); III, aVR, aVL and aVF then follow from
//! Einthoven and Goldberger, so the twelve leads are consistent by construction. Noise is
//! added per electrode (RA, LA, LL, V1–V6) and passed through the same lead definitions, so it
//! is consistent too (a loose LA electrode disturbs I, III, aVR, aVL, aVF and, through Wilson's
//! terminal, V1–V6 a third as much).
//!
//! Normal waves (before each "patient's" rotation and scaling): septal q to the right and
//! front, R to the left, below and behind (axis near +60°, transition at V3), terminal S to the
//! right, above and behind, P and T to the left, below and front, so that V1 is rS and V6 qR as
//! in a normal adult ECG. Intervals: PR 120–200 ms, QRS 80–105 ms, QTc 380–450 ms with QT from
//! Bazett's formula (normal ranges as in e.g. Surawicz & Knilans, *Chou's Electrocardiography in
//! Clinical Practice*, 6th ed.).
//!
//! ## Territorial patterns (what a stenosed vessel may show at rest)
//!
//! Each pattern has an ST vector (ST depression, or aVR elevation), a T vector (flattening or
//! inversion) and, in a quarter of the cases, an initial QRS vector (Q waves of an old
//! infarction), all pointing away from the territory so that its facing leads show them:
//!
//! | vessel | leads | source |
//! |---|---|---|
//! | RCA | II, III, aVF: ST depression, T inversion, Q waves | inferior wall supplied by the RCA in ~85 % (right dominance) |
//! | LAD | V1–V4: ST depression, T inversion, loss of anterior forces (QS) | anterior wall and septum |
//! | LCX | I, aVL, V5, V6: ST depression, T inversion; V1–V2: reciprocal ST depression and a taller R (posterior wall) | lateral and posterior walls |
//! | LM | diffuse ST depression with ST elevation in aVR | left-main or three-vessel ischaemia; ST elevation in aVR with widespread depression (Yamaji et al., JACC 2001; Kosuge et al., Am J Cardiol 2005) |
//!
//! A resting ECG is often normal despite severe stenosis, so a stenosed vessel shows its
//! pattern only with probability [`SynthConfig::expression`], at a severity from subtle to
//! marked, and a vessel without stenosis sometimes shows a faint pattern (non-specific ST-T
//! change): the classes overlap, as they do in clinical data.
//!
//! ## Confounders (patterns that mimic ischaemia without stenosis)
//!
//! LVH with strain (large QRS, lateral ST depression and asymmetric T inversion), left and
//! right bundle branch block (wide QRS with secondary ST-T changes opposite the QRS; RBBB's
//! R' and T inversion in V1–V3), early repolarisation (J-point and ST elevation in inferior and
//! lateral leads), and non-specific ST-T changes. Each is drawn independently of stenosis.
//!
//! ## Prevalence
//!
//! The defaults give per-vessel prevalences of about LAD 12 %, RCA 10 %, LCX 7 % and LM 2 %, in
//! that order, the order reported by CCTA registries of symptomatic patients (e.g. CONFIRM,
//! Min et al., JACC 2011): these are choices for a screening-like population, not
//! measurements. Stenoses cluster (multi-vessel disease): a case first draws whether it has any
//! severe stenosis, then how many vessels, then which (see [`SynthConfig`]).
//!
//! ## Nuisances
//!
//! Heart-rate variability (respiratory sinus arrhythmia and a 0.1 Hz component), an occasional
//! premature ventricular beat, respiration modulating amplitudes, baseline wander, EMG noise
//! (more on the limb electrodes), mains interference at 50 or 60 Hz, and electrode-motion
//! artefacts on one electrode.

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal};
use crate::rng::SplitMix64;

mod overlay;
pub use overlay::{
    HELD_OUT_FOLDS, INFARCT_STATEMENTS, OverlayError, has_infarct_statement, overlay_patterns,
};

/// Version of the generator: bump it whenever any case's samples change for a given seed.
pub const GENERATOR_VERSION: u32 = 1;

/// Seed ranges that never overlap: held-out validation cases use seeds from 0, the training
/// stream seeds from [`TRAIN_SEED_BASE`], re-evaluation splits in tests seeds from
/// [`TEST_SPLIT_SEED`].
pub const TRAIN_SEED_BASE: u64 = 1 << 40;

/// First seed of the re-evaluation splits (see [`TRAIN_SEED_BASE`]).
pub const TEST_SPLIT_SEED: u64 = 1 << 41;

/// The four vessels in the model's output order.
pub const VESSELS: [&str; 4] = ["RCA", "LM", "LAD", "LCX"];

/// Index of each vessel in [`VESSELS`].
const RCA: usize = 0;
const LM: usize = 1;
const LAD: usize = 2;
const LCX: usize = 3;

/// How cases are drawn. The defaults describe a screening-like population (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Samples per second.
    pub sample_rate_hz: f64,
    /// Length of each record.
    pub duration_secs: f64,
    /// Probability that a case has at least one severe stenosis.
    pub any_stenosis: f64,
    /// Given a stenosis, probabilities of 1, 2 and 3 diseased vessels.
    pub vessel_count: [f64; 3],
    /// Relative frequency of each vessel (RCA, LM, LAD, LCX) when vessels are picked.
    pub vessel_weights: [f64; 4],
    /// Probability that a stenosed vessel shows its pattern on the resting ECG.
    pub expression: f64,
    /// Probability, per vessel without stenosis, of a faint pattern in its territory.
    pub false_pattern: f64,
    /// Draw confounders (LVH strain, bundle branch blocks, early repolarisation, non-specific
    /// ST-T changes).
    pub confounders: bool,
    /// Add noise, wander, mains and artefacts.
    pub nuisances: bool,
    /// When set, no stenosis is drawn: each vessel's pattern has this severity (0 = none) and
    /// the labels follow it; confounders are off unless `forced_confounder` says otherwise.
    pub forced_patterns: Option<[f64; 4]>,
    /// With `forced_patterns`: the confounder to show, if any.
    pub forced_confounder: Option<Confounder>,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            sample_rate_hz: 500.0,
            duration_secs: 10.0,
            any_stenosis: 0.2,
            vessel_count: [0.6, 0.25, 0.15],
            vessel_weights: [0.3, 0.05, 0.45, 0.2],
            expression: 0.7,
            false_pattern: 0.05,
            confounders: true,
            nuisances: true,
            forced_patterns: None,
            forced_confounder: None,
        }
    }
}

/// A pattern that mimics ischaemia without a stenosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confounder {
    /// Left ventricular hypertrophy with strain.
    LvhStrain,
    /// Left bundle branch block.
    Lbbb,
    /// Right bundle branch block.
    Rbbb,
    /// Early repolarisation.
    EarlyRepolarisation,
    /// Small ST-T deviations in a random direction.
    NonspecificStT,
}

impl std::str::FromStr for Confounder {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Confounder::DRAW
            .iter()
            .map(|(c, _)| *c)
            .find(|c| c.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Confounder::DRAW.iter().map(|(c, _)| c.name()).collect();
                format!("unknown confounder '{text}' (one of {})", names.join(", "))
            })
    }
}

impl Confounder {
    /// Prevalence of each confounder when drawn (choices, ordered as in general ECG screening
    /// populations: non-specific ST-T changes most common, LBBB rarest).
    const DRAW: [(Confounder, f64); 5] = [
        (Confounder::NonspecificStT, 0.08),
        (Confounder::LvhStrain, 0.05),
        (Confounder::EarlyRepolarisation, 0.04),
        (Confounder::Rbbb, 0.025),
        (Confounder::Lbbb, 0.015),
    ];

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Confounder::LvhStrain => "lvh_strain",
            Confounder::Lbbb => "lbbb",
            Confounder::Rbbb => "rbbb",
            Confounder::EarlyRepolarisation => "early_repolarisation",
            Confounder::NonspecificStT => "nonspecific_st_t",
        }
    }
}

/// One generated case: the record and its truth.
#[derive(Debug, Clone)]
pub struct Case {
    /// The twelve leads, in µV.
    pub ecg: Ecg,
    /// Severe stenosis per vessel (RCA, LM, LAD, LCX): the labels.
    pub stenosis: [bool; 4],
    /// Severity (0 = absent, up to 1) of each territorial pattern actually drawn on the ECG.
    pub patterns: [f64; 4],
    /// The confounder drawn, if any.
    pub confounder: Option<Confounder>,
    /// Mean heart rate of the record.
    pub heart_rate_bpm: f64,
    /// Sample index of every R peak (normal beats and ectopics) inside the record.
    pub r_peaks: Vec<usize>,
}

type Vec3 = [f64; 3];

fn scale(v: Vec3, k: f64) -> Vec3 {
    [v[0] * k, v[1] * k, v[2] * k]
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn unit(v: Vec3) -> Vec3 {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    scale(v, 1.0 / n)
}

/// Dower's matrix: leads V1–V6, I, II (rows) from Frank X, Y, Z (Dower et al. 1980).
const DOWER: [(Lead, Vec3); 8] = [
    (Lead::V1, [-0.515, 0.157, -0.917]),
    (Lead::V2, [0.044, 0.164, -1.387]),
    (Lead::V3, [0.882, 0.098, -1.277]),
    (Lead::V4, [1.213, 0.127, -0.601]),
    (Lead::V5, [1.125, 0.127, -0.086]),
    (Lead::V6, [0.831, 0.076, 0.230]),
    (Lead::I, [0.632, -0.235, 0.059]),
    (Lead::II, [0.235, 1.066, -0.132]),
];

/// One Gaussian wave of the dipole: centre (s, from the beat's R peak), widths before and
/// after the centre (s), and amplitude (mV) along X, Y, Z.
#[derive(Debug, Clone, Copy)]
struct Wave {
    centre: f64,
    width_before: f64,
    width_after: f64,
    amplitude: Vec3,
}

impl Wave {
    fn symmetric(centre: f64, width: f64, amplitude: Vec3) -> Self {
        Self {
            centre,
            width_before: width,
            width_after: width,
            amplitude,
        }
    }
}

/// An ST-segment shift: `vector` (mV) from the J point, held to the T peak and fading out by
/// the end of the T wave, with 20 ms ramps.
#[derive(Debug, Clone, Copy)]
struct StShift {
    j_point: f64,
    t_peak: f64,
    t_end: f64,
    vector: Vec3,
}

impl StShift {
    fn weight(&self, t: f64) -> f64 {
        let ramp = 0.02;
        let smooth = |x: f64| {
            let x = x.clamp(0.0, 1.0);
            x * x * (3.0 - 2.0 * x)
        };
        if t < self.j_point - ramp || t > self.t_end {
            0.0
        } else if t < self.j_point {
            smooth((t - (self.j_point - ramp)) / ramp)
        } else if t <= self.t_peak {
            1.0
        } else {
            1.0 - smooth((t - self.t_peak) / (self.t_end - self.t_peak).max(1e-3))
        }
    }
}

/// A beat: R-peak time (s) and its waves and ST shift.
struct Beat {
    r_time: f64,
    waves: Vec<Wave>,
    st: Option<StShift>,
}

/// The "patient": everything that stays fixed across the beats of one record.
struct Patient {
    rotation: [Vec3; 3],
    gain: f64,
    pr: f64,
    qrs: f64,
    qtc: f64,
    rr: f64,
    p_gain: f64,
}

impl Patient {
    fn draw(rng: &mut SplitMix64) -> Self {
        // Frontal-plane axis spread (rotation about the sagittal Z axis) of about ±25°, and a
        // smaller horizontal rotation (about Y): the normal spread of QRS axes.
        let frontal = rng.normal_clamped(0.0, 18.0, -45.0, 45.0).to_radians();
        let horizontal = rng.normal_clamped(0.0, 12.0, -30.0, 30.0).to_radians();
        let (sf, cf) = frontal.sin_cos();
        let (sh, ch) = horizontal.sin_cos();
        // R = Ry(horizontal) · Rz(frontal); rotating X toward Y turns the axis clockwise.
        let rz = [[cf, -sf, 0.0], [sf, cf, 0.0], [0.0, 0.0, 1.0]];
        let ry = [[ch, 0.0, sh], [0.0, 1.0, 0.0], [-sh, 0.0, ch]];
        let mut rotation = [[0.0; 3]; 3];
        for (i, row) in rotation.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..3).map(|k| ry[i][k] * rz[k][j]).sum();
            }
        }
        let heart_rate = rng.normal_clamped(72.0, 11.0, 48.0, 115.0);
        Self {
            rotation,
            gain: (0.22 * rng.normal()).exp().clamp(0.55, 1.8),
            pr: rng.uniform(0.12, 0.20),
            qrs: rng.uniform(0.08, 0.105),
            qtc: rng.uniform(0.38, 0.45),
            rr: 60.0 / heart_rate,
            p_gain: rng.uniform(0.6, 1.4),
        }
    }

    fn rotate(&self, v: Vec3) -> Vec3 {
        let r = &self.rotation;
        [
            r[0][0] * v[0] + r[0][1] * v[1] + r[0][2] * v[2],
            r[1][0] * v[0] + r[1][1] * v[1] + r[1][2] * v[2],
            r[2][0] * v[0] + r[2][1] * v[1] + r[2][2] * v[2],
        ]
    }
}

/// What changes a beat's waves: the territorial patterns and the confounder.
struct Findings {
    patterns: [f64; 4],
    q_waves: [bool; 4],
    confounder: Option<Confounder>,
    /// Direction of non-specific ST-T changes.
    nonspecific: Vec3,
}

/// Unit vectors pointing from the heart's centre to each territory (Frank axes), used for
/// ST, T and Q vectors that point away from it. RCA: inferior; LAD: anterior (−Z) and a little
/// left; LCX: lateral (left, slightly superior and posterior); LM: the ST vector of diffuse
/// subendocardial ischaemia points to the right, up and back (toward aVR).
fn territory(vessel: usize) -> Vec3 {
    match vessel {
        RCA => unit([0.0, 1.0, 0.05]),
        LAD => unit([0.15, 0.0, -1.0]),
        LCX => unit([1.0, -0.25, 0.35]),
        _ => unit([0.65, 0.6, -0.3]), // LM: the opposite of aVR's direction
    }
}

/// The beat's vectors before they become waves: septal, R and S forces, T, the ST shift, and
/// extra waves (R', notches, Q waves).
struct Forces {
    septal: Vec3,
    r: Vec3,
    s: Vec3,
    t: Vec3,
    st: Vec3,
    extra: Vec<Wave>,
}

impl Forces {
    /// What the confounder does to the beat.
    fn apply_confounder(&mut self, findings: &Findings, j_point: f64) {
        match findings.confounder {
            Some(Confounder::LvhStrain) => {
                // Large leftward-posterior voltage; strain: ST and T opposite the main QRS force.
                self.r = scale(add(self.r, [0.5, 0.0, 0.6]), 1.5);
                self.s = scale(self.s, 1.6);
                let away = scale(unit(self.r), -1.0);
                self.st = add(self.st, scale(away, 0.09));
                self.t = add(scale(self.t, 0.2), scale(away, 0.28));
            }
            Some(Confounder::Lbbb) => {
                // No septal q (septum activated right to left); broad leftward-posterior R;
                // secondary ST-T changes opposite the QRS.
                self.septal = [0.15, 0.0, 0.1];
                self.r = [1.0, 0.35, 1.0];
                self.s = [0.0, 0.0, 0.2];
                let away = scale(unit(self.r), -1.0);
                self.st = add(self.st, scale(away, 0.12));
                self.t = scale(away, 0.35);
            }
            Some(Confounder::Rbbb) => {
                // Late rightward-anterior force: R' in V1, broad S in I and V6; T inverted V1–V3.
                self.extra
                    .push(Wave::symmetric(j_point - 0.03, 0.018, [-0.45, 0.0, -0.6]));
                self.t = add(self.t, [0.0, 0.0, 0.25]);
            }
            Some(Confounder::EarlyRepolarisation) => {
                // J-point notch and ST elevation in inferior and lateral leads.
                let toward = unit([0.6, 0.6, -0.2]);
                self.extra
                    .push(Wave::symmetric(j_point, 0.006, scale(toward, 0.12)));
                self.st = add(self.st, scale(toward, 0.1));
            }
            Some(Confounder::NonspecificStT) => {
                self.st = add(self.st, scale(findings.nonspecific, 0.05));
                self.t = add(self.t, scale(findings.nonspecific, 0.08));
            }
            None => {}
        }
    }

    /// What each territorial pattern (a severe stenosis) does to the beat, and old infarctions.
    fn apply_patterns(&mut self, findings: &Findings, onset: f64, qrs: f64) {
        for (vessel, &severity) in findings.patterns.iter().enumerate() {
            if severity <= 0.0 {
                continue;
            }
            let n = territory(vessel);
            match vessel {
                LM => {
                    // Diffuse ST depression, aVR elevation; T flattened.
                    self.st = add(self.st, scale(n, -0.16 * severity));
                    self.t = scale(self.t, 1.0 - 0.4 * severity);
                }
                LCX => {
                    // Lateral depression and inversion; posterior: reciprocal V1–V2 depression (ST
                    // vector toward the back) and a taller R in V1–V2 (more anterior force).
                    self.st = add(
                        self.st,
                        scale(add(scale(n, -1.0), [0.0, 0.0, 1.0]), 0.11 * severity),
                    );
                    self.t = add(self.t, scale(n, -0.4 * severity));
                    self.r = add(self.r, [0.0, 0.0, -0.35 * severity]);
                }
                _ => {
                    self.st = add(self.st, scale(n, -0.12 * severity));
                    self.t = add(self.t, scale(n, -0.45 * severity));
                }
            }
            if findings.q_waves[vessel] {
                // An old infarction: the first 40 ms of the QRS point away from the scar.
                self.extra.push(Wave::symmetric(
                    onset + 0.2 * qrs,
                    0.1 * qrs,
                    scale(n, -0.35 * severity),
                ));
                if vessel == LAD {
                    self.septal = [self.septal[0], self.septal[1], 0.0];
                }
            }
        }
    }
}

/// When a beat's waves fall, relative to its R peak (s).
#[derive(Debug, Clone, Copy)]
struct Timing {
    qrs: f64,
    onset: f64,
    j_point: f64,
    qt: f64,
    t_end: f64,
    t_peak: f64,
}

impl Timing {
    /// A patient's beat at this RR interval (a bundle branch block widens the QRS).
    fn of(patient: &Patient, confounder: Option<Confounder>, rr: f64) -> Self {
        let mut qrs = patient.qrs;
        match confounder {
            Some(Confounder::Lbbb) => qrs = qrs.max(0.14),
            Some(Confounder::Rbbb) => qrs = qrs.max(0.125),
            _ => {}
        }
        let onset = -0.45 * qrs;
        let j_point = onset + qrs;
        let qt = patient.qtc * rr.sqrt() + (qrs - patient.qrs);
        let t_end = onset + qt;
        let t_peak = t_end - 0.09 * (qt / 0.4);
        Self {
            qrs,
            onset,
            j_point,
            qt,
            t_end,
            t_peak,
        }
    }
}

impl Forces {
    /// A normal beat's forces (module docs), before the patient's rotation and scaling.
    fn normal() -> Self {
        Self {
            septal: [-0.10, 0.05, -0.12],
            r: [1.0, 0.75, 0.2],
            s: [-0.3, -0.2, 0.55],
            t: [0.22, 0.22, -0.18],
            st: [0.0; 3],
            extra: Vec::new(),
        }
    }

    /// The QRS and T waves and the ST shift these forces give a beat with this timing.
    fn into_waves(self, patient: &Patient, timing: &Timing) -> (Vec<Wave>, Option<StShift>) {
        let Timing {
            qrs,
            onset,
            j_point,
            qt,
            t_end,
            t_peak,
        } = *timing;
        let Forces {
            septal,
            r,
            s,
            t,
            st,
            extra,
        } = self;
        let mut waves = Vec::with_capacity(11);
        waves.push(Wave::symmetric(onset + 0.2 * qrs, 0.09 * qrs, septal));
        let wide = if qrs > 0.12 { qrs / patient.qrs } else { 1.0 };
        waves.push(Wave::symmetric(
            onset + 0.45 * qrs,
            0.12 * patient.qrs * wide,
            r,
        ));
        waves.push(Wave::symmetric(
            onset + 0.72 * qrs,
            0.13 * patient.qrs * wide,
            s,
        ));
        waves.push(Wave {
            centre: t_peak,
            width_before: 0.07 * (qt / 0.4),
            width_after: 0.04 * (qt / 0.4),
            amplitude: t,
        });
        waves.extend(extra);
        let shift = (st != [0.0; 3]).then_some(StShift {
            j_point,
            t_peak,
            t_end,
            vector: st,
        });
        (waves, shift)
    }
}

/// The waves of one normal beat for a patient at this RR interval, then the findings.
fn beat_waves(patient: &Patient, findings: &Findings, rr: f64) -> (Vec<Wave>, Option<StShift>) {
    let timing = Timing::of(patient, findings.confounder, rr);
    let p = patient.p_gain;
    // P: left, inferior, slightly anterior; ~100 ms long, its centre 60 ms after P onset.
    let mut waves = vec![Wave::symmetric(
        timing.onset - patient.pr + 0.055,
        0.022,
        [0.07 * p, 0.10 * p, -0.02 * p],
    )];
    let mut v = Forces::normal();
    v.apply_confounder(findings, timing.j_point);
    v.apply_patterns(findings, timing.onset, timing.qrs);
    let (qrs_t, shift) = v.into_waves(patient, &timing);
    waves.extend(qrs_t);
    (waves, shift)
}

/// A premature ventricular beat: wide, bizarre QRS in a random direction, discordant T, no P.
fn ectopic_waves(rng: &mut SplitMix64) -> Vec<Wave> {
    let direction = unit([rng.normal(), rng.normal(), rng.normal()]);
    let amplitude = rng.uniform(1.2, 2.0);
    vec![
        Wave::symmetric(0.0, 0.035, scale(direction, amplitude)),
        Wave {
            centre: 0.28,
            width_before: 0.07,
            width_after: 0.05,
            amplitude: scale(direction, -0.35),
        },
    ]
}

/// Draws which vessels are stenosed (module docs, "Prevalence").
pub fn draw_stenosis(config: &SynthConfig, rng: &mut SplitMix64) -> [bool; 4] {
    let mut stenosis = [false; 4];
    if !rng.chance(config.any_stenosis) {
        return stenosis;
    }
    let u = rng.unit();
    let count = if u < config.vessel_count[0] {
        1
    } else if u < config.vessel_count[0] + config.vessel_count[1] {
        2
    } else {
        3
    };
    for _ in 0..count {
        let total: f64 = (0..4)
            .filter(|&v| !stenosis[v])
            .map(|v| config.vessel_weights[v])
            .sum();
        let mut pick = rng.uniform(0.0, total);
        for (chosen, weight) in stenosis.iter_mut().zip(config.vessel_weights) {
            if *chosen {
                continue;
            }
            pick -= weight;
            if pick < 0.0 {
                *chosen = true;
                break;
            }
        }
    }
    stenosis
}

/// Generates one case from a seed.
pub fn generate(seed: u64, config: &SynthConfig) -> Case {
    let mut root = SplitMix64::new(seed ^ 0x0005_EED0_FEC6);
    // Independent streams, so that turning nuisances or confounders off leaves the heart the same.
    let mut heart = root.fork(1);
    let mut disease = root.fork(2);
    let mut noise = root.fork(3);
    let mut rhythm = root.fork(4);

    let patient = Patient::draw(&mut heart);
    let (stenosis, findings) = draw_findings(config, &mut disease);
    let (patterns, confounder) = (findings.patterns, findings.confounder);

    let fs = config.sample_rate_hz;
    let n = (config.duration_secs * fs).round() as usize;
    let duration = n as f64 / fs;
    let train = BeatTrain::draw(&patient, &findings, &mut rhythm, duration);
    let beats = &train.beats;
    let mut dipole = dipole(&patient, beats, n, fs);
    // Respiration modulates amplitudes by a few per cent.
    let resp_depth = rhythm.uniform(0.0, 0.06);
    for (k, sample) in dipole.iter_mut().enumerate() {
        let m = 1.0
            + resp_depth
                * (std::f64::consts::TAU * train.resp_hz * k as f64 / fs + train.resp_phase + 1.0)
                    .sin();
        *sample = scale(*sample, m);
    }

    let leads = leads_from_dipole(&dipole, config.nuisances.then_some(&mut noise), fs);
    let info = AcquisitionInfo {
        device: Some(format!(
            "ecg-stenosis synthetic generator v{GENERATOR_VERSION} (seed {seed}): invented, not a patient"
        )),
        acquired: None,
        cart_filters: None,
    };
    let ecg = Ecg::new(leads, fs, Vec::new())
        .expect("twelve equal-length leads at a positive rate")
        .with_info(info);
    let r_peaks = beats
        .iter()
        .map(|b| b.r_time * fs)
        .filter(|&s| s >= 0.0 && s < n as f64)
        .map(|s| s.round() as usize)
        .collect();
    Case {
        ecg,
        stenosis,
        patterns,
        confounder,
        heart_rate_bpm: 60.0 / patient.rr,
        r_peaks,
    }
}

/// The stenoses of one case and the territorial patterns they show (see [`draw_patterns`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawn {
    /// Severe stenosis per vessel: the labels.
    pub stenosis: [bool; 4],
    /// Severity of each vessel's pattern (0 = none): a stenosed vessel shows it with
    /// probability [`SynthConfig::expression`], one without a stenosis a faint one with
    /// probability [`SynthConfig::false_pattern`].
    pub patterns: [f64; 4],
    /// Q waves of an old infarction per vessel (a quarter of the expressed patterns, never LM).
    pub q_waves: [bool; 4],
}

/// Draws the stenoses of one case from `config` (module docs, "Prevalence") and the pattern
/// each vessel shows.
pub fn draw_patterns(config: &SynthConfig, disease: &mut SplitMix64) -> Drawn {
    let stenosis = draw_stenosis(config, disease);
    let mut patterns = [0.0; 4];
    let mut q_waves = [false; 4];
    for v in 0..4 {
        if stenosis[v] {
            if disease.chance(config.expression) {
                // Subtle to marked, subtle more often.
                patterns[v] = 0.15 + 0.85 * disease.unit().powf(1.4);
                q_waves[v] = v != LM && disease.chance(0.25);
            }
        } else if disease.chance(config.false_pattern) {
            patterns[v] = disease.uniform(0.08, 0.3);
        }
    }
    Drawn {
        stenosis,
        patterns,
        q_waves,
    }
}

/// The disease and confounder of one case: severe stenosis per vessel, the severity of each
/// territorial pattern drawn, old Q waves, the confounder (or those the config forces).
fn draw_findings(config: &SynthConfig, disease: &mut SplitMix64) -> ([bool; 4], Findings) {
    let (stenosis, patterns, q_waves, confounder) = match config.forced_patterns {
        Some(forced) => (
            forced.map(|s| s > 0.0),
            forced,
            [false; 4],
            config.forced_confounder,
        ),
        None => {
            let Drawn {
                stenosis,
                patterns,
                q_waves,
            } = draw_patterns(config, disease);
            let mut confounder = None;
            if config.confounders {
                let u = disease.unit();
                let mut acc = 0.0;
                for (c, p) in Confounder::DRAW {
                    acc += p;
                    if u < acc {
                        confounder = Some(c);
                        break;
                    }
                }
            }
            (stenosis, patterns, q_waves, confounder)
        }
    };
    let findings = Findings {
        patterns,
        q_waves,
        confounder,
        nonspecific: unit([disease.normal(), disease.normal(), disease.normal()]),
    };
    (stenosis, findings)
}

/// The beats of a record: their R times and waves, with the respiration that modulates them.
struct BeatTrain {
    beats: Vec<Beat>,
    resp_hz: f64,
    resp_phase: f64,
}

impl BeatTrain {
    fn draw(
        patient: &Patient,
        findings: &Findings,
        rhythm: &mut SplitMix64,
        duration: f64,
    ) -> Self {
        // Beat times: RR modulated by respiration (RSA, 0.15–0.4 Hz) and a 0.1 Hz component.
        let resp_hz = rhythm.uniform(0.15, 0.4);
        let resp_phase = rhythm.uniform(0.0, std::f64::consts::TAU);
        let lf_phase = rhythm.uniform(0.0, std::f64::consts::TAU);
        let rsa = rhythm.uniform(0.01, 0.05);
        let ectopic_at = rhythm
            .chance(0.1)
            .then(|| rhythm.uniform(1.0, duration - 1.0));
        let mut beats = Vec::new();
        let mut time = -rhythm.uniform(0.3, 1.0) * patient.rr;
        let mut ectopic_done = false;
        while time < duration + 1.0 {
            let modulation = 1.0
                + rsa * (std::f64::consts::TAU * resp_hz * time + resp_phase).sin()
                + 0.015 * (std::f64::consts::TAU * 0.1 * time + lf_phase).sin()
                + 0.01 * rhythm.normal();
            let rr = patient.rr * modulation;
            if let Some(at) = ectopic_at
                && !ectopic_done
                && time + 0.6 * rr > at
            {
                // Premature by 40 %, then a compensatory pause.
                let r_time = time + 0.6 * rr;
                beats.push(Beat {
                    r_time,
                    waves: ectopic_waves(rhythm),
                    st: None,
                });
                ectopic_done = true;
                time += 2.0 * rr;
                continue;
            }
            let (waves, st) = beat_waves(patient, findings, rr);
            beats.push(Beat {
                r_time: time,
                waves,
                st,
            });
            time += rr;
        }
        Self {
            beats,
            resp_hz,
            resp_phase,
        }
    }
}

/// The heart's dipole, sample by sample, from the beats' waves and ST shifts.
fn dipole(patient: &Patient, beats: &[Beat], n: usize, fs: f64) -> Vec<[f64; 3]> {
    // The dipole, sample by sample: each wave only where it matters (±5 widths).
    let mut dipole = vec![[0.0f64; 3]; n];
    for beat in beats {
        for wave in &beat.waves {
            let amplitude = patient.rotate(scale(wave.amplitude, patient.gain));
            let centre = beat.r_time + wave.centre;
            let first = ((centre - 5.0 * wave.width_before) * fs).floor().max(0.0) as usize;
            let last = (((centre + 5.0 * wave.width_after) * fs).ceil().max(0.0) as usize).min(n);
            for (k, sample) in dipole.iter_mut().enumerate().take(last).skip(first) {
                let dt = k as f64 / fs - centre;
                let width = if dt < 0.0 {
                    wave.width_before
                } else {
                    wave.width_after
                };
                let g = (-0.5 * (dt / width).powi(2)).exp();
                *sample = add(*sample, scale(amplitude, g));
            }
        }
        if let Some(st) = &beat.st {
            let vector = patient.rotate(scale(st.vector, patient.gain.sqrt()));
            let first = ((beat.r_time + st.j_point - 0.03) * fs).floor().max(0.0) as usize;
            let last = (((beat.r_time + st.t_end) * fs).ceil().max(0.0) as usize).min(n);
            for (k, sample) in dipole.iter_mut().enumerate().take(last).skip(first) {
                let w = st.weight(k as f64 / fs - beat.r_time);
                *sample = add(*sample, scale(vector, w));
            }
        }
    }
    dipole
}

/// The twelve leads in µV from the dipole: I, II and V1–V6 by Dower's matrix, with noise per
/// electrode when `noise` is given, then III, aVR, aVL and aVF from I and II.
fn leads_from_dipole(
    dipole: &[[f64; 3]],
    noise: Option<&mut SplitMix64>,
    fs: f64,
) -> Vec<LeadSignal> {
    let n = dipole.len();
    // Leads I, II, V1–V6 in mV from the dipole, then per-electrode noise.
    let mut independent: Vec<(Lead, Vec<f64>)> = DOWER
        .iter()
        .map(|(lead, row)| {
            let v = dipole
                .iter()
                .map(|d| row[0] * d[0] + row[1] * d[1] + row[2] * d[2])
                .collect();
            (*lead, v)
        })
        .collect();
    if let Some(noise) = noise {
        let electrodes = electrode_noise(noise, n, fs);
        // electrodes: RA, LA, LL, V1..V6 (index 3 + i).
        let wct = |k: usize| (electrodes[0][k] + electrodes[1][k] + electrodes[2][k]) / 3.0;
        for (lead, values) in &mut independent {
            // The lead's electrode difference: I = LA − RA, II = LL − RA, Vi = Vi − WCT.
            let precordial = Lead::INDEPENDENT.iter().position(|l| l == lead);
            for (k, v) in values.iter_mut().enumerate() {
                *v += match (*lead, precordial) {
                    (Lead::I, _) => electrodes[1][k] - electrodes[0][k],
                    (Lead::II, _) => electrodes[2][k] - electrodes[0][k],
                    (_, Some(i)) => electrodes[3 + i - 2][k] - wct(k),
                    (_, None) => unreachable!("Dower gives only I, II and V1–V6"),
                };
            }
        }
    }
    let lead = |l: Lead| -> &Vec<f64> {
        &independent
            .iter()
            .find(|(x, _)| *x == l)
            .expect("Dower gives I, II, V1–V6")
            .1
    };
    let (i, ii) = (lead(Lead::I), lead(Lead::II));
    let derived = |f: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
        i.iter().zip(ii).map(|(&a, &b)| f(a, b)).collect()
    };
    let limb: [(Lead, Vec<f64>); 4] = [
        (Lead::III, derived(&|a, b| b - a)),
        (Lead::AVR, derived(&|a, b| -(a + b) / 2.0)),
        (Lead::AVL, derived(&|a, b| a - b / 2.0)),
        (Lead::AVF, derived(&|a, b| b - a / 2.0)),
    ];
    let mut leads = Vec::with_capacity(12);
    for l in Lead::ALL {
        let values = match limb.iter().find(|(x, _)| *x == l) {
            Some((_, v)) => v,
            None => lead(l),
        };
        leads.push(LeadSignal {
            lead: l,
            samples_uv: values.iter().map(|&mv| (mv * 1000.0) as f32).collect(),
            derived: false,
        });
    }
    leads
}

/// Noise at each electrode (RA, LA, LL, V1–V6), in mV.
fn electrode_noise(rng: &mut SplitMix64, n: usize, fs: f64) -> Vec<Vec<f64>> {
    let tau = std::f64::consts::TAU;
    let mains_hz = if rng.chance(0.5) { 50.0 } else { 60.0 };
    let mains = rng.uniform(0.0, 0.02);
    let emg_limb = rng.uniform(0.0, 0.02);
    let emg_chest = rng.uniform(0.0, 0.008);
    let artefact = rng.chance(0.15).then(|| rng.unit());
    (0..9)
        .map(|e| {
            let mut values = vec![0.0; n];
            // Baseline wander: three slow sinusoids per electrode.
            for _ in 0..3 {
                let f = rng.uniform(0.05, 0.5);
                let a = rng.uniform(0.0, 0.08);
                let phase = rng.uniform(0.0, tau);
                for (k, v) in values.iter_mut().enumerate() {
                    *v += a * (tau * f * k as f64 / fs + phase).sin();
                }
            }
            // Mains: each electrode picks up a different share and phase.
            let (share, phase) = (rng.uniform(0.2, 1.0), rng.uniform(0.0, tau));
            // EMG: white noise differenced (high-pass), stronger on the limbs.
            let sigma = if e < 3 { emg_limb } else { emg_chest };
            let mut previous = 0.0;
            for (k, v) in values.iter_mut().enumerate() {
                *v += mains * share * (tau * mains_hz * k as f64 / fs + phase).sin();
                let white = sigma * rng.normal();
                *v += white - 0.5 * previous;
                previous = white;
            }
            values
        })
        .enumerate()
        .map(|(e, mut values)| {
            // Electrode motion: one electrode gets two or three slow bumps.
            if let Some(which) = artefact
                && e == (which * 9.0) as usize
            {
                let mut bumps = SplitMix64::new((which * 1e9) as u64);
                for _ in 0..2 + (bumps.unit() * 2.0) as usize {
                    let centre = bumps.uniform(0.0, n as f64 / fs);
                    let width = bumps.uniform(0.1, 0.3);
                    let height = bumps.uniform(-1.0, 1.0);
                    for (k, v) in values.iter_mut().enumerate() {
                        let dt = k as f64 / fs - centre;
                        if dt.abs() < 5.0 * width {
                            *v += height * (-0.5 * (dt / width).powi(2)).exp();
                        }
                    }
                }
            }
            values
        })
        .collect()
}
