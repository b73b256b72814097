//! What combining the guideline likelihood with the ECG changes, on a site's labelled ECGs
//! whose labels file carries the clinical context columns: the share of patients in the
//! guideline's grey zone before and after combining, and the net reclassification improvement
//! of the combined categories over the likelihood's categories alone (events: any labelled
//! vessel severe; non-events: every labelled vessel not), each with a percentile bootstrap
//! 95 % interval.

use serde::{Deserialize, Serialize};

use super::table::{Labels, Matched, Prediction};
use crate::clinical::{Category, Guideline};
use crate::model::{ModelMetadata, Stratum};
use crate::rng::SplitMix64;

/// One patient: the likelihood's category rank, the combined category's rank, the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reclassified {
    /// Rank of the likelihood's category (0 = lowest).
    pub before: usize,
    /// Rank of the combined category.
    pub after: usize,
    /// Any vessel severe.
    pub event: bool,
}

/// A share with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// How many.
    pub count: usize,
    /// Of the patients counted.
    pub share: f64,
    /// Percentile bootstrap 95 % interval.
    pub ci95: Option<[f64; 2]>,
}

/// A net reclassification improvement with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Nri {
    /// The estimate.
    pub value: f64,
    /// Percentile bootstrap 95 % interval.
    pub ci95: Option<[f64; 2]>,
}

/// Moves between categories, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Moves {
    /// Events moved to a higher category.
    pub events_up: usize,
    /// Events moved to a lower one.
    pub events_down: usize,
    /// Non-events moved to a higher category.
    pub nonevents_up: usize,
    /// Non-events moved to a lower one.
    pub nonevents_down: usize,
}

/// The report's `clinical_context` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextValidation {
    /// The guideline the model's rule uses.
    pub guideline: Guideline,
    /// True when the rule is a demonstration.
    pub rule_demonstration: bool,
    /// Labelled patients with a context, an estimate and a likelihood under the guideline.
    pub n: usize,
    /// Of them, with any vessel severe.
    pub events: usize,
    /// Of them, with every labelled vessel not severe.
    pub nonevents: usize,
    /// Labelled rows with a context whose age or symptoms the guideline's table does not
    /// cover (left out).
    pub out_of_range: usize,
    /// The guideline's grey zone category.
    pub grey_zone: Category,
    /// In the grey zone by the likelihood alone.
    pub grey_zone_before: Share,
    /// In the grey zone after combining.
    pub grey_zone_after: Share,
    /// Who moved where.
    pub moves: Moves,
    /// NRI among events: P(up | event) − P(down | event).
    pub nri_events: Nri,
    /// NRI among non-events: P(down | non-event) − P(up | non-event).
    pub nri_nonevents: Nri,
    /// Their sum.
    pub nri_total: Nri,
}

/// Moves of `cases`.
pub fn moves(cases: &[Reclassified]) -> Moves {
    let mut m = Moves::default();
    for c in cases {
        let (up, down) = (c.after > c.before, c.after < c.before);
        match c.event {
            true => {
                m.events_up += usize::from(up);
                m.events_down += usize::from(down);
            }
            false => {
                m.nonevents_up += usize::from(up);
                m.nonevents_down += usize::from(down);
            }
        }
    }
    m
}

/// `(NRI events, NRI non-events)`; `None` for a part without any patient.
pub fn nri(cases: &[Reclassified]) -> (Option<f64>, Option<f64>) {
    let m = moves(cases);
    let events = cases.iter().filter(|c| c.event).count();
    let nonevents = cases.len() - events;
    let part = |a: usize, b: usize, n: usize| (n > 0).then(|| (a as f64 - b as f64) / n as f64);
    (
        part(m.events_up, m.events_down, events),
        part(m.nonevents_down, m.nonevents_up, nonevents),
    )
}

/// The 2.5 % and 97.5 % points of `statistic` over `resamples` bootstrap resamples of `cases`.
fn bootstrap(
    cases: &[Reclassified],
    resamples: usize,
    seed: u64,
    statistic: impl Fn(&[Reclassified]) -> Option<f64>,
) -> Option<[f64; 2]> {
    let n = cases.len();
    if n == 0 || resamples == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let mut sample = cases.to_vec();
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for slot in sample.iter_mut() {
            let pick = ((rng.unit() * n as f64) as usize).min(n - 1);
            *slot = cases[pick];
        }
        values.extend(statistic(&sample));
    }
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((q * (values.len() - 1) as f64).round() as usize).min(values.len() - 1)];
    Some([at(0.025), at(0.975)])
}

/// The section for `cases` under `guideline`: shares in the grey zone (rank `grey`) before and
/// after, the moves and the NRIs with their intervals.
pub fn context_validation(
    guideline: Guideline,
    rule_demonstration: bool,
    cases: &[Reclassified],
    out_of_range: usize,
    resamples: usize,
    seed: u64,
) -> ContextValidation {
    let grey = guideline.grey_zone();
    let g = grey.rank();
    let share_of = |pick: fn(&Reclassified) -> usize| {
        move |s: &[Reclassified]| {
            (!s.is_empty())
                .then(|| s.iter().filter(|c| pick(c) == g).count() as f64 / s.len() as f64)
        }
    };
    let share = |pick: fn(&Reclassified) -> usize, salt: u64| {
        let f = share_of(pick);
        Share {
            count: cases.iter().filter(|c| pick(c) == g).count(),
            share: f(cases).unwrap_or(0.0),
            ci95: bootstrap(cases, resamples, seed.wrapping_add(salt), f),
        }
    };
    let (events_nri, nonevents_nri) = nri(cases);
    let events = cases.iter().filter(|c| c.event).count();
    let nri_of = |value: Option<f64>, salt: u64, f: fn(&[Reclassified]) -> Option<f64>| Nri {
        value: value.unwrap_or(0.0),
        ci95: value.and(bootstrap(cases, resamples, seed.wrapping_add(salt), f)),
    };
    let total = |s: &[Reclassified]| match nri(s) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    ContextValidation {
        guideline,
        rule_demonstration,
        n: cases.len(),
        events,
        nonevents: cases.len() - events,
        out_of_range,
        grey_zone: grey,
        grey_zone_before: share(|c| c.before, 1),
        grey_zone_after: share(|c| c.after, 2),
        moves: moves(cases),
        nri_events: nri_of(events_nri, 3, |s| nri(s).0),
        nri_nonevents: nri_of(nonevents_nri, 4, |s| nri(s).1),
        nri_total: nri_of(total(cases), 5, total),
    }
}

/// The section for a report, when the model file has a rule and the labels carry a context:
/// per labelled record with an estimate, the any-vessel stratum from the file's cut-offs, the
/// likelihood's category under the rule's guideline and the rule's combined category.
pub fn report_section(
    metadata: &ModelMetadata,
    labels: &Labels,
    predictions: &[Prediction],
    matched: &Matched,
    resamples: usize,
    seed: u64,
) -> Option<ContextValidation> {
    let rule = metadata.clinical_context.as_ref()?;
    let rank = |s: Stratum| Stratum::ALL.iter().position(|&t| t == s).unwrap_or(0);
    let mut cases = Vec::new();
    let mut out_of_range = 0;
    let mut any_context = false;
    for &(r, p) in &matched.pairs {
        let row = &labels.rows[r];
        let Some(context) = &row.context else {
            continue;
        };
        any_context = true;
        let known: Vec<bool> = row.outcomes.iter().flatten().copied().collect();
        if known.is_empty() {
            continue;
        }
        let stratum = metadata
            .outputs
            .iter()
            .zip(&predictions[p].probabilities)
            .filter_map(|(o, prob)| Some(metadata.thresholds.get(o)?.stratum((*prob)?)))
            .max_by_key(|&s| rank(s));
        let Some(stratum) = stratum else { continue };
        let Ok(likelihood) = context.likelihood(rule.guideline) else {
            out_of_range += 1;
            continue;
        };
        let Some(cell) = rule.combine(likelihood.category, stratum) else {
            continue;
        };
        cases.push(Reclassified {
            before: likelihood.category.rank(),
            after: cell.combined.rank(),
            event: known.contains(&true),
        });
    }
    any_context.then(|| {
        context_validation(
            rule.guideline,
            rule.demonstration,
            &cases,
            out_of_range,
            resamples,
            seed,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(before: usize, after: usize, event: bool) -> Reclassified {
        Reclassified {
            before,
            after,
            event,
        }
    }

    /// Ten patients under ESC 2024 (grey zone: low, rank 1), by hand:
    /// - events (4): 1→2 up, 1→2 up, 2→2, 2→1 down → NRI events = (2 − 1) / 4 = 0.25;
    /// - non-events (6): 1→0 down, 1→0 down, 0→0, 1→1, 2→3 up, 1→2 up → NRI non-events =
    ///   (2 − 2) / 6 = 0; total 0.25;
    /// - grey zone before: the rank-1 patients, 1, 1, 1, 1, 1, 1 (events 2, non-events 4) = 6
    ///   of 10 = 0.6; after: 2→1 and 1→1 = 2 of 10 = 0.2.
    #[test]
    fn nri_and_grey_zone_equal_a_hand_count() {
        let cases = [
            case(1, 2, true),
            case(1, 2, true),
            case(2, 2, true),
            case(2, 1, true),
            case(1, 0, false),
            case(1, 0, false),
            case(0, 0, false),
            case(1, 1, false),
            case(2, 3, false),
            case(1, 2, false),
        ];
        let v = context_validation(Guideline::Esc2024, true, &cases, 3, 500, 7);
        assert_eq!((v.n, v.events, v.nonevents, v.out_of_range), (10, 4, 6, 3));
        assert_eq!(
            v.moves,
            Moves {
                events_up: 2,
                events_down: 1,
                nonevents_up: 2,
                nonevents_down: 2
            }
        );
        assert!((v.nri_events.value - 0.25).abs() < 1e-12);
        assert!(v.nri_nonevents.value.abs() < 1e-12);
        assert!((v.nri_total.value - 0.25).abs() < 1e-12);
        assert_eq!((v.grey_zone_before.count, v.grey_zone_after.count), (6, 2));
        assert!((v.grey_zone_before.share - 0.6).abs() < 1e-12);
        assert!((v.grey_zone_after.share - 0.2).abs() < 1e-12);
        for (nri, value) in [(v.nri_events, 0.25), (v.nri_total, 0.25)] {
            let [lo, hi] = nri.ci95.unwrap();
            assert!(lo <= value && value <= hi && lo < hi, "{lo} {value} {hi}");
        }
        let [lo, hi] = v.grey_zone_after.ci95.unwrap();
        assert!(lo <= 0.2 && 0.2 <= hi);
        // Same seed, same intervals.
        assert_eq!(
            v,
            context_validation(Guideline::Esc2024, true, &cases, 3, 500, 7)
        );
    }

    #[test]
    fn a_part_without_patients_has_no_interval() {
        let cases = [case(1, 2, true), case(0, 1, true)];
        let v = context_validation(Guideline::Esc2019, false, &cases, 0, 200, 1);
        assert_eq!(v.nri_events.value, 1.0);
        assert!(v.nri_nonevents.ci95.is_none() && v.nri_total.ci95.is_none());
        assert_eq!(v.grey_zone, Category::From5To15);
    }
}
