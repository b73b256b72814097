//! Electrode and lead mix-ups: limb-electrode reversals, limb channels exchanged with
//! precordial ones, and swapped precordial channels, judged from the record's median beats.
//! The network reads a territory from which lead is where, so a suspected mix-up makes the ECG
//! unusable for it (the quality gate's verdict; the user may still override).
//!
//! Three rules, each a comparison of median beats over the QRS, ST segment and T wave (100 ms
//! before to 450 ms after R). Their thresholds were set on the 250 real PTB-XL records of
//! `../shared/samples/ptbxl/`, with every swap applied to every record, and are checked there by
//! `tests/integration/ptbxl.rs` (figures in BENCHMARKS.md, "Electrode and lead swaps on PTB-XL").
//! They are not a published algorithm; the physiology each rests on is textbook.
//!
//! 1. **Which electrode is on the right-arm cable.** aVR looks at the heart from the right
//!    shoulder, opposite the lateral precordial leads: on real ECGs its median beat correlates
//!    with V6's at −0.97 (median; −0.81 or lower in 95 % of the PTB-XL records). aVR, aVL and aVF
//!    are each electrode against the mean of the other two, so when the left-arm electrode is on
//!    the right-arm cable (an arm reversal, or a rotation of the three) aVL takes aVR's place,
//!    and with the left-leg electrode there aVF does. A left-arm/left-leg reversal leaves aVR in
//!    place and is not detected here: the published signs rest on small P-wave differences.
//! 2. **Einthoven and Goldberger.** Where III, aVR, aVL or aVF are recorded rather than derived,
//!    they equal II − I, −(I + II)/2, I − II/2 and II − I/2 up to the cart's rounding; a limb
//!    channel exchanged with a precordial one breaks the identities it takes part in. This rule
//!    compares samples, not median beats.
//! 3. **Precordial order.** V1 to V6 look at the heart from neighbouring sites, so a median beat
//!    resembles its neighbours more than the leads two places away. Where putting two adjacent
//!    channels back in the other order makes the sequence clearly smoother, they were swapped.

use super::beats::{Beats, MEDIAN_BEAT_BEFORE_SECS, median_beat};
use super::quality::{FLAT_PEAK_TO_PEAK_UV, Finding, FindingKind, MIN_BEATS, Verdict};
use crate::ecg::{Ecg, Lead};

/// Rule 1: aVR's correlation with V6 must exceed the more negative of aVL's and aVF's by this
/// much. On the 250 PTB-XL records the margin exceeds 0.5 once (a paced ECG, whose paced QRS
/// has an unusual axis); with the arms reversed it exceeds it in 84 % of them, with the
/// right-arm and left-leg electrodes reversed in 98 %.
pub const LIMB_MARGIN: f64 = 0.5;
/// Rule 2: the residual of an identity (the median over the record's seconds of its RMS,
/// relative to the RMS of I and II together) that marks an exchanged channel. On the PTB-XL
/// records every identity holds to within 1 %; a cart that filters its leads separately may do
/// less well, hence the margin.
pub const LIMB_IDENTITY_RESIDUAL: f64 = 0.1;
/// Rule 3: how much smoother (the sum of neighbouring correlations) the precordial sequence
/// must become when two adjacent channels are put back in the other order. On the PTB-XL
/// records no pair gains more than 0.07; the threshold leaves twice that margin.
pub const PRECORDIAL_GAIN: f64 = 0.15;

/// The comparison window around R, seconds: the QRS, the ST segment and the T wave.
const WINDOW_SECS: (f64, f64) = (-0.1, 0.45);

/// Every mix-up suspected in `ecg`, from the median beats over `beats` (nothing with fewer
/// than [`MIN_BEATS`] beats, or where a lead a rule needs is missing).
pub fn check(ecg: &Ecg, beats: &Beats) -> Vec<Finding> {
    if beats.r_peaks.len() < MIN_BEATS {
        return Vec::new();
    }
    let rate = ecg.sample_rate_hz();
    let r = (MEDIAN_BEAT_BEFORE_SECS * rate).round() as isize;
    let at = |secs: f64| (r + (secs * rate).round() as isize).max(0) as usize;
    let (from, to) = (at(WINDOW_SECS.0), at(WINDOW_SECS.1));
    // The median beat's window, for rules 1 and 3 (whose correlations ignore offsets).
    let beat = |lead: Lead| -> Option<Vec<f64>> {
        let beat = median_beat(&ecg.lead(lead)?.samples_uv, beats)?;
        let window = beat.get(from..to.min(beat.len()))?;
        let (lo, hi) = window
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        // A flat lead has its own finding; it says nothing about where the others are.
        (window.len() > 2 && f64::from(hi - lo) >= FLAT_PEAK_TO_PEAK_UV)
            .then(|| window.iter().map(|&v| f64::from(v)).collect())
    };
    let beats: Vec<Option<Vec<f64>>> = Lead::ALL.iter().map(|&l| beat(l)).collect();
    let of = |lead: Lead| beats[lead.index()].as_deref();
    let mut findings = Vec::new();
    findings.extend(right_arm_cable(&of));
    findings.extend(limb_identities(ecg));
    findings.extend(precordial_order(&of));
    findings
}

/// Pearson correlation of two windows (0 when either is constant).
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x - ma, y - mb);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa <= f64::EPSILON || bb <= f64::EPSILON {
        0.0
    } else {
        ab / (aa * bb).sqrt()
    }
}

fn unusable(
    kind: FindingKind,
    lead: Option<Lead>,
    value: f64,
    threshold: f64,
    message: String,
) -> Finding {
    Finding {
        kind,
        lead: lead.map(Lead::name),
        severity: Verdict::Unusable,
        value,
        threshold,
        message,
    }
}

/// Rule 1: the augmented lead that mirrors V6 should be aVR.
fn right_arm_cable<'a>(of: &impl Fn(Lead) -> Option<&'a [f64]>) -> Option<Finding> {
    let v6 = of(Lead::V6)?;
    let c = |lead: Lead| of(lead).map(|b| correlation(b, v6));
    let (avr, avl, avf) = (c(Lead::AVR)?, c(Lead::AVL)?, c(Lead::AVF)?);
    let (mirror, mirror_c) = if avl <= avf {
        (Lead::AVL, avl)
    } else {
        (Lead::AVF, avf)
    };
    let margin = avr - mirror_c;
    if margin <= LIMB_MARGIN {
        return None;
    }
    let cause = if mirror == Lead::AVL {
        "the left-arm electrode seems to be on the right-arm cable (arms reversed, or the three limb electrodes rotated), or dextrocardia"
    } else {
        "the left-leg electrode seems to be on the right-arm cable (right arm and left leg reversed, or the three limb electrodes rotated)"
    };
    Some(unusable(
        FindingKind::LimbLeadReversal,
        None,
        margin,
        LIMB_MARGIN,
        format!(
            "{mirror}, not aVR, mirrors V6 (correlation {mirror_c:.2}, aVR's {avr:.2}): {cause}; the model would read the wrong territories"
        ),
    ))
}

/// Rule 2: the recorded limb leads against Einthoven's and Goldberger's identities, sample by
/// sample (each lead less its mean): the residual's RMS in each second of the record, the median
/// of those, relative to the RMS of I and II. Not on the median beats: a sample-wise median is
/// not linear, and on a record with baseline drift the median beats of aVF and of II − I/2
/// differed by a quarter of the leads' size although the samples agree. The median over seconds
/// ignores a transient in one channel (one PTB-XL record has 0.25 s of it in aVR and aVF); an
/// exchanged channel differs all the time.
fn limb_identities(ecg: &Ecg) -> Option<Finding> {
    let recorded = |lead: Lead| {
        ecg.lead(lead)
            .filter(|l| !l.derived)
            .map(|l| centred(&l.samples_uv))
    };
    let (i, ii) = (recorded(Lead::I)?, recorded(Lead::II)?);
    let size = (i.iter().zip(&ii).map(|(a, b)| a * a + b * b).sum::<f64>() / i.len() as f64)
        .sqrt()
        .max(f64::EPSILON);
    let second = (ecg.sample_rate_hz().round() as usize).max(1);
    let identities: [(Lead, &str, Identity); 4] = [
        (Lead::III, "II − I", |i, ii| ii - i),
        (Lead::AVR, "−(I + II)/2", |i, ii| -(i + ii) / 2.0),
        (Lead::AVL, "I − II/2", |i, ii| i - ii / 2.0),
        (Lead::AVF, "II − I/2", |i, ii| ii - i / 2.0),
    ];
    let broken: Vec<(Lead, &str, f64)> = identities
        .iter()
        .filter_map(|&(lead, formula, f)| {
            let x = recorded(lead)?;
            let squares: Vec<f64> = x
                .iter()
                .zip(i.iter().zip(&ii))
                .map(|(v, (a, b))| (v - f(*a, *b)).powi(2))
                .collect();
            let mut per_second: Vec<f64> = squares
                .chunks(second)
                .map(|c| (c.iter().sum::<f64>() / c.len() as f64).sqrt())
                .collect();
            per_second.sort_by(f64::total_cmp);
            let residual = per_second[per_second.len() / 2] / size;
            (residual > LIMB_IDENTITY_RESIDUAL).then_some((lead, formula, residual))
        })
        .collect();
    let &(lead, formula, residual) = broken.first()?;
    let which = if broken.len() >= 3 {
        "lead I or II".to_string()
    } else {
        broken
            .iter()
            .map(|(l, ..)| l.name())
            .collect::<Vec<_>>()
            .join(" or ")
    };
    Some(unusable(
        FindingKind::LeadSwap,
        (broken.len() < 3).then_some(lead),
        residual,
        LIMB_IDENTITY_RESIDUAL,
        format!(
            "the limb leads are inconsistent: {lead} differs from {formula} by {:.0} % of I and II{}: {which} probably holds another lead's signal (a channel exchanged with a precordial lead?)",
            100.0 * residual,
            if broken.len() > 1 {
                format!(", and {} more identities fail", broken.len() - 1)
            } else {
                String::new()
            }
        ),
    ))
}

/// A limb lead as a function of I and II.
type Identity = fn(f64, f64) -> f64;

/// A lead's samples less their mean.
fn centred(x: &[f32]) -> Vec<f64> {
    let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len().max(1) as f64;
    x.iter().map(|&v| f64::from(v) - mean).collect()
}

/// Rule 3: an adjacent pair of precordial channels in the wrong order.
fn precordial_order<'a>(of: &impl Fn(Lead) -> Option<&'a [f64]>) -> Option<Finding> {
    let precordial = &Lead::ALL[6..];
    let v: Vec<&[f64]> = precordial.iter().map(|&l| of(l)).collect::<Option<_>>()?;
    let c = |a: usize, b: usize| correlation(v[a], v[b]);
    // Putting channels k and k + 1 back in the other order changes only their outer links.
    let gain = |k: usize| {
        let mut g = 0.0;
        if k > 0 {
            g += c(k - 1, k + 1) - c(k - 1, k);
        }
        if k + 2 < v.len() {
            g += c(k, k + 2) - c(k + 1, k + 2);
        }
        g
    };
    let (k, best) = (0..v.len() - 1)
        .map(|k| (k, gain(k)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if best <= PRECORDIAL_GAIN {
        return None;
    }
    let (a, b) = (precordial[k], precordial[k + 1]);
    Some(unusable(
        FindingKind::LeadSwap,
        Some(a),
        best,
        PRECORDIAL_GAIN,
        format!(
            "{a} and {b} seem swapped: each resembles the other's neighbours (the precordial sequence is {best:.2} smoother in the other order); the model would read the wrong territories"
        ),
    ))
}
