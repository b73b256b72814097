//! The quality gate: structured findings per lead and one verdict, `ok`, `caution` or
//! `unusable`. An `unusable` ECG gets no risk estimate unless the user overrides (the pipeline
//! records the override).
//!
//! Every threshold is a named constant with the reason for its value. Amplitudes are in µV;
//! "on paper" means the standard 10 mm/mV, where 100 µV is 1 mm. Checks run on the recorded
//! leads at the record's own rate (derived leads repeat I and II and are used only by the
//! electrode and lead mix-up checks of [`super::placement`], which need aVR, aVL and aVF).

use serde::Serialize;

use super::Preprocessing;
use super::beats::Beats;
use super::iir::Iir;
use super::preprocess::ecgfounder_filter;
use crate::ecg::{Ecg, Lead};

/// Below this robust peak-to-peak amplitude a lead is flat: every recorded ECG lead, even one
/// perpendicular to the heart's axis, shows well over 50 µV of QRS and noise.
pub const FLAT_PEAK_TO_PEAK_UV: f64 = 15.0;
/// A plateau at the lead's own extreme lasting this long is clipping: an R apex is narrower
/// than 10 ms at any cart resolution, while a saturated amplifier holds its rail for longer.
/// A plateau that runs into the first or last sample is not counted: carts hold the last
/// value when a recording stops (the last 50–60 samples of many PTB-XL records), which is not
/// saturation.
pub const CLIP_PLATEAU_SECS: f64 = 0.01;
/// Share of a lead's samples in clipped plateaus that earns a caution (one clipped QRS in ten
/// seconds is about 0.2 %).
pub const CLIP_CAUTION_FRACTION: f64 = 0.002;
/// … and that makes the lead unusable (long stretches lost).
pub const CLIP_UNUSABLE_FRACTION: f64 = 0.05;
/// Clipped plateaus in at least this share of the beats also make the lead unusable: most QRS
/// complexes are cut off, so amplitudes and ST levels are wrong even if little time is lost.
pub const CLIP_UNUSABLE_BEAT_SHARE: f64 = 0.5;
/// High-pass corner of the noise measure: above the QRS's main energy (the recipe keeps up
/// to 40 Hz).
pub const NOISE_HIGHPASS_HZ: f64 = 45.0;
/// RMS above [`NOISE_HIGHPASS_HZ`] outside the QRS complexes (powerline notched out) that
/// earns a caution: 25 µV is a visible 0.25 mm fuzz on paper, where readers start calling a
/// tracing noisy.
pub const NOISE_CAUTION_UV: f64 = 25.0;
/// … and that makes the lead unusable: 1 mm of fuzz hides P waves and the 0.5–1 mm ST shifts
/// that ischaemia produces.
pub const NOISE_UNUSABLE_UV: f64 = 100.0;
/// Range of the isoelectric level (the PR segment, 60 ms before each R peak) across the beats
/// that earns a caution: respiration moves the baseline by 0.1–0.3 mV; over 1 mV within the
/// record is strong wander that distorts ST. Judged on the signal the model's recipe produces
/// (the `ecgfounder` recipe's 0.67 Hz high-pass and 0.4 s running median remove slow drift; the
/// `per_lead_zscore` recipe removes none): a drift of the recording that the recipe removes is
/// reported as a caution, never as unusable.
pub const WANDER_CAUTION_UV: f64 = 1000.0;
/// … and that makes the lead unusable when the model would still see it: 5 mV of movement
/// after the recipe's filters is not respiration but a loose electrode or a moving patient.
pub const WANDER_UNUSABLE_UV: f64 = 5000.0;
/// Amplitude of a 50 or 60 Hz sinusoid that earns a caution: 20 µV is a visible 0.2 mm of
/// regular fuzz. The `ecgfounder` recipe notches 50 Hz but not 60 Hz.
pub const POWERLINE_CAUTION_UV: f64 = 20.0;
/// Slew rate of a pacing spike, up and back within [`PACING_SPIKE_SECS`]: three times a steep
/// native QRS upstroke (about 100 µV/ms). A pacing pulse is several mV within 1–2 ms, but a
/// cart's anti-aliasing filter spreads it over two or three samples at 500 Hz: on the two paced
/// PTB-XL records the spikes rise at 450–870 µV/ms, which the former 500 µV/ms missed; at
/// 300 µV/ms both are found and none of the other 248 records is called paced.
pub const PACING_SLEW_UV_PER_MS: f64 = 300.0;
/// A spike returns within this time (pacing pulses last 0.5–2 ms; carts widen them).
pub const PACING_SPIKE_SECS: f64 = 0.006;
/// Spikes in at least this many leads, and this many in one lead, make a paced ECG.
pub const PACING_MIN_SPIKES: usize = 3;
/// Fewer beats than this in the record: rate and median beats are unreliable.
pub const MIN_BEATS: usize = 3;
/// Half-width around each R peak excluded from the noise measure (a QRS lasts ≤ 120 ms).
const QRS_HALF_SECS: f64 = 0.06;

/// Overall verdict, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing found.
    Ok,
    /// Findings that lower confidence; a risk estimate is still given.
    Caution,
    /// No risk estimate unless the user overrides.
    Unusable,
}

impl Verdict {
    /// `ok`, `caution`, `unusable`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Caution => "caution",
            Verdict::Unusable => "unusable",
        }
    }
}

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// No signal: lead disconnected or not recorded.
    Flat,
    /// The signal sits at its extreme for long stretches: amplifier saturation.
    Clipped,
    /// Muscle or electrode noise above the QRS band.
    HighFrequencyNoise,
    /// Large slow baseline movement.
    BaselineWander,
    /// 50 or 60 Hz interference.
    Powerline,
    /// A limb electrode on another's cable: aVL or aVF, not aVR, mirrors V6
    /// ([`super::placement`]).
    LimbLeadReversal,
    /// A channel holding another lead's signal: limb leads that break Einthoven's or
    /// Goldberger's identities, or two precordial leads out of order ([`super::placement`]).
    LeadSwap,
    /// Pacemaker spikes: ischaemia patterns are unreliable on a paced ECG.
    PacingSpikes,
    /// Shorter than the model's window.
    TooShort,
    /// Too few beats detected for rate and median beats.
    FewBeats,
    /// A sample rate too low to carry an ECG's QRS complexes.
    LowSampleRate,
}

impl FindingKind {
    /// A few words for a label on the tracing ("noise", "clipped").
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::Flat => "flat",
            FindingKind::Clipped => "clipped",
            FindingKind::HighFrequencyNoise => "noise",
            FindingKind::BaselineWander => "baseline wander",
            FindingKind::Powerline => "mains interference",
            FindingKind::LimbLeadReversal => "limb lead reversal?",
            FindingKind::LeadSwap => "lead swap?",
            FindingKind::PacingSpikes => "pacing spikes",
            FindingKind::TooShort => "too short",
            FindingKind::FewBeats => "few beats",
            FindingKind::LowSampleRate => "sample rate too low",
        }
    }
}

/// One finding, with the value measured and the threshold it crossed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What.
    pub kind: FindingKind,
    /// Which lead, when it concerns one.
    pub lead: Option<&'static str>,
    /// How bad.
    pub severity: Verdict,
    /// The measured value (units in `message`).
    pub value: f64,
    /// The threshold crossed.
    pub threshold: f64,
    /// A sentence for the user.
    pub message: String,
}

/// The quality gate's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    /// The worst severity among the findings (`ok` when none).
    pub verdict: Verdict,
    /// Every finding, leads in canonical order.
    pub findings: Vec<Finding>,
}

impl Quality {
    /// The messages of the findings that make the ECG unusable, joined with "; " (empty when
    /// it is usable): what a refusal says.
    pub fn unusable_reasons(&self) -> String {
        let reasons: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.severity == Verdict::Unusable)
            .map(|f| f.message.as_str())
            .collect();
        reasons.join("; ")
    }
}

/// A finding past its caution threshold: unusable from `unusable_at` on.
fn graded(value: f64, unusable_at: f64) -> Verdict {
    if value >= unusable_at {
        Verdict::Unusable
    } else {
        Verdict::Caution
    }
}

fn robust_peak_to_peak(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    at(0.995) - at(0.005)
}

/// Share of samples in plateaus at the lead's extremes, and the number of plateaus; plateaus
/// that touch the record's first or last sample are held values, not clipping.
fn clipped(x: &[f64], plateau: usize) -> (f64, usize) {
    let (min, max) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let mut clipped = 0;
    let mut plateaus = 0;
    for extreme in [min, max] {
        let mut run = 0;
        for (k, &v) in x.iter().chain(std::iter::once(&f64::NAN)).enumerate() {
            if v == extreme {
                run += 1;
            } else {
                let at_an_edge = run == k || k == x.len();
                if run >= plateau && !at_an_edge {
                    clipped += run;
                    plateaus += 1;
                }
                run = 0;
            }
        }
    }
    (clipped as f64 / x.len() as f64, plateaus)
}

/// Isoelectric level of each beat: the median of 20 ms around 60 ms before the R peak.
fn isoelectric_levels(x: &[f64], beats: &Beats) -> Vec<f64> {
    let rate = beats.sample_rate_hz;
    let offset = (0.06 * rate).round() as usize;
    let half = ((0.01 * rate).round() as usize).max(1);
    beats
        .r_peaks
        .iter()
        .filter(|&&r| r >= offset + half && r - offset + half < x.len())
        .map(|&r| {
            let mut w = x[r - offset - half..=r - offset + half].to_vec();
            w.sort_by(f64::total_cmp);
            w[w.len() / 2]
        })
        .collect()
}

/// Amplitude of the best-fitting sinusoid at `hz` (least squares over the whole lead).
fn sinusoid_amplitude(x: &[f64], hz: f64, rate: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / rate;
    let (mut c, mut s) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        c += v * (w * i as f64).cos();
        s += v * (w * i as f64).sin();
    }
    2.0 * c.hypot(s) / x.len() as f64
}

fn count_spikes(x: &[f64], rate: f64) -> usize {
    let threshold = PACING_SLEW_UV_PER_MS * 1000.0 / rate; // µV per sample
    let width = ((PACING_SPIKE_SECS * rate).round() as usize).max(1);
    let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let mut count = 0;
    let mut i = 0;
    while i < d.len() {
        if d[i].abs() > threshold {
            let back = d[i + 1..(i + 1 + width).min(d.len())]
                .iter()
                .any(|&e| e.abs() > threshold && e.signum() != d[i].signum());
            if back {
                count += 1;
                i = i.saturating_add(width);
                continue;
            }
        }
        i += 1;
    }
    count
}

/// Runs every check on `ecg` (whose limb leads may already be derived), with the beats found
/// on it, the window length the model needs and the recipe that prepares its input (wander is
/// judged on what the recipe produces). `allow_padding` turns "too short" from unusable into a
/// caution (the caller zero-pads).
pub fn assess(
    ecg: &Ecg,
    beats: &Beats,
    needed_secs: f64,
    recipe: Preprocessing,
    allow_padding: bool,
) -> Quality {
    let mut findings = Vec::new();
    findings.extend(check_rate(ecg));
    findings.extend(check_duration(ecg, needed_secs, allow_padding));
    findings.extend(check_beat_count(beats));
    let noise = NoiseFilters::new(ecg, beats);
    let mut spikes_per_lead = Vec::new();
    for lead in Lead::ALL {
        let Some(signal) = ecg.lead(lead).filter(|s| !s.derived) else {
            continue;
        };
        let x: Vec<f64> = signal.samples_uv.iter().map(|&v| f64::from(v)).collect();
        if let Some(flat) = check_flat(lead, &x) {
            findings.push(flat);
            continue;
        }
        let rate = ecg.sample_rate_hz();
        findings.extend(check_clipping(lead, &x, rate, beats));
        findings.extend(noise.check(lead, &x));
        findings.extend(check_wander(lead, &x, rate, beats, recipe));
        findings.extend(check_powerline(lead, &x, rate));
        spikes_per_lead.push(count_spikes(&x, rate));
    }
    findings.extend(check_pacing(&spikes_per_lead, ecg.leads().len()));
    findings.extend(super::placement::check(ecg, beats));
    let verdict = findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Verdict::Ok);
    Quality { verdict, findings }
}

/// Below this rate a QRS complex (about 80 ms) is a sample or two: no ECG the model could read.
pub const MIN_USABLE_RATE_HZ: f64 = 100.0;

/// A rate below [`MIN_USABLE_RATE_HZ`]: unusable, whatever else the record shows.
fn check_rate(ecg: &Ecg) -> Option<Finding> {
    let rate = ecg.sample_rate_hz();
    (rate < MIN_USABLE_RATE_HZ).then(|| Finding {
        kind: FindingKind::LowSampleRate,
        lead: None,
        severity: Verdict::Unusable,
        value: rate,
        threshold: MIN_USABLE_RATE_HZ,
        message: format!(
            "the record is sampled at {rate} Hz; an ECG needs at least {MIN_USABLE_RATE_HZ} Hz"
        ),
    })
}

/// Shorter than the model's window: unusable, or a caution when the caller zero-pads.
fn check_duration(ecg: &Ecg, needed_secs: f64, allow_padding: bool) -> Option<Finding> {
    let duration = ecg.duration_secs();
    if duration + 0.5 / ecg.sample_rate_hz() >= needed_secs {
        return None;
    }
    Some(Finding {
        kind: FindingKind::TooShort,
        lead: None,
        severity: if allow_padding {
            Verdict::Caution
        } else {
            Verdict::Unusable
        },
        value: duration,
        threshold: needed_secs,
        message: format!(
            "the record lasts {duration:.2} s; the model needs {needed_secs} s{}",
            if allow_padding {
                " (zero-padded as requested)"
            } else {
                ""
            }
        ),
    })
}

/// Too few beats for a heart rate or a median beat.
fn check_beat_count(beats: &Beats) -> Option<Finding> {
    if beats.r_peaks.len() >= MIN_BEATS {
        return None;
    }
    Some(Finding {
        kind: FindingKind::FewBeats,
        lead: None,
        severity: Verdict::Caution,
        value: beats.r_peaks.len() as f64,
        threshold: MIN_BEATS as f64,
        message: format!(
            "only {} beats detected: heart rate and median beats are unreliable",
            beats.r_peaks.len()
        ),
    })
}

/// A lead with (almost) no signal: disconnected or not recorded.
fn check_flat(lead: Lead, x: &[f64]) -> Option<Finding> {
    let p2p = robust_peak_to_peak(x);
    if p2p >= FLAT_PEAK_TO_PEAK_UV {
        return None;
    }
    Some(Finding {
        kind: FindingKind::Flat,
        lead: Some(lead.name()),
        severity: Verdict::Unusable,
        value: p2p,
        threshold: FLAT_PEAK_TO_PEAK_UV,
        message: format!(
            "lead {lead} is flat ({p2p:.1} µV peak to peak): disconnected or not recorded"
        ),
    })
}

/// Amplifier saturation: a share of the lead at its extreme, or plateaus on most beats.
fn check_clipping(lead: Lead, x: &[f64], rate: f64, beats: &Beats) -> Option<Finding> {
    let plateau = ((CLIP_PLATEAU_SECS * rate).round() as usize).max(2);
    let (clipped, plateaus) = clipped(x, plateau);
    if clipped < CLIP_CAUTION_FRACTION {
        return None;
    }
    let most_beats = plateaus as f64
        >= (CLIP_UNUSABLE_BEAT_SHARE * beats.r_peaks.len() as f64).max(MIN_BEATS as f64);
    let severity = if clipped >= CLIP_UNUSABLE_FRACTION || most_beats {
        Verdict::Unusable
    } else {
        Verdict::Caution
    };
    Some(Finding {
        kind: FindingKind::Clipped,
        lead: Some(lead.name()),
        severity,
        value: clipped,
        threshold: CLIP_CAUTION_FRACTION,
        message: format!(
            "lead {lead} is clipped: {:.1} % of it sits at its extreme (amplifier saturation)",
            100.0 * clipped
        ),
    })
}

/// What the broadband-noise check needs once per record: the mains notches, the high-pass and
/// the samples outside the QRS complexes.
struct NoiseFilters {
    notches: Vec<Iir>,
    highpass: Option<Iir>,
    outside_qrs: Vec<bool>,
}

impl NoiseFilters {
    fn new(ecg: &Ecg, beats: &Beats) -> Self {
        let rate = ecg.sample_rate_hz();
        let notches = [50.0, 60.0]
            .iter()
            .filter_map(|&hz| Iir::notch(hz, 30.0, rate).ok())
            .collect();
        let highpass = Iir::butter_highpass(4, NOISE_HIGHPASS_HZ, rate).ok();
        let qrs_half = (QRS_HALF_SECS * rate).round() as usize;
        let mut outside_qrs = vec![true; ecg.samples_per_lead()];
        for &r in &beats.r_peaks {
            let hi = (r + qrs_half + 1).min(outside_qrs.len());
            outside_qrs[r.saturating_sub(qrs_half)..hi].fill(false);
        }
        Self {
            notches,
            highpass,
            outside_qrs,
        }
    }

    /// Broadband noise: RMS above the high-pass, mains removed, between the beats.
    fn check(&self, lead: Lead, x: &[f64]) -> Option<Finding> {
        let hp = self.highpass.as_ref()?;
        let mut y = x.to_vec();
        for notch in &self.notches {
            y = notch.filtfilt(&y).unwrap_or(y);
        }
        let y = hp.filtfilt(&y).ok()?;
        let (sum, n) = y
            .iter()
            .zip(&self.outside_qrs)
            .filter(|(_, keep)| **keep)
            .fold((0.0, 0usize), |(s, n), (v, _)| (s + v * v, n + 1));
        let rms = (sum / n.max(1) as f64).sqrt();
        if rms < NOISE_CAUTION_UV {
            return None;
        }
        Some(Finding {
            kind: FindingKind::HighFrequencyNoise,
            lead: Some(lead.name()),
            severity: graded(rms, NOISE_UNUSABLE_UV),
            value: rms,
            threshold: NOISE_CAUTION_UV,
            message: format!(
                "lead {lead} is noisy: {rms:.0} µV RMS above {NOISE_HIGHPASS_HZ} Hz between beats"
            ),
        })
    }
}

/// How far the isoelectric level before each beat moves (µV), when there are two beats.
fn wander(x: &[f64], beats: &Beats) -> Option<f64> {
    let levels = isoelectric_levels(x, beats);
    (levels.len() >= 2).then(|| {
        levels.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - levels.iter().copied().fold(f64::INFINITY, f64::min)
    })
}

/// Baseline wander: how far the isoelectric level before each beat moves, in the recording and
/// in what the model's recipe makes of it. Only the latter can make the lead unusable.
fn check_wander(
    lead: Lead,
    x: &[f64],
    rate: f64,
    beats: &Beats,
    recipe: Preprocessing,
) -> Option<Finding> {
    let raw = wander(x, beats)?;
    if raw < WANDER_CAUTION_UV {
        return None;
    }
    // The recipe's filters only run for a lead that drifts: most leads never pay for them.
    let seen = match recipe {
        Preprocessing::PerLeadZscore => raw,
        Preprocessing::Ecgfounder => match ecgfounder_filter(x, rate) {
            Ok(filtered) => wander(&filtered, beats).unwrap_or(raw),
            Err(_) => raw,
        },
    };
    let (severity, message) = if seen >= WANDER_CAUTION_UV {
        (
            graded(seen, WANDER_UNUSABLE_UV),
            format!(
                "lead {lead} has strong baseline wander (its isoelectric level moves {:.1} mV in what the model sees)",
                seen / 1000.0
            ),
        )
    } else {
        (
            Verdict::Caution,
            format!(
                "lead {lead}'s baseline drifts {:.1} mV in the recording; the model's {} recipe removes it ({:.2} mV left)",
                raw / 1000.0,
                recipe.name(),
                seen / 1000.0
            ),
        )
    };
    Some(Finding {
        kind: FindingKind::BaselineWander,
        lead: Some(lead.name()),
        severity,
        value: seen.max(raw),
        threshold: WANDER_CAUTION_UV,
        message,
    })
}

/// 50 or 60 Hz mains interference, where the rate can carry it.
fn check_powerline(lead: Lead, x: &[f64], rate: f64) -> Vec<Finding> {
    [50.0, 60.0]
        .into_iter()
        .filter(|&hz| rate > 2.0 * hz)
        .filter_map(|hz| {
            let amplitude = sinusoid_amplitude(x, hz, rate);
            (amplitude >= POWERLINE_CAUTION_UV).then(|| Finding {
                kind: FindingKind::Powerline,
                lead: Some(lead.name()),
                severity: Verdict::Caution,
                value: amplitude,
                threshold: POWERLINE_CAUTION_UV,
                message: format!(
                    "lead {lead} carries {amplitude:.0} µV of {hz} Hz mains interference"
                ),
            })
        })
        .collect()
}

/// Pacing spikes in enough leads (`spikes_per_lead`: the spikes counted in each recorded
/// lead checked).
fn check_pacing(spikes_per_lead: &[usize], leads: usize) -> Option<Finding> {
    let spiky: Vec<usize> = spikes_per_lead
        .iter()
        .copied()
        .filter(|&n| n >= PACING_MIN_SPIKES)
        .collect();
    let spiky_leads = spiky.len();
    if spiky_leads < PACING_MIN_SPIKES.min(leads) {
        return None;
    }
    let max_spikes = spiky.iter().copied().max().unwrap_or(0);
    Some(Finding {
        kind: FindingKind::PacingSpikes,
        lead: None,
        severity: Verdict::Caution,
        value: max_spikes as f64,
        threshold: PACING_MIN_SPIKES as f64,
        message: format!(
            "pacing spikes in {spiky_leads} leads (up to {max_spikes} in one): on a paced ECG ischaemia patterns are unreliable"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecg::LeadSignal;
    use crate::signal::beats::detect_r_peaks;

    const RATE: f64 = 500.0;

    /// P, QRS and T as Gaussians, one beat every 0.8 s.
    fn cycle(t: f64) -> (f64, f64, f64) {
        let phase = (t - 0.4).rem_euclid(0.8) - 0.4;
        let g = |centre: f64, width: f64| (-((phase - centre) / width).powi(2)).exp();
        (
            150.0 * g(-0.16, 0.025),
            1000.0 * g(0.0, 0.012),
            300.0 * g(0.3, 0.05),
        )
    }

    /// A clean 12-lead ECG: each lead weights P, QRS and T; limb leads obey Einthoven.
    fn clean(secs: f64) -> Vec<Vec<f64>> {
        let n = (RATE * secs) as usize;
        let (i_gain, ii_gain) = (0.6, 1.0);
        let precordial = [-0.5, 0.3, 0.8, 1.2, 1.0, 0.7];
        let mut leads: Vec<Vec<f64>> = (0..12).map(|_| Vec::with_capacity(n)).collect();
        for k in 0..n {
            let (p, q, t) = cycle(k as f64 / RATE);
            let i = i_gain * (p + q + t);
            let ii = ii_gain * (p + q + t);
            let limb = [i, ii, ii - i, -(i + ii) / 2.0, i - ii / 2.0, ii - i / 2.0];
            for (l, v) in limb.iter().enumerate() {
                leads[l].push(*v);
            }
            for (l, g) in precordial.iter().enumerate() {
                leads[6 + l].push(g * (p + q) + t * g.abs());
            }
        }
        leads
    }

    fn ecg(leads: &[Vec<f64>]) -> Ecg {
        let signals = Lead::ALL
            .iter()
            .zip(leads)
            .map(|(&lead, x)| LeadSignal {
                lead,
                samples_uv: x.iter().map(|&v| v as f32).collect(),
                derived: false,
            })
            .collect();
        Ecg::new(signals, RATE, vec![]).unwrap()
    }

    fn check(leads: &[Vec<f64>], allow_padding: bool) -> Quality {
        let ecg = ecg(leads);
        let slices: Vec<&[f32]> = ecg
            .leads()
            .iter()
            .map(|l| l.samples_uv.as_slice())
            .collect();
        let beats = detect_r_peaks(&slices, RATE);
        assess(&ecg, &beats, 10.0, Preprocessing::Ecgfounder, allow_padding)
    }

    fn kinds(q: &Quality) -> Vec<(FindingKind, Option<&'static str>, Verdict)> {
        q.findings
            .iter()
            .map(|f| (f.kind, f.lead, f.severity))
            .collect()
    }

    #[test]
    fn clean_ecg_is_ok() {
        let q = check(&clean(10.0), false);
        assert_eq!(q.verdict, Verdict::Ok, "{:?}", q.findings);
    }

    #[test]
    fn flat_lead_is_unusable() {
        let mut leads = clean(10.0);
        leads[8] = vec![3.0; 5000];
        let q = check(&leads, false);
        assert_eq!(
            kinds(&q),
            vec![(FindingKind::Flat, Some("V3"), Verdict::Unusable)]
        );
        assert_eq!(q.verdict, Verdict::Unusable);
    }

    #[test]
    fn clipped_lead() {
        let mut leads = clean(10.0);
        for v in &mut leads[1] {
            *v = v.min(600.0);
        }
        let q = check(&leads, false);
        assert!(
            kinds(&q).contains(&(FindingKind::Clipped, Some("II"), Verdict::Unusable)),
            "{q:?}"
        );
    }

    #[test]
    fn a_held_end_is_not_clipping() {
        let mut leads = clean(10.0);
        let low = leads[1].iter().copied().fold(f64::INFINITY, f64::min) - 50.0;
        leads[1][4940..].fill(low);
        let clipped = |q: &Quality| q.findings.iter().any(|f| f.kind == FindingKind::Clipped);
        let q = check(&leads, false);
        assert!(!clipped(&q), "{q:?}");
        // The same plateau inside the record is clipping.
        let mut leads = clean(10.0);
        leads[1][2440..2500].fill(low);
        let q = check(&leads, false);
        assert!(clipped(&q), "{q:?}");
    }

    #[test]
    fn mains_hum_and_muscle_noise_and_wander() {
        let mut leads = clean(10.0);
        for (k, v) in leads[7].iter_mut().enumerate() {
            *v += 60.0 * (2.0 * std::f64::consts::PI * 50.0 * k as f64 / RATE).sin();
        }
        for (k, v) in leads[10].iter_mut().enumerate() {
            *v += 40.0 * (2.0 * std::f64::consts::PI * 60.0 * k as f64 / RATE).sin();
        }
        for (v, e) in leads[9].iter_mut().zip(crate::signal::test_noise(5000, 7)) {
            *v += 100.0 * e;
        }
        for (k, v) in leads[11].iter_mut().enumerate() {
            *v += 1500.0 * (2.0 * std::f64::consts::PI * 0.2 * k as f64 / RATE).sin();
        }
        let q = check(&leads, false);
        let k = kinds(&q);
        assert!(
            k.contains(&(FindingKind::Powerline, Some("V2"), Verdict::Caution)),
            "{k:?}"
        );
        assert!(
            k.contains(&(FindingKind::Powerline, Some("V5"), Verdict::Caution)),
            "{k:?}"
        );
        assert!(
            k.contains(&(
                FindingKind::HighFrequencyNoise,
                Some("V4"),
                Verdict::Caution
            )),
            "{k:?}"
        );
        assert!(
            k.contains(&(FindingKind::BaselineWander, Some("V6"), Verdict::Caution)),
            "{k:?}"
        );
        // Mains hum is not counted as muscle noise (it is notched out of that measure).
        assert!(
            !k.contains(&(
                FindingKind::HighFrequencyNoise,
                Some("V2"),
                Verdict::Caution
            )),
            "{k:?}"
        );
        assert_eq!(q.verdict, Verdict::Caution);
    }

    #[test]
    fn arm_electrode_reversal() {
        let leads = clean(10.0);
        // LA/RA swapped: I inverted, II and III swap, aVR and aVL swap.
        let reversed = vec![
            leads[0].iter().map(|v| -v).collect(),
            leads[2].clone(),
            leads[1].clone(),
            leads[4].clone(),
            leads[3].clone(),
            leads[5].clone(),
        ]
        .into_iter()
        .chain(leads[6..].iter().cloned())
        .collect::<Vec<_>>();
        let q = check(&reversed, false);
        assert_eq!(
            kinds(&q),
            vec![(FindingKind::LimbLeadReversal, None, Verdict::Unusable)]
        );
        assert!(kinds(&check(&leads, false)).is_empty());
    }

    #[test]
    fn pacing_spikes() {
        let mut leads = clean(10.0);
        for lead in &mut leads {
            for beat in 0..12 {
                let k = 200 + 400 * beat - 60;
                lead[k] += 3000.0;
            }
        }
        let q = check(&leads, false);
        assert!(
            kinds(&q).contains(&(FindingKind::PacingSpikes, None, Verdict::Caution)),
            "{q:?}"
        );
    }

    #[test]
    fn no_qrs_means_few_beats() {
        // Every lead a slow 1 Hz wave of 300 µV: not flat, but no QRS to detect.
        let leads: Vec<Vec<f64>> = (0..12)
            .map(|l| {
                (0..5000)
                    .map(|k| {
                        300.0 * (2.0 * std::f64::consts::PI * k as f64 / RATE + l as f64).sin()
                    })
                    .collect()
            })
            .collect();
        let q = check(&leads, false);
        assert!(
            kinds(&q).contains(&(FindingKind::FewBeats, None, Verdict::Caution)),
            "{q:?}"
        );
    }

    #[test]
    fn too_short_unless_padding_is_allowed() {
        let leads = clean(5.0);
        assert_eq!(
            kinds(&check(&leads, false)),
            vec![(FindingKind::TooShort, None, Verdict::Unusable)]
        );
        assert_eq!(
            kinds(&check(&leads, true)),
            vec![(FindingKind::TooShort, None, Verdict::Caution)]
        );
    }
}
