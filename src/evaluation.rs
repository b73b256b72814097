//! Binary-classifier metrics for a model card: ROC AUC with a bootstrap confidence interval,
//! the Brier score, a reliability table, and the strata cut-offs chosen for a sensitivity
//! (rule-out) or a specificity (rule-in). Plain `f64` slices in, no model needed, so the same
//! code evaluates a model at training time and re-checks its card in tests.

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (the Mann–Whitney U statistic over P·N). `None` when either
/// class is empty.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the positives' ranks (1-based), tied scores sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mean_rank * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Percentile bootstrap 95 % interval of the AUC: `resamples` resamples of the cases with
/// replacement (seeded), those with a single class skipped. `None` when the AUC is undefined.
pub fn auc_bootstrap_ci(
    scores: &[f64],
    labels: &[bool],
    resamples: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    auc(scores, labels)?;
    let mut rng = SplitMix64::new(seed);
    let n = scores.len();
    let mut values = Vec::with_capacity(resamples);
    let (mut s, mut l) = (vec![0.0; n], vec![false; n]);
    for _ in 0..resamples {
        for k in 0..n {
            let pick = (rng.unit() * n as f64) as usize;
            s[k] = scores[pick.min(n - 1)];
            l[k] = labels[pick.min(n - 1)];
        }
        if let Some(a) = auc(&s, &l) {
            values.push(a);
        }
    }
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((q * (values.len() - 1) as f64).round() as usize).min(values.len() - 1)];
    Some((at(0.025), at(0.975)))
}

/// Mean squared difference between probability and outcome.
pub fn brier(probabilities: &[f64], labels: &[bool]) -> f64 {
    let n = probabilities.len().max(1) as f64;
    probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &l)| (p - f64::from(u8::from(l))).powi(2))
        .sum::<f64>()
        / n
}

/// One bin of a reliability table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the predicted probability (inclusive).
    pub from: f64,
    /// Upper edge (exclusive; the last bin includes 1).
    pub to: f64,
    /// Cases in the bin.
    pub count: usize,
    /// Mean predicted probability of those cases.
    pub mean_predicted: f64,
    /// Share of those cases that were positive.
    pub observed: f64,
}

/// Reliability table over `bins` equal-width probability bins, binned as scikit-learn's
/// `calibration_curve(strategy="uniform")` bins them: edges `k · (1/bins)` and a probability
/// exactly on an inner edge in the bin below it (numpy's `searchsorted`, side left); empty
/// bins are left out.
pub fn reliability(probabilities: &[f64], labels: &[bool], bins: usize) -> Vec<ReliabilityBin> {
    let bins = bins.max(1);
    let step = 1.0 / bins as f64;
    let edge = |k: usize| if k == bins { 1.0 } else { k as f64 * step };
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for (&p, &l) in probabilities.iter().zip(labels) {
        // Inner edges strictly below p.
        let b = (1..bins).take_while(|&k| edge(k) < p).count();
        sums[b].0 += 1;
        sums[b].1 += p;
        sums[b].2 += usize::from(l);
    }
    sums.iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(b, &(count, total, positives))| ReliabilityBin {
            from: edge(b),
            to: edge(b + 1),
            count,
            mean_predicted: total / count as f64,
            observed: positives as f64 / count as f64,
        })
        .collect()
}

/// One point of a ROC curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Calling "positive" every case scoring at or above this (`null` in JSON for the first
    /// point, +∞: nobody positive).
    pub threshold: f64,
    /// False-positive rate, 1 − specificity.
    pub fpr: f64,
    /// True-positive rate, the sensitivity.
    pub tpr: f64,
}

/// The ROC curve as scikit-learn's `roc_curve` gives it (default `drop_intermediate=True`):
/// one point per distinct score, highest first, after a first point (0, 0) at +∞; points on a
/// straight line between their neighbours are dropped. `None` when either class is empty.
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Option<Vec<RocPoint>> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 || positives == labels.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    // Cumulative counts at the last case of each distinct score.
    let (mut tps, mut fps, mut thresholds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tp, mut fp) = (0usize, 0usize);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_score = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_score {
            tps.push(tp);
            fps.push(fp);
            thresholds.push(scores[i]);
        }
    }
    let kept: Vec<usize> = if tps.len() > 2 {
        (0..tps.len())
            .filter(|&k| {
                k == 0 || k == tps.len() - 1 || {
                    let second = |v: &[usize]| v[k + 1] + v[k - 1] != 2 * v[k];
                    second(&fps) || second(&tps)
                }
            })
            .collect()
    } else {
        (0..tps.len()).collect()
    };
    let (p, n) = (positives as f64, (labels.len() - positives) as f64);
    let mut curve = vec![RocPoint {
        threshold: f64::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    }];
    curve.extend(kept.into_iter().map(|k| RocPoint {
        threshold: thresholds[k],
        fpr: fps[k] as f64 / n,
        tpr: tps[k] as f64 / p,
    }));
    Some(curve)
}

/// Probabilities are taken into the logit scale clipped to [`LOGIT_CLIP`, 1 − `LOGIT_CLIP`]
/// (a CSV's six decimals can write 0 or 1, whose logit is infinite).
pub const LOGIT_CLIP: f64 = 1e-6;

/// The logit of a probability, clipped ([`LOGIT_CLIP`]).
pub fn logit(probability: f64) -> f64 {
    let p = probability.clamp(LOGIT_CLIP, 1.0 - LOGIT_CLIP);
    (p / (1.0 - p)).ln()
}

/// A logistic fit of the outcome on the logit of the predicted probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticFit {
    /// Intercept `a` of `logit P(y) = a + b · logit(p)`.
    pub intercept: f64,
    /// Slope `b`.
    pub slope: f64,
}

impl LogisticFit {
    /// The recalibrated probability, `sigmoid(a + b · logit(p))`.
    pub fn apply(&self, probability: f64) -> f64 {
        1.0 / (1.0 + (-(self.intercept + self.slope * logit(probability))).exp())
    }
}

/// The calibration slope and intercept: maximum-likelihood logistic regression of the outcome
/// on `logit(p)` (Newton–Raphson; what statsmodels' `Logit` gives). `None` when a class is
/// empty or the fit does not converge (the classes are separated by the score).
pub fn calibration_slope(probabilities: &[f64], labels: &[bool]) -> Option<LogisticFit> {
    let x: Vec<f64> = probabilities.iter().map(|&p| logit(p)).collect();
    newton_logistic(&x, labels, None).map(|(intercept, slope)| LogisticFit { intercept, slope })
}

/// Calibration-in-the-large: the intercept `a` of `logit P(y) = a + logit(p)`, the slope held
/// at 1 (statsmodels' `GLM(Binomial, offset=logit(p))`); 0 for a model whose mean probability
/// matches the prevalence.
pub fn calibration_in_the_large(probabilities: &[f64], labels: &[bool]) -> Option<f64> {
    let x: Vec<f64> = probabilities.iter().map(|&p| logit(p)).collect();
    newton_logistic(&x, labels, Some(1.0)).map(|(intercept, _)| intercept)
}

/// Newton–Raphson for `logit P(y) = a + b x`, or with `b` held fixed.
fn newton_logistic(x: &[f64], labels: &[bool], fixed_slope: Option<f64>) -> Option<(f64, f64)> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 || positives == labels.len() {
        return None;
    }
    let (mut a, mut b) = (0.0, fixed_slope.unwrap_or(1.0));
    for _ in 0..200 {
        // Gradient and Hessian of the log-likelihood.
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&xi, &yi) in x.iter().zip(labels) {
            let p = 1.0 / (1.0 + (-(a + b * xi)).exp());
            let r = f64::from(u8::from(yi)) - p;
            let w = p * (1.0 - p);
            ga += r;
            gb += r * xi;
            haa += w;
            hab += w * xi;
            hbb += w * xi * xi;
        }
        let (da, db) = match fixed_slope {
            Some(_) => (ga / haa, 0.0),
            None => {
                let det = haa * hbb - hab * hab;
                if !(det.is_finite() && det > 0.0) {
                    return None;
                }
                ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det)
            }
        };
        if !(da.is_finite() && db.is_finite()) {
            return None;
        }
        a += da;
        b += db;
        if da.abs() < 1e-12 * (1.0 + a.abs()) && db.abs() < 1e-12 * (1.0 + b.abs()) {
            return (a.abs() < 1e6 && b.abs() < 1e6).then_some((a, b));
        }
    }
    None
}

/// One threshold probability of a decision curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetBenefit {
    /// The threshold probability `pt`: treat (refer) when the probability is at or above it.
    pub threshold: f64,
    /// The model's net benefit, `TP/n − FP/n · pt/(1 − pt)`.
    pub model: f64,
    /// Referring everybody: `prevalence − (1 − prevalence) · pt/(1 − pt)`.
    pub treat_all: f64,
}

/// Decision-curve analysis (Vickers and Elkin, 2006) at the threshold probabilities 1 %, 2 %
/// … 50 %; treating nobody has net benefit 0 throughout.
pub fn decision_curve(probabilities: &[f64], labels: &[bool]) -> Vec<NetBenefit> {
    let n = probabilities.len().max(1) as f64;
    let prevalence = labels.iter().filter(|&&l| l).count() as f64 / n;
    (1..=50)
        .map(|percent| {
            let pt = f64::from(percent) / 100.0;
            let odds = pt / (1.0 - pt);
            let (mut tp, mut fp) = (0usize, 0usize);
            for (&p, &l) in probabilities.iter().zip(labels) {
                if p >= pt {
                    if l {
                        tp += 1;
                    } else {
                        fp += 1;
                    }
                }
            }
            NetBenefit {
                threshold: pt,
                model: tp as f64 / n - fp as f64 / n * odds,
                treat_all: prevalence - (1.0 - prevalence) * odds,
            }
        })
        .collect()
}

/// The rule-out cut-off: the highest probability `t` such that the positives at or above `t`
/// are at least `target_sensitivity` of all positives (below `t` is "low risk"). Returns the
/// cut-off and the sensitivity it achieves on these cases; `None` without positives.
pub fn rule_out_cutoff(
    probabilities: &[f64],
    labels: &[bool],
    target_sensitivity: f64,
) -> Option<(f64, f64)> {
    let mut positives: Vec<f64> = probabilities
        .iter()
        .zip(labels)
        .filter(|(_, l)| **l)
        .map(|(&p, _)| p)
        .collect();
    if positives.is_empty() {
        return None;
    }
    positives.sort_by(f64::total_cmp);
    let count = positives.len() as f64;
    // Positives that may fall below the cut-off.
    let misses = ((1.0 - target_sensitivity) * count + 1e-9).floor() as usize;
    let cutoff = positives[misses.min(positives.len() - 1)];
    let achieved = positives.iter().filter(|&&p| p >= cutoff).count() as f64 / count;
    Some((cutoff, achieved))
}

/// The rule-in cut-off: the lowest probability `t` such that the negatives below `t` are at
/// least `target_specificity` of all negatives (at or above `t` is "high risk"). Returns the
/// cut-off and the specificity it achieves on these cases; `None` without negatives.
pub fn rule_in_cutoff(
    probabilities: &[f64],
    labels: &[bool],
    target_specificity: f64,
) -> Option<(f64, f64)> {
    let mut negatives: Vec<f64> = probabilities
        .iter()
        .zip(labels)
        .filter(|(_, l)| !**l)
        .map(|(&p, _)| p)
        .collect();
    if negatives.is_empty() {
        return None;
    }
    negatives.sort_by(|a, b| b.total_cmp(a));
    let count = negatives.len() as f64;
    // Negatives that may reach the cut-off.
    let alarms = ((1.0 - target_specificity) * count + 1e-9).floor() as usize;
    let cutoff = negatives[alarms.min(negatives.len() - 1)].next_up();
    let achieved = negatives.iter().filter(|&&p| p < cutoff).count() as f64 / count;
    Some((cutoff, achieved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Positives 0.8, 0.4; negatives 0.5, 0.1, 0.4: pairs won 0.8>all (3), 0.4>0.1 (1),
        // 0.4=0.4 (½) of 6.
        let scores = [0.8, 0.4, 0.5, 0.1, 0.4];
        let labels = [true, true, false, false, false];
        assert!((auc(&scores, &labels).unwrap() - 4.5 / 6.0).abs() < 1e-12);
        assert_eq!(auc(&scores, &[true; 5]), None);
        // Perfect and inverted rankings.
        assert_eq!(auc(&[0.9, 0.1], &[true, false]), Some(1.0));
        assert_eq!(auc(&[0.1, 0.9], &[true, false]), Some(0.0));
    }

    /// A brute-force pair count agrees with the rank formula on random data with ties.
    #[test]
    fn auc_equals_the_pair_count() {
        let mut rng = SplitMix64::new(3);
        let scores: Vec<f64> = (0..300)
            .map(|_| (rng.unit() * 20.0).floor() / 20.0)
            .collect();
        let labels: Vec<bool> = scores.iter().map(|&s| rng.unit() < 0.2 + 0.5 * s).collect();
        let mut won = 0.0;
        let mut pairs = 0.0;
        for (i, &si) in scores.iter().enumerate() {
            for (j, &sj) in scores.iter().enumerate() {
                if labels[i] && !labels[j] {
                    pairs += 1.0;
                    won += if si > sj {
                        1.0
                    } else if si == sj {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        assert!((auc(&scores, &labels).unwrap() - won / pairs).abs() < 1e-12);
        let (low, high) = auc_bootstrap_ci(&scores, &labels, 500, 1).unwrap();
        let point = won / pairs;
        assert!(
            low < point && point < high && high - low < 0.2,
            "{low} {point} {high}"
        );
    }

    #[test]
    fn cutoffs_meet_their_targets() {
        let mut rng = SplitMix64::new(8);
        let labels: Vec<bool> = (0..1000).map(|_| rng.unit() < 0.15).collect();
        let probs: Vec<f64> = labels
            .iter()
            .map(|&l| (rng.normal() * 0.15 + if l { 0.6 } else { 0.3 }).clamp(0.0, 1.0))
            .collect();
        let (out, sensitivity) = rule_out_cutoff(&probs, &labels, 0.9).unwrap();
        let (inn, specificity) = rule_in_cutoff(&probs, &labels, 0.9).unwrap();
        assert!((0.9..0.92).contains(&sensitivity), "{sensitivity}");
        assert!((0.9..0.91).contains(&specificity), "{specificity}");
        assert!(out < inn, "{out} {inn}");
        // Recount by the strata definitions.
        let pos = labels.iter().filter(|&&l| l).count() as f64;
        let caught = probs
            .iter()
            .zip(&labels)
            .filter(|(p, l)| **l && **p >= out)
            .count();
        assert_eq!(caught as f64 / pos, sensitivity);
        let neg = labels.len() as f64 - pos;
        let cleared = probs
            .iter()
            .zip(&labels)
            .filter(|(p, l)| !**l && **p < inn)
            .count();
        assert_eq!(cleared as f64 / neg, specificity);
    }

    #[test]
    fn brier_and_reliability() {
        assert_eq!(brier(&[1.0, 0.0, 0.5], &[true, false, true]), 0.25 / 3.0);
        let table = reliability(&[0.05, 0.07, 0.95, 0.5], &[false, true, true, false], 10);
        assert_eq!(table.len(), 3);
        assert_eq!((table[0].count, table[0].observed), (2, 0.5));
        assert!((table[0].mean_predicted - 0.06).abs() < 1e-12);
        assert_eq!((table[2].from, table[2].count), (0.9, 1));
    }
}
