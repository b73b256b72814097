//! R-peak detection, heart rate, RR regularity and median beats, on the original-rate signal.
//!
//! The detector is Pan & Tompkins' (J. Pan, W. J. Tompkins, "A real-time QRS detection
//! algorithm", IEEE Trans. Biomed. Eng. 32(3):230–236, 1985), adapted to run offline on all
//! leads at once:
//!
//! 1. each lead is band-passed 5–15 Hz (Butterworth, zero-phase, so no group delay to undo),
//!    differentiated (five-point derivative) and squared;
//! 2. each lead's squared slope is divided by its 99th percentile, so every usable lead has a
//!    say and a lead with a huge amplitude does not drown the others; flat leads are skipped;
//! 3. the sum is integrated over a 150 ms moving window (centred);
//! 4. the peaks of that envelope are classified with the paper's adaptive thresholds (signal
//!    and noise levels updated 1/8 per peak, threshold a quarter of the way from noise to
//!    signal), a 200 ms refractory period, T-wave rejection (a peak within 360 ms of the last
//!    beat whose slope is under half of that beat's) and search-back (no beat for 166 % of the
//!    average RR: the largest peak above half the threshold is taken);
//! 5. each beat is placed at the maximum of the summed band-passed amplitude within ±75 ms.

use super::iir::Iir;

/// Refractory period after a beat: no beat can follow sooner (physiological limit).
pub const REFRACTORY_SECS: f64 = 0.2;
/// Moving-window integration width (Pan & Tompkins: the width of a wide QRS).
pub const INTEGRATION_SECS: f64 = 0.15;
/// A peak this soon after a beat is checked for being a T wave.
pub const T_WAVE_WINDOW_SECS: f64 = 0.36;
/// Search-back when no beat is found for this multiple of the average RR.
pub const SEARCH_BACK_FACTOR: f64 = 1.66;
/// Half-width of the window where the R peak is placed around the envelope peak.
pub const LOCATE_SECS: f64 = 0.075;
/// RR intervals whose coefficient of variation is below this are called regular: resting sinus
/// rhythm, sinus arrhythmia included, typically stays under 0.1, while atrial fibrillation
/// typically exceeds 0.15 (the margin takes occasional ectopic beats).
pub const REGULAR_RR_CV: f64 = 0.15;
/// The median beat spans this long before the R peak (covers the P wave)…
pub const MEDIAN_BEAT_BEFORE_SECS: f64 = 0.3;
/// … and this long after it (covers the T wave at resting rates).
pub const MEDIAN_BEAT_AFTER_SECS: f64 = 0.5;

/// Detected beats and what follows from them.
#[derive(Debug, Clone, PartialEq)]
pub struct Beats {
    /// R-peak sample indices at the record's rate.
    pub r_peaks: Vec<usize>,
    /// The record's rate.
    pub sample_rate_hz: f64,
}

/// RR-interval statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rhythm {
    /// 60 / median RR.
    pub heart_rate_bpm: f64,
    /// Mean RR interval.
    pub mean_rr_secs: f64,
    /// Standard deviation of RR over its mean.
    pub rr_cv: f64,
    /// Root mean square of successive RR differences.
    pub rmssd_secs: f64,
    /// `rr_cv` < [`REGULAR_RR_CV`].
    pub regular: bool,
}

impl Beats {
    /// RR intervals in seconds.
    pub fn rr_secs(&self) -> Vec<f64> {
        self.r_peaks
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / self.sample_rate_hz)
            .collect()
    }

    /// Heart rate and regularity; `None` with fewer than three beats.
    pub fn rhythm(&self) -> Option<Rhythm> {
        let rr = self.rr_secs();
        if rr.len() < 2 {
            return None;
        }
        let mut sorted = rr.clone();
        sorted.sort_by(f64::total_cmp);
        let median = if sorted.len() % 2 == 1 {
            sorted[sorted.len() / 2]
        } else {
            (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
        };
        let mean = rr.iter().sum::<f64>() / rr.len() as f64;
        let sd = (rr.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / rr.len() as f64).sqrt();
        let rmssd = (rr.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum::<f64>()
            / (rr.len() - 1) as f64)
            .sqrt();
        let cv = sd / mean;
        Some(Rhythm {
            heart_rate_bpm: 60.0 / median,
            mean_rr_secs: mean,
            rr_cv: cv,
            rmssd_secs: rmssd,
            regular: cv < REGULAR_RR_CV,
        })
    }
}

fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    let k = ((v.len() - 1) as f64 * q).round() as usize;
    let (_, x, _) = v.select_nth_unstable_by(k, f64::total_cmp);
    *x
}

fn moving_average(x: &[f64], width: usize) -> Vec<f64> {
    let half = width / 2;
    let mut prefix = Vec::with_capacity(x.len() + 1);
    prefix.push(0.0);
    for v in x {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + v);
    }
    (0..x.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(x.len());
            (prefix[hi] - prefix[lo]) / (hi - lo) as f64
        })
        .collect()
}

/// R peaks of a record, found on its recorded leads (derived limb leads add nothing).
pub fn detect_in_recorded(ecg: &crate::ecg::Ecg) -> Beats {
    let leads: Vec<&[f32]> = ecg
        .leads()
        .iter()
        .filter(|l| !l.derived)
        .map(|l| l.samples_uv.as_slice())
        .collect();
    detect_r_peaks(&leads, ecg.sample_rate_hz())
}

/// The detector's signals summed over the leads, each lead scaled by its 99th percentile:
/// the squared slope of the 5–15 Hz band (energy, and again for the slope test) and the band's
/// magnitude (to place the peak).
fn features(leads: &[&[f32]], band: &Iir, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut energy = vec![0.0; n];
    let mut amplitude = vec![0.0; n];
    let mut slope_energy = vec![0.0; n];
    for lead in leads {
        let x: Vec<f64> = lead.iter().map(|&v| f64::from(v)).collect();
        let Ok(y) = band.filtfilt(&x) else { continue };
        let mut d = vec![0.0; n];
        for i in 2..n - 2 {
            d[i] = (2.0 * y[i + 2] + y[i + 1] - y[i - 1] - 2.0 * y[i - 2]) / 8.0;
        }
        let sq: Vec<f64> = d.iter().map(|v| v * v).collect();
        let scale = percentile(&sq, 0.99);
        if scale <= f64::MIN_POSITIVE {
            continue;
        }
        let amp_scale = scale.sqrt();
        for i in 0..n {
            energy[i] += sq[i] / scale;
            slope_energy[i] += sq[i] / scale;
            amplitude[i] += y[i].abs() / amp_scale;
        }
    }
    (energy, amplitude, slope_energy)
}

/// Candidate peaks of the integrated energy: local maxima, at most one per refractory period
/// (the largest).
fn candidates(mwi: &[f64], refractory: usize) -> Vec<usize> {
    let n = mwi.len();
    let mut candidates: Vec<usize> = Vec::new();
    for i in 1..n - 1 {
        if mwi[i] > mwi[i - 1] && mwi[i] >= mwi[i + 1] && mwi[i] > 0.0 {
            match candidates.last() {
                Some(&last) if i - last < refractory => {
                    if mwi[i] > mwi[last] {
                        candidates.pop();
                        candidates.push(i);
                    }
                }
                _ => candidates.push(i),
            }
        }
    }
    candidates
}

/// Finds R peaks in `leads` (µV, all the same length, at `sample_rate_hz`). Leads that are
/// flat contribute nothing; a record with no usable lead, or too short to filter, has no beats.
pub fn detect_r_peaks(leads: &[&[f32]], sample_rate_hz: f64) -> Beats {
    let none = Beats {
        r_peaks: Vec::new(),
        sample_rate_hz,
    };
    let n = leads.first().map_or(0, |l| l.len());
    let Ok(band) = Iir::butter_bandpass(2, 5.0, 15.0, sample_rate_hz) else {
        return none;
    };
    if n <= band.filtfilt_padding() + 4 {
        return none;
    }
    let (energy, amplitude, slope_energy) = features(leads, &band, n);
    let width = ((INTEGRATION_SECS * sample_rate_hz).round() as usize).max(1);
    let mwi = moving_average(&energy, width);
    let refractory = (REFRACTORY_SECS * sample_rate_hz).round() as usize;

    let candidates = candidates(&mwi, refractory);
    if candidates.is_empty() {
        return none;
    }
    let init = ((2.0 * sample_rate_hz) as usize).min(n);
    let mut spki = 0.33 * mwi[..init].iter().copied().fold(0.0, f64::max);
    let mut npki = 0.5 * mwi[..init].iter().sum::<f64>() / init as f64;
    let slope_at = |p: usize| {
        let w = (LOCATE_SECS * sample_rate_hz) as usize;
        slope_energy[p.saturating_sub(w)..(p + w + 1).min(n)]
            .iter()
            .copied()
            .fold(0.0, f64::max)
    };
    let mut beats: Vec<usize> = Vec::new();
    let mut noise: Vec<usize> = Vec::new();
    let mut last_slope = 0.0;
    let t_window = (T_WAVE_WINDOW_SECS * sample_rate_hz) as usize;
    for &p in &candidates {
        let threshold = npki + 0.25 * (spki - npki);
        // Search-back over the peaks taken for noise since the last beat.
        if let (Some(&last), true) = (beats.last(), beats.len() >= 2) {
            let recent = &beats[beats.len().saturating_sub(9)..];
            let rr_avg = (recent[recent.len() - 1] - recent[0]) as f64 / (recent.len() - 1) as f64;
            if (p - last) as f64 > SEARCH_BACK_FACTOR * rr_avg {
                let best = noise
                    .iter()
                    .copied()
                    .filter(|&q| q > last + refractory && q + refractory < p)
                    .max_by(|&a, &b| mwi[a].total_cmp(&mwi[b]));
                if let Some(q) = best.filter(|&q| mwi[q] > 0.5 * threshold) {
                    beats.push(q);
                    last_slope = slope_at(q);
                    spki = 0.25 * mwi[q] + 0.75 * spki;
                }
            }
        }
        let threshold = npki + 0.25 * (spki - npki);
        let is_beat = mwi[p] > threshold
            && match beats.last() {
                Some(&last) if p - last < t_window => slope_at(p) >= 0.5 * last_slope,
                _ => true,
            };
        if is_beat && beats.last().is_none_or(|&last| p - last >= refractory) {
            beats.push(p);
            last_slope = slope_at(p);
            spki = 0.125 * mwi[p] + 0.875 * spki;
        } else {
            noise.push(p);
            npki = 0.125 * mwi[p] + 0.875 * npki;
        }
    }
    let half = (LOCATE_SECS * sample_rate_hz) as usize;
    let mut r_peaks: Vec<usize> = beats
        .iter()
        .map(|&p| {
            let lo = p.saturating_sub(half);
            let hi = (p + half + 1).min(n);
            (lo..hi)
                .max_by(|&a, &b| amplitude[a].total_cmp(&amplitude[b]))
                .unwrap_or(p)
        })
        .collect();
    r_peaks.sort_unstable();
    r_peaks.dedup();
    Beats {
        r_peaks,
        sample_rate_hz,
    }
}

/// The sample-wise median of every beat of `lead` that fits the window
/// [−[`MEDIAN_BEAT_BEFORE_SECS`], +[`MEDIAN_BEAT_AFTER_SECS`]] around its R peak; the R peak
/// sits at index `round(MEDIAN_BEAT_BEFORE_SECS · rate)`. `None` when no beat fits.
pub fn median_beat(lead: &[f32], beats: &Beats) -> Option<Vec<f32>> {
    let before = (MEDIAN_BEAT_BEFORE_SECS * beats.sample_rate_hz).round() as usize;
    let after = (MEDIAN_BEAT_AFTER_SECS * beats.sample_rate_hz).round() as usize;
    let windows: Vec<&[f32]> = beats
        .r_peaks
        .iter()
        .filter(|&&r| r >= before && r + after < lead.len())
        .map(|&r| &lead[r - before..=r + after])
        .collect();
    if windows.is_empty() {
        return None;
    }
    let mut column = vec![0.0f32; windows.len()];
    Some(
        (0..=before + after)
            .map(|k| {
                for (c, w) in column.iter_mut().zip(&windows) {
                    *c = w[k];
                }
                column.sort_by(f32::total_cmp);
                let m = column.len();
                if m % 2 == 1 {
                    column[m / 2]
                } else {
                    (column[m / 2 - 1] + column[m / 2]) / 2.0
                }
            })
            .collect(),
    )
}

/// The isoelectric level of a median beat (from [`median_beat`], at `rate_hz`): the median of
/// its PR segment, 80 to 40 ms before the R peak (between P and QRS). `None` for an empty beat.
pub fn pr_level(beat: &[f32], rate_hz: f64) -> Option<f64> {
    if beat.is_empty() {
        return None;
    }
    let r = (MEDIAN_BEAT_BEFORE_SECS * rate_hz).round() as isize;
    let idx = |secs: f64| {
        (r + (secs * rate_hz).round() as isize).clamp(0, beat.len() as isize - 1) as usize
    };
    let mut pr: Vec<f64> = beat[idx(-0.08)..=idx(-0.04)]
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    pr.sort_by(f64::total_cmp);
    pr.get(pr.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crude ECG: narrow Gaussian R waves at given times plus a broad T wave.
    fn synthetic(rate: f64, secs: f64, beats: &[f64]) -> Vec<f32> {
        let n = (rate * secs) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                beats
                    .iter()
                    .map(|&b| {
                        1000.0 * (-((t - b) / 0.012).powi(2)).exp()
                            + 250.0 * (-((t - b - 0.3) / 0.05).powi(2)).exp()
                    })
                    .sum::<f64>() as f32
            })
            .collect()
    }

    #[test]
    fn finds_regular_beats_and_rate() {
        let times: Vec<f64> = (0..12).map(|k| 0.4 + 0.8 * k as f64).collect();
        let lead = synthetic(500.0, 10.0, &times);
        let beats = detect_r_peaks(&[&lead], 500.0);
        assert_eq!(beats.r_peaks.len(), times.len(), "{:?}", beats.r_peaks);
        for (r, t) in beats.r_peaks.iter().zip(&times) {
            assert!((*r as f64 / 500.0 - t).abs() < 0.01, "{r} vs {t}");
        }
        let rhythm = beats.rhythm().unwrap();
        assert!((rhythm.heart_rate_bpm - 75.0).abs() < 0.5, "{rhythm:?}");
        assert!(rhythm.regular);
        let median = median_beat(&lead, &beats).unwrap();
        assert_eq!(median.len(), 401);
        assert!((median[150] - 1000.0).abs() < 20.0, "{}", median[150]);
    }

    #[test]
    fn irregular_rhythm_is_flagged_and_flat_has_no_beats() {
        let times = [
            0.3, 0.9, 1.3, 2.2, 2.6, 3.5, 4.1, 4.5, 5.5, 6.0, 6.9, 7.3, 8.3, 8.8, 9.5,
        ];
        let lead = synthetic(500.0, 10.0, &times);
        let beats = detect_r_peaks(&[&lead], 500.0);
        assert_eq!(beats.r_peaks.len(), times.len());
        assert!(!beats.rhythm().unwrap().regular);
        let flat = vec![0.0f32; 5000];
        assert!(detect_r_peaks(&[&flat], 500.0).r_peaks.is_empty());
        assert!(detect_r_peaks(&[&flat[..10]], 500.0).r_peaks.is_empty());
    }
}
