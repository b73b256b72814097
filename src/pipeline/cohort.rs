//! The cohort view of a campaign (issue 21), after the seed paper's figures: per output, the
//! average median beat of every lead over the records the model puts at high risk against
//! those it puts at low risk, and, when the user opts in to cohort saliency, the average share
//! of attribution per lead and beat phase.
//!
//! Each analysed record gives a small [`Contribution`] (12 median beats on a common 250 Hz
//! grid, its risk group per output, optionally a 12 × 3 share matrix per output); a [`Cohort`]
//! keeps only running sums of them, so its memory is fixed by the model's outputs, not by the
//! number of records.
//!
//! Median beats are taken on the record's own samples ([`median_beat`]), referred to their PR
//! level ([`pr_level`]: records differ in baseline offset, which would otherwise dominate an
//! average), and resampled linearly onto the grid, the R peak at the same place for every
//! record.

use serde::{Deserialize, Serialize};

use super::{Analysis, Session};
use crate::ecg::{Ecg, Lead};
use crate::model::metadata::Stratum;
use crate::render::{BeatGrid, CohortPanel};
use crate::saliency::{Method, Phase, lead_phase_shares};
use crate::signal::beats::{Beats, MEDIAN_BEAT_BEFORE_SECS, median_beat, pr_level};

/// Rate of the cohort's common beat grid, Hz.
pub const COHORT_RATE_HZ: f64 = 250.0;
/// Samples of a beat on the grid: [−0.3 s, +0.5 s] around the R peak at 250 Hz.
pub const COHORT_BEAT_SAMPLES: usize = 201;
/// Index of the R peak on the grid.
pub const COHORT_R_INDEX: usize = 75;
/// The grid as the drawing takes it.
pub const COHORT_GRID: BeatGrid = BeatGrid {
    rate_hz: COHORT_RATE_HZ,
    samples: COHORT_BEAT_SAMPLES,
};
/// Leads of a cohort beat, in [`Lead::ALL`] order.
const LEADS: usize = Lead::ALL.len();
/// Cells of a lead × phase share matrix.
const SHARES: usize = LEADS * Phase::ALL.len();

/// Which side of the comparison a record is on for one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskGroup {
    /// The stratum is high (at or above the rule-in cut-off).
    High,
    /// The stratum is low (below the rule-out cut-off).
    Low,
}

impl RiskGroup {
    /// High, then low.
    pub const ALL: [RiskGroup; 2] = [RiskGroup::High, RiskGroup::Low];

    fn index(self) -> usize {
        match self {
            RiskGroup::High => 0,
            RiskGroup::Low => 1,
        }
    }

    /// `high` or `low`.
    pub fn name(self) -> &'static str {
        match self {
            RiskGroup::High => "high",
            RiskGroup::Low => "low",
        }
    }
}

/// One record's part in a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Per output, in the model's order: the record's group by that output's stratum (null for
    /// intermediate, or without cut-offs).
    pub groups: Vec<Option<RiskGroup>>,
    /// Per lead, in [`Lead::ALL`] order: the median beat on the grid ([`COHORT_BEAT_SAMPLES`]
    /// values, µV from the PR level); null when the lead is absent or has no whole beat.
    pub beats: Vec<Option<Vec<f32>>>,
    /// Per output: the shares of attribution per lead and phase (12 × 3, lead-major, see
    /// [`lead_phase_shares`]), when cohort saliency was asked for; null otherwise.
    pub attribution: Vec<Option<Vec<f64>>>,
}

impl Contribution {
    /// The beats as one array, [`Lead::ALL`] × [`COHORT_BEAT_SAMPLES`], NaN throughout a lead
    /// without a beat: for the page, where one typed array crosses between workers as one copy.
    pub fn flat_beats(&self) -> Vec<f32> {
        let mut flat = vec![f32::NAN; LEADS * COHORT_BEAT_SAMPLES];
        for (lead, beat) in self.beats.iter().enumerate().take(LEADS) {
            if let Some(beat) = beat.as_ref().filter(|b| b.len() == COHORT_BEAT_SAMPLES) {
                flat[lead * COHORT_BEAT_SAMPLES..(lead + 1) * COHORT_BEAT_SAMPLES]
                    .copy_from_slice(beat);
            }
        }
        flat
    }

    /// A contribution from its groups and shares, and its beats as [`Contribution::flat_beats`]
    /// gives them: a lead whose values are all NaN has no beat; one of any other length, or
    /// with NaN in part of a lead, is refused.
    pub fn from_flat_beats(
        groups: Vec<Option<RiskGroup>>,
        attribution: Vec<Option<Vec<f64>>>,
        flat: &[f32],
    ) -> Result<Self, CohortError> {
        if flat.len() != LEADS * COHORT_BEAT_SAMPLES {
            return Err(CohortError(format!(
                "{} beat values; {} expected",
                flat.len(),
                LEADS * COHORT_BEAT_SAMPLES
            )));
        }
        let beats = flat
            .chunks(COHORT_BEAT_SAMPLES)
            .map(|beat| {
                if beat.iter().all(|v| v.is_nan()) {
                    Ok(None)
                } else if beat.iter().all(|v| v.is_finite()) {
                    Ok(Some(beat.to_vec()))
                } else {
                    Err(CohortError(
                        "a beat with values that are not numbers".into(),
                    ))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            groups,
            beats,
            attribution,
        })
    }
}

/// Why a contribution was refused (it came across the wasm boundary, so it is checked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a cohort contribution for this model: {0}")]
pub struct CohortError(String);

/// The median beat of one lead on the cohort grid, µV from its PR level; `None` when no beat
/// is whole inside the lead.
pub fn cohort_beat(samples_uv: &[f32], beats: &Beats) -> Option<Vec<f32>> {
    let rate = beats.sample_rate_hz;
    let beat = median_beat(samples_uv, beats)?;
    let level = pr_level(&beat, rate)?;
    let before = (MEDIAN_BEAT_BEFORE_SECS * rate).round();
    let last = beat.len() - 1;
    Some(
        (0..COHORT_BEAT_SAMPLES)
            .map(|k| {
                let secs = (k as f64 - COHORT_R_INDEX as f64) / COHORT_RATE_HZ;
                let x = (before + secs * rate).clamp(0.0, last as f64);
                let (i, frac) = (x.floor() as usize, x.fract());
                let j = (i + 1).min(last);
                let v = f64::from(beat[i]) * (1.0 - frac) + f64::from(beat[j]) * frac;
                (v - level) as f32
            })
            .collect(),
    )
}

/// The cohort beats of every lead of `ecg`, in [`Lead::ALL`] order.
pub fn cohort_beats(ecg: &Ecg, beats: &Beats) -> Vec<Option<Vec<f32>>> {
    Lead::ALL
        .iter()
        .map(|&lead| cohort_beat(&ecg.lead(lead)?.samples_uv, beats))
        .collect()
}

impl Session {
    /// An analysed record's part in a cohort; `None` without an estimate (an unreadable or
    /// unusable record is in no group). With `saliency`, one input × gradient pass per output
    /// gives its lead × phase shares; a pass that fails leaves that output's shares null.
    pub async fn cohort_contribution(
        &self,
        analysis: &Analysis,
        saliency: bool,
    ) -> Option<Contribution> {
        let report = &analysis.report;
        if report.error.is_some() || report.vessels.is_empty() {
            return None;
        }
        let (ecg, beats) = (analysis.ecg.as_ref()?, analysis.beats.as_ref()?);
        let groups = report
            .vessels
            .iter()
            .map(|v| match v.stratum {
                Some(Stratum::High) => Some(RiskGroup::High),
                Some(Stratum::Low) => Some(RiskGroup::Low),
                _ => None,
            })
            .collect();
        let mut attribution = vec![None; report.vessels.len()];
        if saliency && self.leads() == LEADS {
            for (shares, vessel) in attribution.iter_mut().zip(&report.vessels) {
                let explained = self
                    .explain(analysis, &vessel.vessel, Method::GradXInput, &mut |_, _| {})
                    .await;
                *shares = explained.ok().and_then(|e| {
                    lead_phase_shares(&e.record_map, LEADS, &beats.r_peaks, ecg.sample_rate_hz())
                });
            }
        }
        Some(Contribution {
            groups,
            beats: cohort_beats(ecg, beats),
            attribution,
        })
    }
}

/// The lines a cohort sheet carries about its model (`model` its name and version): a
/// demonstration model says that it is one and not clinically validated.
pub fn cohort_notice(model: &str, disclaimer: &str, demonstration: bool) -> String {
    if demonstration {
        format!("Model {model}: a demonstration model, not clinically validated.\n{disclaimer}")
    } else {
        format!("Model {model}.\n{disclaimer}")
    }
}

/// Running sums of a campaign's contributions: fixed memory whatever the number of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    outputs: Vec<String>,
    records: u64,
    /// Records per output and group.
    group_records: Vec<u64>,
    /// `[output][group][lead][grid]`.
    beat_sums: Vec<f64>,
    /// `[output][group][lead]`: records whose lead had a beat.
    beat_counts: Vec<u64>,
    /// `[output][lead × phase]`.
    share_sums: Vec<f64>,
    /// `[output]`: records with shares.
    share_records: Vec<u64>,
}

/// One output of a [`CohortSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortOutput {
    /// The output (`RCA`).
    pub vessel: String,
    /// Records in its high-risk group.
    pub high_records: u64,
    /// Records in its low-risk group.
    pub low_records: u64,
    /// Records with attribution shares.
    pub attribution_records: u64,
    /// Mean share per lead and phase: `{lead, P, QRS, ST-T}` per lead in [`Lead::ALL`]
    /// order, fractions summing to 1; null without any record's shares.
    pub attribution: Option<Vec<LeadPhaseShare>>,
    /// The groups' mean beats, when asked for ([`Cohort::summary`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_beats: Option<GroupBeats>,
}

/// Both groups' mean beats per lead (µV on the grid, null for a lead no record of the group
/// had).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupBeats {
    /// The high-risk group: lead name → mean beat.
    pub high: serde_json::Map<String, serde_json::Value>,
    /// The low-risk group.
    pub low: serde_json::Map<String, serde_json::Value>,
}

/// A lead's mean shares of attribution per phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadPhaseShare {
    /// The lead's name.
    pub lead: &'static str,
    /// P wave and PR segment.
    #[serde(rename = "P")]
    pub p: f64,
    /// QRS complex.
    #[serde(rename = "QRS")]
    pub qrs: f64,
    /// ST segment and T wave.
    #[serde(rename = "ST-T")]
    pub st_t: f64,
}

/// What the page shows of a cohort beside its drawing, and the command line's
/// `--cohort-json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortSummary {
    /// The beat grid's rate, Hz.
    pub grid_rate_hz: f64,
    /// Index of the R peak on the grid.
    pub grid_r_index: usize,
    /// Contributions added (records with an estimate).
    pub records: u64,
    /// Per output, in the model's order.
    pub outputs: Vec<CohortOutput>,
}

impl Cohort {
    /// An empty cohort for a model with these outputs.
    pub fn new(outputs: Vec<String>) -> Self {
        let n = outputs.len();
        Self {
            outputs,
            records: 0,
            group_records: vec![0; n * 2],
            beat_sums: vec![0.0; n * 2 * LEADS * COHORT_BEAT_SAMPLES],
            beat_counts: vec![0; n * 2 * LEADS],
            share_sums: vec![0.0; n * SHARES],
            share_records: vec![0; n],
        }
    }

    /// The outputs, in the model's order.
    pub fn outputs(&self) -> &[String] {
        &self.outputs
    }

    /// Contributions added.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Adds one record's contribution; one of the wrong shape, or with a value that is not a
    /// finite number, is refused whole and changes nothing.
    pub fn add(&mut self, c: &Contribution) -> Result<(), CohortError> {
        let n = self.outputs.len();
        if c.groups.len() != n || c.attribution.len() != n {
            return Err(CohortError(format!(
                "{} groups and {} attributions for {n} outputs",
                c.groups.len(),
                c.attribution.len()
            )));
        }
        if c.beats.len() != LEADS {
            return Err(CohortError(format!(
                "{} beats for {LEADS} leads",
                c.beats.len()
            )));
        }
        for beat in c.beats.iter().flatten() {
            if beat.len() != COHORT_BEAT_SAMPLES || !beat.iter().all(|v| v.is_finite()) {
                return Err(CohortError(format!(
                    "a beat of {} values, or not all finite; {COHORT_BEAT_SAMPLES} expected",
                    beat.len()
                )));
            }
        }
        for shares in c.attribution.iter().flatten() {
            if shares.len() != SHARES || !shares.iter().all(|v| v.is_finite()) {
                return Err(CohortError(format!(
                    "a share matrix of {} values, or not all finite; {SHARES} expected",
                    shares.len()
                )));
            }
        }
        self.records += 1;
        for (output, group) in c.groups.iter().enumerate() {
            let Some(group) = group else { continue };
            let g = output * 2 + group.index();
            self.group_records[g] += 1;
            for (lead, beat) in c.beats.iter().enumerate() {
                let Some(beat) = beat else { continue };
                self.beat_counts[g * LEADS + lead] += 1;
                let start = (g * LEADS + lead) * COHORT_BEAT_SAMPLES;
                for (sum, &v) in self.beat_sums[start..start + COHORT_BEAT_SAMPLES]
                    .iter_mut()
                    .zip(beat)
                {
                    *sum += f64::from(v);
                }
            }
        }
        for (output, shares) in c.attribution.iter().enumerate() {
            let Some(shares) = shares else { continue };
            self.share_records[output] += 1;
            for (sum, &v) in self.share_sums[output * SHARES..(output + 1) * SHARES]
                .iter_mut()
                .zip(shares)
            {
                *sum += v;
            }
        }
        Ok(())
    }

    /// Records in one output's group.
    pub fn group_records(&self, output: usize, group: RiskGroup) -> u64 {
        self.group_records
            .get(output * 2 + group.index())
            .copied()
            .unwrap_or(0)
    }

    /// The mean beat of one lead (index into [`Lead::ALL`]) over one output's group, µV on the
    /// grid, with the number of records it averages; `None` when no record of the group had
    /// that lead.
    pub fn mean_beat(
        &self,
        output: usize,
        group: RiskGroup,
        lead: usize,
    ) -> Option<(Vec<f64>, u64)> {
        if output >= self.outputs.len() || lead >= LEADS {
            return None;
        }
        let cell = (output * 2 + group.index()) * LEADS + lead;
        let count = self.beat_counts[cell];
        if count == 0 {
            return None;
        }
        let start = cell * COHORT_BEAT_SAMPLES;
        Some((
            self.beat_sums[start..start + COHORT_BEAT_SAMPLES]
                .iter()
                .map(|s| s / count as f64)
                .collect(),
            count,
        ))
    }

    /// One output's mean lead × phase shares (12 × 3, lead-major); `None` without any.
    pub fn mean_shares(&self, output: usize) -> Option<Vec<f64>> {
        let count = *self.share_records.get(output)?;
        (count > 0).then(|| {
            self.share_sums[output * SHARES..(output + 1) * SHARES]
                .iter()
                .map(|s| s / count as f64)
                .collect()
        })
    }

    /// Per output, both groups' mean beats as [`draw_cohort`](crate::render::draw_cohort)
    /// takes them.
    pub fn panels(&self) -> Vec<CohortPanel<'_>> {
        let means = |output: usize, group: RiskGroup| -> Vec<_> {
            (0..LEADS)
                .map(|lead| self.mean_beat(output, group, lead))
                .collect()
        };
        self.outputs
            .iter()
            .enumerate()
            .map(|(output, name)| CohortPanel {
                name,
                high_records: self.group_records(output, RiskGroup::High),
                low_records: self.group_records(output, RiskGroup::Low),
                high: means(output, RiskGroup::High),
                low: means(output, RiskGroup::Low),
            })
            .collect()
    }

    /// Counts and mean attribution shares per output, and with `beats` the mean beats.
    pub fn summary(&self, beats: bool) -> CohortSummary {
        let group_beats = |output: usize, group: RiskGroup| {
            Lead::ALL
                .iter()
                .enumerate()
                .map(|(lead, name)| {
                    let mean = self.mean_beat(output, group, lead).map(|(mean, _)| mean);
                    (name.name().to_string(), serde_json::json!(mean))
                })
                .collect()
        };
        CohortSummary {
            grid_rate_hz: COHORT_RATE_HZ,
            grid_r_index: COHORT_R_INDEX,
            records: self.records,
            outputs: self
                .outputs
                .iter()
                .enumerate()
                .map(|(output, vessel)| CohortOutput {
                    vessel: vessel.clone(),
                    high_records: self.group_records(output, RiskGroup::High),
                    low_records: self.group_records(output, RiskGroup::Low),
                    attribution_records: self.share_records[output],
                    attribution: self.mean_shares(output).map(|shares| {
                        Lead::ALL
                            .iter()
                            .zip(shares.chunks(Phase::ALL.len()))
                            .map(|(lead, s)| LeadPhaseShare {
                                lead: lead.name(),
                                p: s[0],
                                qrs: s[1],
                                st_t: s[2],
                            })
                            .collect()
                    }),
                    mean_beats: beats.then(|| GroupBeats {
                        high: group_beats(output, RiskGroup::High),
                        low: group_beats(output, RiskGroup::Low),
                    }),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::beats::MEDIAN_BEAT_AFTER_SECS;

    #[test]
    fn the_grid_spans_the_median_beat_window() {
        assert_eq!(
            COHORT_R_INDEX,
            (MEDIAN_BEAT_BEFORE_SECS * COHORT_RATE_HZ).round() as usize
        );
        assert_eq!(
            COHORT_BEAT_SAMPLES,
            ((MEDIAN_BEAT_BEFORE_SECS + MEDIAN_BEAT_AFTER_SECS) * COHORT_RATE_HZ).round() as usize
                + 1
        );
    }

    /// A lead at `rate` whose every beat is the same ramp `f(t)` of the time from its R peak,
    /// plus a constant offset: its cohort beat is `f` on the grid minus `f`'s PR level.
    fn ramp_lead(rate: f64, r_peaks: &[usize], offset: f32) -> Vec<f32> {
        let n = r_peaks.last().unwrap() + rate as usize;
        let mut lead = vec![offset; n];
        let half = (0.4 * rate) as isize;
        for &r in r_peaks {
            for d in -half..half {
                let i = (r as isize + d) as usize;
                lead[i] = offset + 1000.0 * d as f32 / rate as f32;
            }
        }
        lead
    }

    #[test]
    fn cohort_beats_are_resampled_onto_the_grid_and_referred_to_the_pr_level() {
        for rate in [250.0, 500.0, 360.0, 1000.0] {
            let step = (0.9 * rate) as usize;
            let r_peaks: Vec<usize> = (1..6).map(|k| k * step).collect();
            let lead = ramp_lead(rate, &r_peaks, 300.0);
            let beats = Beats {
                r_peaks: r_peaks.clone(),
                sample_rate_hz: rate,
            };
            let beat = cohort_beat(&lead, &beats).unwrap();
            assert_eq!(beat.len(), COHORT_BEAT_SAMPLES);
            // The ramp is 1000 µV per second from the R peak; its PR level is the value at
            // −60 ms (the median of the samples from −80 to −40 ms): −60 µV + 300 µV.
            let level = pr_level(&median_beat(&lead, &beats).unwrap(), rate).unwrap();
            assert!((level - 240.0).abs() < 1000.0 / rate, "{rate}: {level}");
            for (k, &v) in beat.iter().enumerate() {
                let secs = (k as f64 - COHORT_R_INDEX as f64) / COHORT_RATE_HZ;
                if secs.abs() >= 0.39 {
                    continue;
                }
                let expected = 300.0 + 1000.0 * secs - level;
                assert!(
                    (f64::from(v) - expected).abs() < 1e-3,
                    "{rate} Hz, {k}: {v} vs {expected}"
                );
            }
        }
        let none = Beats {
            r_peaks: vec![],
            sample_rate_hz: 500.0,
        };
        assert_eq!(cohort_beat(&[0.0; 1000], &none), None);
    }

    fn contribution(
        groups: Vec<Option<RiskGroup>>,
        value: f32,
        shares: Option<Vec<f64>>,
    ) -> Contribution {
        let mut beats = vec![Some(vec![value; COHORT_BEAT_SAMPLES]); LEADS];
        beats[3] = None; // aVR absent
        Contribution {
            attribution: vec![shares; groups.len()],
            groups,
            beats,
        }
    }

    #[test]
    fn a_cohort_averages_beats_per_group_and_shares_per_output() {
        let mut cohort = Cohort::new(vec!["RCA".into(), "LAD".into()]);
        let mut one = vec![0.0; SHARES];
        one[1] = 1.0; // I, QRS
        let mut other = vec![0.0; SHARES];
        other[5] = 0.5; // II, ST-T
        other[4] = 0.5; // II, QRS
        cohort
            .add(&contribution(
                vec![Some(RiskGroup::High), Some(RiskGroup::Low)],
                100.0,
                Some(one),
            ))
            .unwrap();
        cohort
            .add(&contribution(
                vec![Some(RiskGroup::High), None],
                300.0,
                Some(other),
            ))
            .unwrap();
        cohort
            .add(&contribution(vec![Some(RiskGroup::Low), None], -50.0, None))
            .unwrap();
        assert_eq!(cohort.records(), 3);
        assert_eq!(cohort.group_records(0, RiskGroup::High), 2);
        assert_eq!(cohort.group_records(0, RiskGroup::Low), 1);
        assert_eq!(cohort.group_records(1, RiskGroup::High), 0);
        let (mean, n) = cohort.mean_beat(0, RiskGroup::High, 0).unwrap();
        assert_eq!(n, 2);
        assert!(mean.iter().all(|&v| (v - 200.0).abs() < 1e-9));
        assert_eq!(cohort.mean_beat(0, RiskGroup::Low, 0).unwrap().0[0], -50.0);
        assert_eq!(cohort.mean_beat(0, RiskGroup::High, 3), None);
        assert_eq!(cohort.mean_beat(1, RiskGroup::High, 0), None);
        let shares = cohort.mean_shares(0).unwrap();
        assert_eq!((shares[1], shares[4], shares[5]), (0.5, 0.25, 0.25));
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let summary = cohort.summary(true);
        let beats = summary.outputs[0].mean_beats.as_ref().unwrap();
        assert_eq!(beats.high["I"][0], 200.0);
        assert_eq!(beats.low["aVR"], serde_json::Value::Null);
        assert_eq!(cohort.summary(false).outputs[0].mean_beats, None);
        assert_eq!(summary.outputs[0].attribution_records, 2);
        let lead_two = &summary.outputs[0].attribution.as_ref().unwrap()[1];
        assert_eq!(
            (lead_two.lead, lead_two.qrs, lead_two.st_t),
            ("II", 0.25, 0.25)
        );
    }

    #[test]
    fn flat_beats_go_there_and_back() {
        let c = contribution(vec![Some(RiskGroup::Low)], 7.0, None);
        let flat = c.flat_beats();
        assert_eq!(flat.len(), LEADS * COHORT_BEAT_SAMPLES);
        assert!(
            flat[3 * COHORT_BEAT_SAMPLES..4 * COHORT_BEAT_SAMPLES]
                .iter()
                .all(|v| v.is_nan())
        );
        let back = Contribution::from_flat_beats(c.groups.clone(), c.attribution.clone(), &flat);
        assert_eq!(back, Ok(c));
        let mut partial = flat.clone();
        partial[5] = f32::NAN;
        assert!(Contribution::from_flat_beats(vec![None], vec![None], &partial).is_err());
        assert!(Contribution::from_flat_beats(vec![None], vec![None], &flat[1..]).is_err());
    }

    #[test]
    fn a_malformed_contribution_is_refused_and_changes_nothing() {
        let mut cohort = Cohort::new(vec!["RCA".into()]);
        let before = cohort.clone();
        let mut wrong = contribution(vec![Some(RiskGroup::High)], 1.0, None);
        wrong.beats[0] = Some(vec![1.0; 7]);
        assert!(cohort.add(&wrong).is_err());
        let mut wrong = contribution(vec![Some(RiskGroup::High)], 1.0, None);
        wrong.beats[5] = Some(vec![f32::NAN; COHORT_BEAT_SAMPLES]);
        assert!(cohort.add(&wrong).is_err());
        assert!(
            cohort
                .add(&contribution(
                    vec![Some(RiskGroup::High)],
                    1.0,
                    Some(vec![0.1; 3])
                ))
                .is_err()
        );
        assert!(
            cohort
                .add(&contribution(vec![None, None], 1.0, None))
                .is_err()
        );
        let mut wrong = contribution(vec![None], 1.0, None);
        wrong.beats.pop();
        assert!(cohort.add(&wrong).is_err());
        assert_eq!(cohort, before);
    }
}
