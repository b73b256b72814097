//! From a parsed [`Ecg`] to the exact tensor the model eats (model-spec §4–§5).
//!
//! Order of operations, for both recipes:
//!
//! 1. **Harmonise**: derive III, aVR, aVL, aVF from I and II where the source lacks them.
//! 2. **Resample** the whole record to the model's rate (polyphase, [`super::resample`]); a
//!    record already at that rate is left untouched.
//! 3. **Window**: the model's number of samples from `start_secs` (default 0). A shorter record
//!    is refused, or zero-padded at the end with a warning when the caller allows it.
//! 4. **Recipe**, on the window, in f64, values in millivolts:
//!    - `ecgfounder`: 50 Hz notch (Q = 30) and 0.67–40 Hz Butterworth band-pass (order 4), both
//!      zero-phase `filtfilt`; minus a running median over `int(0.4·rate) + 1` samples
//!      (zero-padded edges); z-score over all leads together (population std, `+ 1e-8`).
//!    - `per_lead_zscore`: each lead minus its mean, over its std `+ 1e-8`.
//!
//! Because resampling comes first, the filters always run at the model's rate and are designed
//! for it (for 500 Hz they equal the coefficients printed in model-spec §4). Designing the
//! filters for the source rate and resampling afterwards would be the other choice the spec
//! allows; it was not taken because the median kernel and the golden vector are defined at
//! 500 Hz and resampling first makes every source rate meet exactly the same recipe.

use serde::{Deserialize, Serialize};

use super::iir::{FilterError, Iir};
use super::median::median_filter;
use super::resample::{Ratio, ResampleError, Resampler};
use crate::ecg::{Ecg, EcgError, Lead, Warning};

/// The preprocessing recipes of model-spec §4; a model file names the one it was trained with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preprocessing {
    /// Notch, band-pass, median baseline, global z-score.
    Ecgfounder,
    /// Per-lead z-score only.
    PerLeadZscore,
}

impl Preprocessing {
    /// The name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Preprocessing::Ecgfounder => "ecgfounder",
            Preprocessing::PerLeadZscore => "per_lead_zscore",
        }
    }
}

impl std::str::FromStr for Preprocessing {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ecgfounder" => Ok(Preprocessing::Ecgfounder),
            "per_lead_zscore" => Ok(Preprocessing::PerLeadZscore),
            other => Err(format!(
                "unknown preprocessing recipe '{other}' (expected ecgfounder or per_lead_zscore)"
            )),
        }
    }
}

/// Notch centre of the `ecgfounder` recipe.
pub const NOTCH_HZ: f64 = 50.0;
/// Notch quality factor of the `ecgfounder` recipe.
pub const NOTCH_Q: f64 = 30.0;
/// Band-pass corners of the `ecgfounder` recipe.
pub const BANDPASS_HZ: (f64, f64) = (0.67, 40.0);
/// Butterworth prototype order of the band-pass (the filter itself has twice this order).
pub const BANDPASS_ORDER: usize = 4;
/// Added to the standard deviation of both z-scores.
pub const ZSCORE_EPSILON: f64 = 1e-8;

/// The shape of the model input: rate and samples per lead (500 Hz × 5000 for Net1D).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputShape {
    /// Rate the model expects.
    pub sample_rate_hz: f64,
    /// Samples per lead.
    pub samples: usize,
}

impl InputShape {
    /// How long the model input lasts, seconds.
    pub fn duration_secs(&self) -> f64 {
        self.samples as f64 / self.sample_rate_hz
    }
}

impl Default for InputShape {
    fn default() -> Self {
        Self {
            sample_rate_hz: 500.0,
            samples: 5000,
        }
    }
}

/// Which part of the record to use and what to do when it is too short.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WindowOptions {
    /// Start of the window, seconds from the start of the record.
    pub start_secs: f64,
    /// Append zeros (with a warning) instead of refusing a record shorter than the window.
    pub allow_padding: bool,
}

/// Why an ECG could not be turned into a model input. Every variant names the lead or the
/// numbers involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// Leads the model needs are absent and cannot be derived.
    #[error("the record lacks {}: the model needs all 12 leads (III, aVR, aVL, aVF can be derived from I and II)", names(.0))]
    MissingLeads(Vec<Lead>),
    /// The record is shorter than the window.
    #[error(
        "the record has {available_secs:.3} s from {start_secs} s on, but the model needs {needed_secs} s (allow zero-padding to use it anyway)"
    )]
    TooShort {
        /// Requested start.
        start_secs: f64,
        /// What is left after the start.
        available_secs: f64,
        /// The window length.
        needed_secs: f64,
    },
    /// The requested start is negative, not finite, or at/after the end of the record.
    #[error("window start {start_secs} s is outside the record (0 to {record_secs:.3} s)")]
    Start {
        /// Requested start.
        start_secs: f64,
        /// Record length.
        record_secs: f64,
    },
    /// The rate cannot be converted.
    #[error(transparent)]
    Resample(#[from] ResampleError),
    /// A filter failed (a rate too low for the recipe's corners).
    #[error("lead {lead}: {source}")]
    Filter {
        /// The lead.
        lead: Lead,
        /// What failed.
        source: FilterError,
    },
    /// The derived record broke an invariant (cannot happen for a valid input).
    #[error(transparent)]
    Ecg(#[from] EcgError),
}

fn names(leads: &[Lead]) -> String {
    let names: Vec<&str> = leads.iter().map(|lead| lead.name()).collect();
    format!(
        "lead{} {}",
        if leads.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

/// The model input for one ECG, with what was done to get it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInput {
    /// `[12, samples]` row-major, leads in [`Lead::ALL`] order.
    pub values: Vec<f32>,
    /// Samples per lead.
    pub samples: usize,
    /// Start of the window in the record, seconds.
    pub start_secs: f64,
    /// Derivation, resampling, windowing and padding, in that order.
    pub warnings: Vec<Warning>,
}

/// Twelve leads at one rate, what was done to get them, and the record's length at that rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Harmonised {
    /// The 12 leads in canonical order, millivolts (f64): the whole record or a window of it.
    pub leads: Vec<Vec<f64>>,
    /// Derivation and resampling warnings.
    pub warnings: Vec<Warning>,
    /// Samples per lead of the whole record at the new rate.
    pub total_samples: usize,
}

/// The 12 leads in canonical order, in millivolts (f64), at `rate_hz`, the whole record.
pub fn harmonise(ecg: &Ecg, rate_hz: f64) -> Result<Harmonised, PrepareError> {
    harmonise_range(ecg, rate_hz, |total| Ok(0..total))
}

/// [`harmonise`] computing only the output samples in the range `pick` chooses from the
/// record's length at `rate_hz` (resampling a long record costs only the window). Each output
/// sample is computed exactly as in the whole-record case. Also returns that length.
fn harmonise_range(
    ecg: &Ecg,
    rate_hz: f64,
    pick: impl FnOnce(usize) -> Result<std::ops::Range<usize>, PrepareError>,
) -> Result<Harmonised, PrepareError> {
    let ecg = ecg.clone().derive_limb_leads();
    let missing: Vec<Lead> = Lead::ALL
        .into_iter()
        .filter(|lead| ecg.lead(*lead).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(PrepareError::MissingLeads(missing));
    }
    let mut warnings: Vec<Warning> = ecg
        .warnings()
        .iter()
        .filter(|w| matches!(w, Warning::DerivedLeads { .. }))
        .cloned()
        .collect();
    let ratio = Ratio::between(ecg.sample_rate_hz(), rate_hz)?;
    let resampler = (ratio.up != ratio.down).then(|| Resampler::new(ratio));
    if resampler.is_some() {
        warnings.push(Warning::Resampled {
            from_hz: ecg.sample_rate_hz(),
            to_hz: rate_hz,
        });
    }
    let total = match &resampler {
        Some(r) => r.ratio().output_len(ecg.samples_per_lead()),
        None => ecg.samples_per_lead(),
    };
    let range = pick(total)?;
    let leads = Lead::ALL
        .iter()
        .filter_map(|lead| ecg.lead(*lead))
        .map(|signal| {
            let mv = |samples: &[f32]| -> Vec<f64> {
                samples.iter().map(|&v| f64::from(v) / 1000.0).collect()
            };
            match &resampler {
                Some(r) => r.apply_range(&mv(&signal.samples_uv), range.clone()),
                None => mv(&signal.samples_uv[range.clone()]),
            }
        })
        .collect();
    Ok(Harmonised {
        leads,
        warnings,
        total_samples: total,
    })
}

/// Runs the steps of the module docs: the model input for `ecg` under `recipe`.
pub fn prepare(
    ecg: &Ecg,
    recipe: Preprocessing,
    shape: InputShape,
    window: WindowOptions,
) -> Result<ModelInput, PrepareError> {
    let rate = shape.sample_rate_hz;
    let start = (window.start_secs * rate).round();
    let Harmonised {
        leads,
        mut warnings,
        total_samples: total,
    } = harmonise_range(ecg, rate, |total| {
        if !(start.is_finite() && start >= 0.0 && (start as usize) < total) {
            return Err(PrepareError::Start {
                start_secs: window.start_secs,
                record_secs: total as f64 / rate,
            });
        }
        let available = total - start as usize;
        if available < shape.samples && !window.allow_padding {
            return Err(PrepareError::TooShort {
                start_secs: window.start_secs,
                available_secs: available as f64 / rate,
                needed_secs: shape.samples as f64 / rate,
            });
        }
        Ok(start as usize..(start as usize + shape.samples).min(total))
    })?;
    let start = start as usize;
    let available = total - start;
    if start > 0 || available > shape.samples {
        warnings.push(Warning::Windowed {
            start_secs: start as f64 / rate,
            duration_secs: shape.samples as f64 / rate,
            record_secs: total as f64 / rate,
        });
    }
    if available < shape.samples {
        warnings.push(Warning::ZeroPadded {
            padded_secs: (shape.samples - available) as f64 / rate,
        });
    }
    let windows: Vec<Vec<f64>> = leads
        .into_iter()
        .map(|mut w| {
            w.resize(shape.samples, 0.0);
            w
        })
        .collect();
    let values = match recipe {
        Preprocessing::Ecgfounder => ecgfounder(&windows, shape.sample_rate_hz)?,
        Preprocessing::PerLeadZscore => per_lead_zscore(&windows),
    };
    Ok(ModelInput {
        values,
        samples: shape.samples,
        start_secs: start as f64 / shape.sample_rate_hz,
        warnings,
    })
}

/// The `ecgfounder` filters at 500 Hz as scipy 1.17.1 designs them, bit for bit (`repr` of each
/// double; model-spec §4 prints the same values, except that its band-pass `b[4]`,
/// `0.01264068804372234`, is scipy's `0.012640688043722339` rounded in the 17th digit: because
/// the initial state below is ill-conditioned, even that moves the first samples by 1e-6).
///
/// Printed by `python -c "import scipy.signal as s; print([[repr(float(v)) for v in c] for c in
/// (*s.iirnotch(50, 30, fs=500), *s.butter(4, [0.67, 40], btype='band', fs=500))])"`.
pub mod contract_500hz {
    /// `scipy.signal.iirnotch(50, 30, fs=500)` numerator.
    pub const NOTCH_B: [f64; 3] = [0.9896361753628921, -1.6012649682336106, 0.9896361753628921];
    /// Its denominator.
    pub const NOTCH_A: [f64; 3] = [1.0, -1.6012649682336106, 0.9792723507257841];
    /// `scipy.signal.butter(4, [0.67, 40], btype="band", fs=500)` numerator.
    pub const BANDPASS_B: [f64; 9] = [
        0.00210678134062039,
        0.0,
        -0.00842712536248156,
        0.0,
        0.012640688043722339,
        0.0,
        -0.00842712536248156,
        0.0,
        0.00210678134062039,
    ];
    /// Its denominator.
    pub const BANDPASS_A: [f64; 9] = [
        1.0,
        -6.69982772563499,
        19.691253828465822,
        -33.190544451430235,
        35.11756594006398,
        -23.895107000645453,
        10.212953481905869,
        -2.5068563003602984,
        0.27056222781627265,
    ];
    /// `scipy.signal.lfilter_zi(NOTCH_B, NOTCH_A)`, scipy 1.17.1: solving it here gives the same
    /// to 1e-16, but any last-bit difference is amplified by the band-pass that follows.
    pub const NOTCH_ZI: [f64; 2] = [0.010363824637108, 0.010363824637107907];
    /// `scipy.signal.lfilter_zi(BANDPASS_B, BANDPASS_A)` as scipy 1.17.1 with numpy 2.4.6
    /// (scipy-openblas 0.3.31) computed it:
    /// `python -c "import scipy.signal as s; b, a = s.butter(4, [0.67, 40], btype='band', fs=500); print([repr(float(v)) for v in s.lfilter_zi(b, a)])"`.
    ///
    /// Why stored and not solved: the system `(I − Aᵀ)·zi = B` of this band-pass has condition
    /// number 2.8e13 (its poles hug z = 1), so every solver rounds to a different answer. The
    /// exact rational solution differs from scipy's in the fourth significant digit, and that
    /// moves the first and last filtered samples by about 1e-6, a thousand times the 1e-9 the
    /// golden vector asks. The contract is scipy's numbers, so scipy's initial state is used.
    pub const BANDPASS_ZI: [f64; 8] = [
        -0.002106765096057557,
        -0.0021068739318300172,
        0.006320571306461621,
        0.0063200321405768225,
        -0.00632008543363907,
        -0.00632047359920614,
        0.002106817668239964,
        0.00210677694545528,
    ];
}

/// Steps 1–3 of the `ecgfounder` recipe on one lead: notch, band-pass, minus the running median.
/// At 500 Hz the filters are [`contract_500hz`]; at another rate they are designed for it.
pub fn ecgfounder_filter(x: &[f64], sample_rate_hz: f64) -> Result<Vec<f64>, FilterError> {
    let y = if sample_rate_hz == 500.0 {
        use contract_500hz::*;
        let notch = Iir {
            b: NOTCH_B.to_vec(),
            a: NOTCH_A.to_vec(),
        };
        let band = Iir {
            b: BANDPASS_B.to_vec(),
            a: BANDPASS_A.to_vec(),
        };
        band.filtfilt_from(&notch.filtfilt_from(x, &NOTCH_ZI)?, &BANDPASS_ZI)?
    } else {
        let notch = Iir::notch(NOTCH_HZ, NOTCH_Q, sample_rate_hz)?;
        let band =
            Iir::butter_bandpass(BANDPASS_ORDER, BANDPASS_HZ.0, BANDPASS_HZ.1, sample_rate_hz)?;
        band.filtfilt(&notch.filtfilt(x)?)?
    };
    let kernel = (0.4 * sample_rate_hz) as usize + 1;
    let baseline = median_filter(&y, kernel);
    Ok(y.iter().zip(&baseline).map(|(v, b)| v - b).collect())
}

/// Mean and population standard deviation.
fn mean_std<'a>(values: impl Iterator<Item = &'a f64> + Clone) -> (f64, f64) {
    let (sum, count) = values
        .clone()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    let mean = sum / count.max(1) as f64;
    let var = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / count.max(1) as f64;
    (mean, var.sqrt())
}

fn ecgfounder(windows: &[Vec<f64>], sample_rate_hz: f64) -> Result<Vec<f32>, PrepareError> {
    let filtered = windows
        .iter()
        .zip(Lead::ALL)
        .map(|(w, lead)| {
            ecgfounder_filter(w, sample_rate_hz)
                .map_err(|source| PrepareError::Filter { lead, source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mean, std) = mean_std(filtered.iter().flatten());
    Ok(filtered
        .iter()
        .flatten()
        .map(|v| ((v - mean) / (std + ZSCORE_EPSILON)) as f32)
        .collect())
}

fn per_lead_zscore(windows: &[Vec<f64>]) -> Vec<f32> {
    windows
        .iter()
        .flat_map(|w| {
            let (mean, std) = mean_std(w.iter());
            w.iter()
                .map(move |v| ((v - mean) / (std + ZSCORE_EPSILON)) as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's input, evaluated in numpy's order (`2*np.pi*f*n/fs`) so that it is the same
    /// doubles bit for bit: the order-8 band-pass in (b, a) form amplifies a one-ulp change of
    /// any input sample (1e-13 here) to about 2e-6 at the output (measured with scipy), so the
    /// 1e-9 of the contract holds only for identical inputs. Real ECG samples are integers
    /// scaled once, so they meet that condition.
    fn golden_input() -> Vec<f64> {
        let fs = 500.0;
        (0..5000)
            .map(|n| {
                let s = |f: f64| (2.0 * std::f64::consts::PI * f * n as f64 / fs).sin();
                s(1.0) + 0.5 * s(50.0) + 0.3 * s(0.1) + 0.2 * s(15.0)
            })
            .collect()
    }

    /// model-spec §4 golden vector: steps 1–3 to 1e-9, the z-score to 1e-6.
    #[test]
    fn golden_vector_of_model_spec() {
        let idx = [0, 1, 2, 100, 1000, 2500, 4998, 4999];
        let filtered_expected = [
            -0.2903592335,
            -0.2217195112,
            -0.1609178798,
            0.1514447007,
            0.0,
            0.0,
            0.2029689362,
            0.2168258606,
        ];
        let z_expected = [
            -1.609425894,
            -1.230597009,
            -0.8950272611,
            0.8289302994,
            -0.006906811258,
            -0.006906811258,
            1.113297253,
            1.189774882,
        ];
        let y = ecgfounder_filter(&golden_input(), 500.0).unwrap();
        for (&i, e) in idx.iter().zip(filtered_expected) {
            // The spec prints 10 decimals: the comparison is to the printed precision.
            assert!((y[i] - e).abs() < 1e-9, "y[{i}] = {} vs {e}", y[i]);
        }
        let (mean, std) = mean_std(y.iter());
        assert!((mean - 0.001251439964).abs() < 1e-12, "{mean}");
        assert!((std - 0.1811892417).abs() < 1e-10, "{std}");
        for (&i, e) in idx.iter().zip(z_expected) {
            let z = (y[i] - mean) / (std + ZSCORE_EPSILON);
            assert!((z - e).abs() < 1e-6, "z[{i}] = {z} vs {e}");
        }
    }

    fn filters() -> Vec<(&'static str, Iir, f64)> {
        use contract_500hz::*;
        vec![
            (
                "notch",
                Iir {
                    b: NOTCH_B.to_vec(),
                    a: NOTCH_A.to_vec(),
                },
                1e-12,
            ),
            // The (b, a) band-pass carries about 1e-6 of rounding noise (see contract_500hz).
            (
                "bandpass",
                Iir {
                    b: BANDPASS_B.to_vec(),
                    a: BANDPASS_A.to_vec(),
                },
                1e-5,
            ),
            (
                "lowpass",
                Iir::butter_lowpass(2, 20.0, 500.0).unwrap(),
                1e-12,
            ),
        ]
    }

    /// Property: filtfilt is linear (superposition with random weights and signals).
    #[test]
    fn filters_are_linear() {
        for seed in 0..8u64 {
            let x = crate::signal::test_noise(3000, seed);
            let y = crate::signal::test_noise(3000, seed + 100);
            let (a, b) = (1.0 + seed as f64, -0.5 * seed as f64 + 0.25);
            let mix: Vec<f64> = x.iter().zip(&y).map(|(p, q)| a * p + b * q).collect();
            for (name, f, tol) in filters() {
                let fx = f.filtfilt(&x).unwrap();
                let fy = f.filtfilt(&y).unwrap();
                let fm = f.filtfilt(&mix).unwrap();
                for k in 0..mix.len() {
                    let expected = a * fx[k] + b * fy[k];
                    assert!(
                        (fm[k] - expected).abs() <= tol * (1.0 + a.abs() + b.abs()),
                        "{name} seed {seed} [{k}]"
                    );
                }
            }
        }
    }

    /// Property: filtfilt is zero-phase: the response to a centred impulse is symmetric.
    #[test]
    fn filters_are_zero_phase() {
        for (name, f, tol) in filters() {
            for centre in [1500usize, 1501, 2000] {
                let mut x = vec![0.0; 2 * centre + 1];
                x[centre] = 1.0;
                let h = f.filtfilt(&x).unwrap();
                // Away from the ends, where the odd padding meets the ringing tails.
                for k in 1..500 {
                    assert!((h[centre + k] - h[centre - k]).abs() <= tol, "{name} k={k}");
                }
            }
        }
    }

    fn twelve_leads(samples: usize, rate: f64, seed: u64) -> Ecg {
        use crate::ecg::LeadSignal;
        let leads = Lead::INDEPENDENT
            .iter()
            .enumerate()
            .map(|(i, &lead)| LeadSignal {
                lead,
                samples_uv: crate::signal::test_noise(samples, seed + i as u64)
                    .iter()
                    .map(|v| (v * 500.0) as f32)
                    .collect(),
                derived: false,
            })
            .collect();
        Ecg::new(leads, rate, vec![]).unwrap()
    }

    /// Property: derivation and windowing keep names, order, lengths and say what they did.
    #[test]
    fn windowing_and_derivation_keep_lengths_and_names() {
        for (seed, (samples, rate, start_secs)) in [
            (5000, 500.0, 0.0),
            (7500, 500.0, 2.5),
            (12000, 1000.0, 1.0),
            (3600, 360.0, 0.0),
            (6000, 500.0, 1.999),
        ]
        .into_iter()
        .enumerate()
        {
            let ecg = twelve_leads(samples, rate, seed as u64);
            let derived = ecg.clone().derive_limb_leads();
            assert_eq!(derived.leads().len(), 12);
            for lead in Lead::ALL {
                let signal = derived.lead(lead).unwrap();
                assert_eq!(signal.samples_uv.len(), samples);
                assert_eq!(
                    signal.derived,
                    matches!(lead, Lead::III | Lead::AVR | Lead::AVL | Lead::AVF)
                );
            }
            let i = &derived.lead(Lead::I).unwrap().samples_uv;
            let ii = &derived.lead(Lead::II).unwrap().samples_uv;
            let avr = &derived.lead(Lead::AVR).unwrap().samples_uv;
            assert_eq!(avr[7], -(i[7] + ii[7]) / 2.0);
            for recipe in [Preprocessing::Ecgfounder, Preprocessing::PerLeadZscore] {
                let input = prepare(
                    &ecg,
                    recipe,
                    InputShape::default(),
                    WindowOptions {
                        start_secs,
                        allow_padding: false,
                    },
                )
                .unwrap();
                assert_eq!(input.values.len(), 12 * 5000);
                let kinds: Vec<&str> = input.warnings.iter().map(Warning::kind).collect();
                assert!(kinds.contains(&"derived_leads"));
                assert_eq!(kinds.contains(&"resampled"), rate != 500.0);
                let total_secs = samples as f64 / rate;
                assert_eq!(
                    kinds.contains(&"windowed"),
                    start_secs > 0.0 || total_secs > 10.0
                );
                assert!((input.start_secs - start_secs).abs() <= 1.0 / 500.0);
            }
        }
    }

    #[test]
    fn short_records_are_refused_or_padded() {
        let ecg = twelve_leads(2500, 500.0, 3);
        let err = prepare(
            &ecg,
            Preprocessing::PerLeadZscore,
            InputShape::default(),
            WindowOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, PrepareError::TooShort { .. }), "{err}");
        let padded = prepare(
            &ecg,
            Preprocessing::PerLeadZscore,
            InputShape::default(),
            WindowOptions {
                start_secs: 0.0,
                allow_padding: true,
            },
        )
        .unwrap();
        assert!(padded.warnings.iter().any(|w| w.kind() == "zero_padded"));
        assert_eq!(padded.values.len(), 60_000);
        let err = prepare(
            &ecg,
            Preprocessing::PerLeadZscore,
            InputShape::default(),
            WindowOptions {
                start_secs: 9.0,
                allow_padding: true,
            },
        )
        .unwrap_err();
        assert!(matches!(err, PrepareError::Start { .. }), "{err}");
        let mut only_v = twelve_leads(5000, 500.0, 1).leads().to_vec();
        only_v.retain(|l| l.lead != Lead::II);
        let ecg = Ecg::new(only_v, 500.0, vec![]).unwrap();
        let err = prepare(
            &ecg,
            Preprocessing::Ecgfounder,
            InputShape::default(),
            WindowOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the record lacks leads II, III, aVR, aVL, aVF: the model needs all 12 leads (III, aVR, aVL, aVF can be derived from I and II)"
        );
    }
}
