//! Why the network says what it says: per-vessel attribution maps on the model input, mapped
//! back onto the record's own time base, and the summaries the page shows (share per lead and
//! per beat phase).
//!
//! Every method attributes one output's **logit** (not its probability: the sigmoid would
//! squash the attributions of confident outputs towards zero) to the `[12, samples]` model
//! input:
//!
//! - **input × gradient** (default): `x ⊙ ∂f/∂x`, one forward and one backward pass;
//! - **integrated gradients** (Sundararajan et al. 2017) from the zero baseline:
//!   `x ⊙ mean_k ∂f/∂x (α_k x)` with `α_k = (k − ½)/m`, `k = 1…m` (the midpoint rule); its
//!   attributions add up to `f(x) − f(0)` as `m` grows (completeness);
//! - **SmoothGrad** (Smilkov et al. 2017) of input × gradient: `x ⊙ mean_k ∂f/∂x (x + ε_k)`,
//!   `ε_k ~ N(0, σ²)`, `σ` a fraction of the input's range, the noise drawn from a fixed seed so
//!   a map can be reproduced.
//!
//! Gradients come from [`Runner::input_gradient`]: burn's autodiff on whichever backend the
//! runner has (CPU or WebGPU), BatchNorm in eval mode (running statistics).
//!
//! Shares are of absolute attribution, normalised to sum to 1. Beat phases are windows around
//! each detected R peak ([`phase_windows`]); attribution outside every window (the baseline
//! between T and the next P) is left out of the phase shares and reported as their coverage.

use std::ops::Range;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::ecg::Lead;
use crate::model::{Net1d, RunError, Runner};
use crate::rng::SplitMix64;

/// Records per gradient pass for the multi-pass methods.
pub const GRADIENT_BATCH: usize = 8;

/// Default steps of integrated gradients.
pub const DEFAULT_IG_STEPS: usize = 32;

/// Default noisy copies of SmoothGrad.
pub const DEFAULT_SMOOTHGRAD_SAMPLES: usize = 16;

/// SmoothGrad's noise: this fraction of the input's range (max − min) as the standard
/// deviation (Smilkov et al. found 10–20 % best).
pub const SMOOTHGRAD_NOISE: f64 = 0.1;

/// Seed of SmoothGrad's noise.
pub const SMOOTHGRAD_SEED: u64 = 0x005E_ED0F_5A1E;

/// How attribution is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Input × gradient.
    GradXInput,
    /// Integrated gradients from the zero baseline with this many steps.
    IntegratedGradients {
        /// Points on the path.
        steps: usize,
    },
    /// SmoothGrad of input × gradient.
    SmoothGrad {
        /// Noisy copies averaged.
        samples: usize,
        /// Noise standard deviation as a fraction of the input's range.
        noise: f64,
        /// Seed of the noise.
        seed: u64,
    },
}

impl Method {
    /// `grad-x-input`, `integrated-gradients` or `smoothgrad`.
    pub fn name(&self) -> &'static str {
        match self {
            Method::GradXInput => "grad-x-input",
            Method::IntegratedGradients { .. } => "integrated-gradients",
            Method::SmoothGrad { .. } => "smoothgrad",
        }
    }

    /// In words, with its steps: `input × gradient`, `integrated gradients (32 steps)` …
    pub fn words(&self) -> String {
        match self {
            Method::GradXInput => "input × gradient".into(),
            Method::IntegratedGradients { steps } => {
                format!("integrated gradients ({steps} steps)")
            }
            Method::SmoothGrad { samples, .. } => format!("SmoothGrad ({samples} samples)"),
        }
    }

    /// The method called `name`, with `steps` (integrated gradients' steps or SmoothGrad's
    /// samples; the defaults when `None`).
    pub fn parse(name: &str, steps: Option<usize>) -> Result<Self, String> {
        if steps == Some(0) {
            return Err("steps must be at least 1".into());
        }
        match name {
            "grad-x-input" | "gradxinput" | "input-x-gradient" => match steps {
                None | Some(1) => Ok(Method::GradXInput),
                Some(n) => Err(format!(
                    "grad-x-input takes one step (a single backward pass), not {n}"
                )),
            },
            "integrated-gradients" | "ig" => Ok(Method::IntegratedGradients {
                steps: steps.unwrap_or(DEFAULT_IG_STEPS),
            }),
            "smoothgrad" => Ok(Method::SmoothGrad {
                samples: steps.unwrap_or(DEFAULT_SMOOTHGRAD_SAMPLES),
                noise: SMOOTHGRAD_NOISE,
                seed: SMOOTHGRAD_SEED,
            }),
            other => Err(format!(
                "method '{other}': expected grad-x-input, integrated-gradients or smoothgrad"
            )),
        }
    }

    /// Gradient evaluations the method needs.
    pub fn passes(&self) -> usize {
        match *self {
            Method::GradXInput => 1,
            Method::IntegratedGradients { steps } => steps,
            Method::SmoothGrad { samples, .. } => samples,
        }
    }
}

/// Attribution of output `output` of `net` to one `[leads, samples]` input (flat, row-major),
/// same layout. `progress(done, total)` is called after each batch of gradient passes.
pub async fn attribute(
    runner: &Runner,
    net: &Net1d,
    input: &[f32],
    leads: usize,
    output: usize,
    method: Method,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<f32>, RunError> {
    attribute_from(runner, net, input, None, leads, output, method, progress).await
}

/// [`attribute`] relative to a `baseline` input (same layout) instead of zero: integrated
/// gradients then follow the straight path from the baseline and their attributions add up
/// to `f(input) − f(baseline)`; the other methods multiply by `input − baseline`. For
/// researchers with a meaningful reference ECG (the same patient without a finding, a
/// population template); the page and the command line use the zero baseline.
#[allow(clippy::too_many_arguments)]
pub async fn attribute_from(
    runner: &Runner,
    net: &Net1d,
    input: &[f32],
    baseline: Option<&[f32]>,
    leads: usize,
    output: usize,
    method: Method,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<f32>, RunError> {
    let n = input.len();
    let zeros;
    let baseline = match baseline {
        Some(b) if b.len() == n => b,
        Some(b) => {
            return Err(RunError::Shape {
                shape: [1, leads, n.checked_div(leads).unwrap_or(0)],
                expected: n,
                found: b.len(),
            });
        }
        None => {
            zeros = vec![0.0f32; n];
            &zeros
        }
    };
    let samples = n.checked_div(leads).unwrap_or(0);
    let total = method.passes();
    // Each pass's input is a function of the pass index; the gradients are averaged.
    let point = |k: usize, rng: &mut Option<(SplitMix64, f64)>| -> Vec<f32> {
        match method {
            Method::GradXInput => input.to_vec(),
            Method::IntegratedGradients { steps } => {
                let alpha = (k as f64 + 0.5) / steps as f64;
                input
                    .iter()
                    .zip(baseline)
                    .map(|(&v, &b)| (f64::from(b) + f64::from(v - b) * alpha) as f32)
                    .collect()
            }
            Method::SmoothGrad { .. } => {
                let (rng, sigma) = rng.as_mut().expect("SmoothGrad has a noise source");
                input
                    .iter()
                    .map(|&v| (f64::from(v) + *sigma * rng.normal()) as f32)
                    .collect()
            }
        }
    };
    let mut noise = match method {
        Method::SmoothGrad { noise, seed, .. } => {
            let (lo, hi) = input
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let range = if hi > lo { f64::from(hi - lo) } else { 1.0 };
            Some((SplitMix64::new(seed), noise * range))
        }
        _ => None,
    };
    let mut sum = vec![0.0f64; n];
    let mut done = 0;
    while done < total {
        let batch = GRADIENT_BATCH.min(total - done);
        let mut values = Vec::with_capacity(batch * n);
        for k in done..done + batch {
            values.extend(point(k, &mut noise));
        }
        let gradient = runner
            .input_gradient(net, values, [batch, leads, samples], output)
            .await?;
        for chunk in gradient.chunks_exact(n) {
            for (s, &g) in sum.iter_mut().zip(chunk) {
                *s += f64::from(g);
            }
        }
        done += batch;
        progress(done, total);
    }
    Ok(input
        .iter()
        .zip(baseline)
        .zip(&sum)
        .map(|((&x, &b), &g)| ((f64::from(x) - f64::from(b)) * g / total as f64) as f32)
        .collect())
}

/// Where the model input sits in the record: its rate, the window's start, and the record's
/// rate and length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeBase {
    /// Model input rate.
    pub model_rate_hz: f64,
    /// Start of the window in the record, seconds.
    pub start_secs: f64,
    /// The record's rate.
    pub record_rate_hz: f64,
    /// Samples per lead in the record.
    pub record_samples: usize,
}

/// Maps a `[leads, model samples]` attribution onto the record's own samples, `[leads,
/// record_samples]`. Each model sample's attribution is spread over the record samples its
/// interval overlaps, in proportion to the overlap, so per-lead totals are kept (except what
/// falls on zero-padding past the record's end, which has no record sample to go to). Record samples outside the window get zero:
/// the network never saw them.
pub fn to_record_time_base(attribution: &[f32], leads: usize, base: TimeBase) -> Vec<f32> {
    let model_samples = attribution.len().checked_div(leads).unwrap_or(0);
    let n = base.record_samples;
    let mut out = vec![0.0f64; leads * n];
    // Positions in record-sample units; record sample i covers [i − ½, i + ½).
    let scale = base.record_rate_hz / base.model_rate_hz;
    let offset = base.start_secs * base.record_rate_hz;
    for j in 0..model_samples {
        let lo = offset + (j as f64 - 0.5) * scale;
        let hi = offset + (j as f64 + 0.5) * scale;
        let first = (lo + 0.5).floor().max(0.0) as usize;
        let last = ((hi + 0.5).ceil().max(0.0) as usize).min(n);
        let overlap = |i: usize| (hi.min(i as f64 + 0.5) - lo.max(i as f64 - 0.5)).max(0.0);
        // Normalised over the record samples it meets: a model sample half past the record's
        // first or last sample gives all of itself to the samples inside.
        let covered: f64 = (first..last).map(overlap).sum();
        if covered <= 0.0 {
            continue;
        }
        for i in first..last {
            let weight = overlap(i) / covered;
            for lead in 0..leads {
                out[lead * n + i] += weight * f64::from(attribution[lead * model_samples + j]);
            }
        }
    }
    out.into_iter().map(|v| v as f32).collect()
}

/// Share of absolute attribution per lead, summing to 1; `None` when every value is zero.
pub fn lead_shares(attribution: &[f32], leads: usize) -> Option<Vec<f64>> {
    if leads == 0 || attribution.is_empty() {
        return None;
    }
    let per_lead: Vec<f64> = attribution
        .chunks(attribution.len() / leads)
        .map(|lead| lead.iter().map(|v| f64::from(v.abs())).sum())
        .collect();
    let total: f64 = per_lead.iter().sum();
    (total > 0.0 && total.is_finite()).then(|| per_lead.iter().map(|v| v / total).collect())
}

/// A part of the cardiac cycle around an R peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The P wave and the PR segment.
    P,
    /// The QRS complex.
    Qrs,
    /// The ST segment and the T wave.
    StT,
}

impl Phase {
    /// The three phases, in order.
    pub const ALL: [Phase; 3] = [Phase::P, Phase::Qrs, Phase::StT];

    /// `P`, `QRS`, `ST-T`.
    pub fn name(self) -> &'static str {
        match self {
            Phase::P => "P",
            Phase::Qrs => "QRS",
            Phase::StT => "ST-T",
        }
    }
}

/// Start of the P window before the R peak, seconds.
pub const P_BEFORE_R_SECS: f64 = 0.24;
/// Half-width of the QRS window around the R peak, seconds.
pub const QRS_HALF_SECS: f64 = 0.06;
/// Longest ST-T window after the QRS window ends, seconds (QT ≈ 0.42 s at 60 /min).
pub const ST_T_MAX_SECS: f64 = 0.36;

/// The phase windows of every beat, in record samples: P from 240 ms before R to the QRS;
/// QRS ± 60 ms around R; ST-T from there for at most 360 ms, ending where the next beat's P
/// window starts. Windows never overlap and are clipped to the record.
pub fn phase_windows(
    r_peaks: &[usize],
    rate_hz: f64,
    samples: usize,
) -> Vec<(Phase, Range<usize>)> {
    let at = |secs: f64| (secs * rate_hz).round() as isize;
    let clip = |v: isize| v.clamp(0, samples as isize) as usize;
    let mut out = Vec::new();
    let mut previous_end = 0usize;
    for (k, &r) in r_peaks.iter().enumerate() {
        let r = r as isize;
        let qrs_start = clip(r - at(QRS_HALF_SECS)).max(previous_end);
        let qrs_end = clip(r + at(QRS_HALF_SECS)).max(qrs_start);
        let p_start = clip(r - at(P_BEFORE_R_SECS))
            .max(previous_end)
            .min(qrs_start);
        let next_p = r_peaks
            .get(k + 1)
            .map_or(samples, |&next| clip(next as isize - at(P_BEFORE_R_SECS)));
        let st_end = clip(r + at(QRS_HALF_SECS + ST_T_MAX_SECS))
            .min(next_p)
            .max(qrs_end);
        for (phase, range) in [
            (Phase::P, p_start..qrs_start),
            (Phase::Qrs, qrs_start..qrs_end),
            (Phase::StT, qrs_end..st_end),
        ] {
            if !range.is_empty() {
                out.push((phase, range));
            }
        }
        previous_end = st_end;
    }
    out
}

/// Share of absolute attribution per phase (summing to 1) and the fraction of all absolute
/// attribution that falls in some phase window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseShares {
    /// P, QRS, ST-T.
    pub shares: [f64; 3],
    /// Fraction of the total inside the windows.
    pub coverage: f64,
}

/// Phase shares of a `[leads, samples]` attribution on the record's time base, with the
/// record's R peaks; `None` without beats or without attribution inside any window.
pub fn phase_shares(
    attribution: &[f32],
    leads: usize,
    r_peaks: &[usize],
    rate_hz: f64,
) -> Option<PhaseShares> {
    if leads == 0 || r_peaks.is_empty() {
        return None;
    }
    let samples = attribution.len() / leads;
    let per_sample: Vec<f64> = (0..samples)
        .map(|i| {
            (0..leads)
                .map(|lead| f64::from(attribution[lead * samples + i].abs()))
                .sum()
        })
        .collect();
    let total: f64 = per_sample.iter().sum();
    let mut shares = [0.0; 3];
    for (phase, range) in phase_windows(r_peaks, rate_hz, samples) {
        let index = Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0);
        shares[index] += per_sample[range].iter().sum::<f64>();
    }
    let inside: f64 = shares.iter().sum();
    if !(inside > 0.0 && total.is_finite()) {
        return None;
    }
    Some(PhaseShares {
        shares: shares.map(|s| s / inside),
        coverage: inside / total,
    })
}

/// Share of absolute attribution per lead and beat phase: `[leads × 3]`, lead-major, phases in
/// [`Phase::ALL`] order, summing to 1 over what falls inside the phase windows (the same
/// windows as [`phase_shares`]); `None` without beats or without attribution inside any
/// window. Its row sums are the leads' shares inside the windows, its column sums
/// [`PhaseShares::shares`].
pub fn lead_phase_shares(
    attribution: &[f32],
    leads: usize,
    r_peaks: &[usize],
    rate_hz: f64,
) -> Option<Vec<f64>> {
    if leads == 0 || r_peaks.is_empty() {
        return None;
    }
    let samples = attribution.len() / leads;
    let mut shares = vec![0.0f64; leads * Phase::ALL.len()];
    for (phase, range) in phase_windows(r_peaks, rate_hz, samples) {
        let column = Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0);
        for lead in 0..leads {
            shares[lead * Phase::ALL.len() + column] += attribution
                [lead * samples + range.start..lead * samples + range.end]
                .iter()
                .map(|v| f64::from(v.abs()))
                .sum::<f64>();
        }
    }
    let inside: f64 = shares.iter().sum();
    (inside > 0.0 && inside.is_finite()).then(|| shares.iter().map(|v| v / inside).collect())
}

/// A saliency map with its summaries, as the command line's `--json` and the page show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The output explained.
    pub vessel: String,
    /// [`Method::name`].
    pub method: &'static str,
    /// Gradient passes averaged (1 for input × gradient).
    pub steps: usize,
    /// Share of absolute attribution per lead, in [`Lead::ALL`] order (null without any).
    #[serde(serialize_with = "lead_map")]
    pub lead_share: Option<Vec<f64>>,
    /// Share per beat phase (null without beats).
    #[serde(serialize_with = "phase_map")]
    pub phase_share: Option<PhaseShares>,
    /// Fraction of all absolute attribution inside the phase windows (null without beats).
    pub phase_coverage: Option<f64>,
    /// Sum of all attributions (for integrated gradients ≈ logit(x) − logit(0)).
    pub total: f64,
    /// The logit explained.
    pub logit: f64,
}

fn lead_map<S: serde::Serializer>(shares: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
    match shares {
        None => s.serialize_none(),
        Some(shares) => {
            let mut map = s.serialize_map(Some(shares.len()))?;
            for (lead, share) in Lead::ALL.iter().zip(shares) {
                map.serialize_entry(lead.name(), share)?;
            }
            map.end()
        }
    }
}

fn phase_map<S: serde::Serializer>(shares: &Option<PhaseShares>, s: S) -> Result<S::Ok, S::Error> {
    match shares {
        None => s.serialize_none(),
        Some(shares) => {
            let mut map = s.serialize_map(Some(3))?;
            for (phase, share) in Phase::ALL.iter().zip(shares.shares) {
                map.serialize_entry(phase.name(), &share)?;
            }
            map.end()
        }
    }
}

/// Spearman's rank correlation of two equally long series (average ranks for ties); `None`
/// when either is constant or they differ in length.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let mean = (a.len() as f64 + 1.0) / 2.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - mean) * (y - mean);
        saa += (x - mean).powi(2);
        sbb += (y - mean).powi(2);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start..end (1-based start+1 ..= end) share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = rank;
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_base_mapping_keeps_totals_and_places_the_window() {
        let leads = 2;
        let attribution: Vec<f32> = (0..leads * 10).map(|i| (i % 7) as f32 - 3.0).collect();
        for (record_rate, start) in [(1000.0, 0.0), (250.0, 0.0), (500.0, 0.004), (360.0, 0.01)] {
            let base = TimeBase {
                model_rate_hz: 500.0,
                start_secs: start,
                record_rate_hz: record_rate,
                record_samples: 200,
            };
            let mapped = to_record_time_base(&attribution, leads, base);
            for lead in 0..leads {
                let before: f32 = attribution[lead * 10..lead * 10 + 10].iter().sum();
                let after: f32 = mapped[lead * 200..lead * 200 + 200].iter().sum();
                assert!(
                    (before - after).abs() < 1e-4,
                    "{record_rate}: {before} vs {after}"
                );
            }
            // Nothing past the window's end (10 samples at 500 Hz = 20 ms).
            let end = ((start + 0.02) * record_rate).ceil() as usize + 1;
            assert!(mapped[end..200].iter().all(|&v| v == 0.0));
        }
        // Same rate, no offset: the identity.
        let base = TimeBase {
            model_rate_hz: 500.0,
            start_secs: 0.0,
            record_rate_hz: 500.0,
            record_samples: 10,
        };
        assert_eq!(to_record_time_base(&attribution, leads, base), attribution);
    }

    #[test]
    fn phase_windows_follow_the_beats_and_never_overlap() {
        let windows = phase_windows(&[500, 1000], 500.0, 2000);
        let names: Vec<(&str, Range<usize>)> =
            windows.iter().map(|(p, r)| (p.name(), r.clone())).collect();
        assert_eq!(
            names,
            vec![
                ("P", 380..470),
                ("QRS", 470..530),
                ("ST-T", 530..710),
                ("P", 880..970),
                ("QRS", 970..1030),
                ("ST-T", 1030..1210),
            ]
        );
        let shares = {
            let mut a = vec![0.0f32; 2000];
            a[500] = 3.0; // QRS
            a[600] = -1.0; // ST-T
            a[1500] = 5.0; // outside every window
            phase_shares(&a, 1, &[500, 1000], 500.0).unwrap()
        };
        assert_eq!(shares.shares, [0.0, 0.75, 0.25]);
        assert!((shares.coverage - 4.0 / 9.0).abs() < 1e-12);
        assert_eq!(phase_shares(&[0.0; 10], 1, &[], 500.0), None);
    }

    #[test]
    fn lead_phase_shares_split_the_phase_shares_by_lead() {
        // Two leads of 2000 samples at 500 Hz, beats at 500 and 1000 (windows as above).
        let mut a = vec![0.0f32; 4000];
        a[500] = 3.0; // lead 0, QRS
        a[2000 + 600] = -1.0; // lead 1, ST-T
        a[2000 + 400] = 2.0; // lead 1, P
        a[1500] = 5.0; // lead 0, outside every window
        let shares = lead_phase_shares(&a, 2, &[500, 1000], 500.0).unwrap();
        assert_eq!(shares, vec![0.0, 0.5, 0.0, 2.0 / 6.0, 0.0, 1.0 / 6.0]);
        // Its column sums are the phase shares.
        let phases = phase_shares(&a, 2, &[500, 1000], 500.0).unwrap();
        for (column, share) in phases.shares.iter().enumerate() {
            let sum: f64 = (0..2).map(|lead| shares[lead * 3 + column]).sum();
            assert!((sum - share).abs() < 1e-12);
        }
        assert_eq!(lead_phase_shares(&a, 2, &[], 500.0), None);
        assert_eq!(lead_phase_shares(&[0.0; 4000], 2, &[500], 500.0), None);
    }

    #[test]
    fn lead_shares_are_of_absolute_values() {
        let a = [1.0, -1.0, 0.0, 2.0];
        assert_eq!(lead_shares(&a, 2), Some(vec![0.5, 0.5]));
        assert_eq!(lead_shares(&[0.0; 4], 2), None);
    }

    #[test]
    fn spearman_matches_hand_computed_values() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        // scipy.stats.spearmanr([1, 2, 2, 4], [1, 3, 2, 4]).statistic = 0.9486832980505138
        let rho = spearman(&[1.0, 2.0, 2.0, 4.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!((rho - 0.948_683_298_050_513_8).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn methods_parse_with_their_steps() {
        assert_eq!(Method::parse("grad-x-input", None), Ok(Method::GradXInput));
        assert_eq!(
            Method::parse("integrated-gradients", Some(64)),
            Ok(Method::IntegratedGradients { steps: 64 })
        );
        assert_eq!(Method::parse("smoothgrad", None).unwrap().passes(), 16);
        assert!(Method::parse("grad-x-input", Some(5)).is_err());
        assert!(Method::parse("integrated-gradients", Some(0)).is_err());
        assert!(
            Method::parse("lime", None)
                .unwrap_err()
                .contains("expected")
        );
    }
}
