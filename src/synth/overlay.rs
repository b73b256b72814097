//! Territorial patterns added onto a recording that already exists (issue 22, demonstration
//! model v2): what the generator's pattern for a stenosed vessel changes in a normal beat (its
//! ST shift, the T flattening or inversion, LCX's taller anterior R, Q waves and the lost
//! septal force of an old infarction: the beat with the pattern less the same beat without it),
//! placed on each of the record's own beats (its R peaks, its RR
//! intervals for the QT), turned and scaled by a drawn "patient" as the generator's are, and
//! projected to the twelve leads by the same Dower matrix and lead definitions. Added to the
//! recorded samples, it gives a real background with a known, invented pattern: the labels are
//! the pattern's, never a patient's.

use super::{Beat, Findings, Forces, Patient, Timing, add, dipole, leads_from_dipole, scale};
use crate::ecg::{Ecg, LeadSignal};
use crate::rng::SplitMix64;

/// PTB-XL's diagnostic statements of class `MI` (`scp_statements.csv`, column
/// `diagnostic_class`): infarctions and injury currents in every territory. A record with any of
/// them carries a real territorial pattern of its own, so it is no pattern-free background.
pub const INFARCT_STATEMENTS: [&str; 14] = [
    "IMI", "ASMI", "ILMI", "AMI", "ALMI", "INJAS", "LMI", "INJAL", "IPLMI", "IPMI", "INJIN",
    "INJLA", "PMI", "INJIL",
];

/// PTB-XL's stratified folds that training never sees (the dataset's own recommendation:
/// folds 9 and 10 for validation and test; each patient's records lie in one fold).
pub const HELD_OUT_FOLDS: [u8; 2] = [9, 10];

/// Whether a PTB-XL `scp_codes` cell (`{'IMI': 100.0, 'SR': 0.0}`) names an infarct statement,
/// at any likelihood.
pub fn has_infarct_statement(scp_codes: &str) -> bool {
    scp_codes
        .trim_matches(|c| c == '{' || c == '}')
        .split(',')
        .filter_map(|entry| entry.split(':').next())
        .map(|code| code.trim().trim_matches(|c| c == '\'' || c == '"'))
        .any(|code| INFARCT_STATEMENTS.contains(&code))
}

/// Why a pattern could not be laid on a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OverlayError {
    /// A pattern needs beats to sit on.
    #[error("the record has no detected beats to lay a pattern on")]
    NoBeats,
    /// An R peak lies outside the record.
    #[error("R peak at sample {0} lies outside the record of {1} samples")]
    PeakOutside(usize, usize),
    /// A severity outside 0–1 (or not a number).
    #[error("pattern severity {0} is outside 0 to 1")]
    Severity(f64),
}

/// RR intervals outside this range (s) are taken as the record's median RR instead (a missed
/// or an extra detection must not stretch a QT to seconds).
const RR_RANGE: (f64, f64) = (0.3, 2.0);

/// `ecg` with each vessel's pattern at `patterns[v]` (0 = none, 1 = marked) and old Q waves
/// where `q_waves[v]`, laid on the beats at `r_peaks` (samples of `ecg`). `seed` draws the
/// heart's orientation, size and intervals the pattern is turned and timed with. Every lead of
/// the record gets the pattern's projection onto it; the samples of other channels are kept.
pub fn overlay_patterns(
    ecg: &Ecg,
    r_peaks: &[usize],
    patterns: [f64; 4],
    q_waves: [bool; 4],
    seed: u64,
) -> Result<Ecg, OverlayError> {
    if let Some(&bad) = patterns.iter().find(|s| !(0.0..=1.0).contains(*s)) {
        return Err(OverlayError::Severity(bad));
    }
    let n = ecg.samples_per_lead();
    if r_peaks.is_empty() {
        return Err(OverlayError::NoBeats);
    }
    if let Some(&bad) = r_peaks.iter().find(|&&r| r >= n) {
        return Err(OverlayError::PeakOutside(bad, n));
    }
    let fs = ecg.sample_rate_hz();
    let mut root = SplitMix64::new(seed ^ 0x0FE4_1A70_0B5E);
    let patient = Patient::draw(&mut root.fork(1));
    let findings = Findings {
        patterns,
        q_waves,
        confounder: None,
        nonspecific: [0.0; 3],
    };
    let mut rr: Vec<f64> = r_peaks
        .windows(2)
        .map(|w| w[1].abs_diff(w[0]) as f64 / fs)
        .filter(|rr| (RR_RANGE.0..=RR_RANGE.1).contains(rr))
        .collect();
    rr.sort_by(f64::total_cmp);
    let median_rr = rr.get(rr.len() / 2).copied().unwrap_or(patient.rr);
    let beats: Vec<Beat> = r_peaks
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let own = r_peaks
                .get(i + 1)
                .map(|&next| next.abs_diff(r) as f64 / fs)
                .filter(|rr| (RR_RANGE.0..=RR_RANGE.1).contains(rr))
                .unwrap_or(median_rr);
            let timing = Timing::of(&patient, None, own);
            let mut with = Forces::normal();
            with.apply_patterns(&findings, timing.onset, timing.qrs);
            let (mut waves, st) = with.into_waves(&patient, &timing);
            // The pattern is what it changes in the drawn patient's normal beat: the same
            // waves, less the normal ones (a normal beat has no ST shift and no extra wave).
            let (normal, _) = Forces::normal().into_waves(&patient, &timing);
            for (wave, normal) in waves.iter_mut().zip(&normal) {
                wave.amplitude = add(wave.amplitude, scale(normal.amplitude, -1.0));
            }
            Beat {
                r_time: r as f64 / fs,
                waves,
                st,
            }
        })
        .collect();
    let pattern = leads_from_dipole(&dipole(&patient, &beats, n, fs), None, fs);
    let leads: Vec<LeadSignal> = ecg
        .leads()
        .iter()
        .map(|signal| {
            let mut signal = signal.clone();
            if let Some(add) = pattern.iter().find(|p| p.lead == signal.lead) {
                for (x, d) in signal.samples_uv.iter_mut().zip(&add.samples_uv) {
                    *x += d;
                }
            }
            signal
        })
        .collect();
    let warnings = ecg.warnings().to_vec();
    Ok(Ecg::new(leads, fs, warnings)
        .expect("the record's own shape")
        .with_info(ecg.info().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecg::Lead;
    use crate::synth::{SynthConfig, generate};

    fn st_level(ecg: &Ecg, lead: Lead, r_peaks: &[usize]) -> f64 {
        // Mean of the samples 120 ms after each R peak (the ST segment).
        let x = &ecg.lead(lead).unwrap().samples_uv;
        let at: Vec<f64> = r_peaks
            .iter()
            .filter_map(|&r| x.get(r + 60).map(|&v| f64::from(v)))
            .collect();
        at.iter().sum::<f64>() / at.len() as f64
    }

    #[test]
    fn an_inferior_pattern_depresses_the_inferior_st_segment_and_nothing_else_changes() {
        let case = generate(
            5,
            &SynthConfig {
                forced_patterns: Some([0.0; 4]),
                ..SynthConfig::default()
            },
        );
        let none = overlay_patterns(&case.ecg, &case.r_peaks, [0.0; 4], [false; 4], 1).unwrap();
        assert_eq!(none.leads(), case.ecg.leads(), "no pattern adds nothing");
        let rca = overlay_patterns(
            &case.ecg,
            &case.r_peaks,
            [0.8, 0.0, 0.0, 0.0],
            [false; 4],
            1,
        )
        .unwrap();
        for lead in [Lead::II, Lead::III, Lead::AVF] {
            let change =
                st_level(&rca, lead, &case.r_peaks) - st_level(&case.ecg, lead, &case.r_peaks);
            assert!(change < -40.0, "{lead:?}: ST moved {change:.1} µV");
        }
        let change = st_level(&rca, Lead::AVL, &case.r_peaks)
            - st_level(&case.ecg, Lead::AVL, &case.r_peaks);
        assert!(change > 0.0, "aVL is reciprocal: {change:.1} µV");
        // Einthoven holds on the pattern as on the record: III = II − I.
        let (i, ii, iii) = (
            &rca.lead(Lead::I).unwrap().samples_uv,
            &rca.lead(Lead::II).unwrap().samples_uv,
            &rca.lead(Lead::III).unwrap().samples_uv,
        );
        let worst = (0..i.len())
            .map(|k| (iii[k] - (ii[k] - i[k])).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 0.05, "{worst}");
    }

    #[test]
    fn infarct_statements_are_read_from_the_scp_codes_cell() {
        assert!(has_infarct_statement("{'IMI': 100.0, 'SR': 0.0}"));
        assert!(has_infarct_statement("{'NORM': 80.0, 'ASMI': 0.0}"));
        assert!(!has_infarct_statement("{'NORM': 100.0, 'SR': 0.0}"));
        // PMI is a statement, not a prefix: IMIX or LPMI would not be one.
        assert!(!has_infarct_statement("{'LAFB': 100.0, 'ISCAL': 50.0}"));
        assert!(!has_infarct_statement(""));
    }

    #[test]
    fn bad_input_is_refused() {
        let case = generate(6, &SynthConfig::default());
        let ecg = &case.ecg;
        assert_eq!(
            overlay_patterns(ecg, &[], [0.5; 4], [false; 4], 1).unwrap_err(),
            OverlayError::NoBeats
        );
        assert_eq!(
            overlay_patterns(ecg, &[10, 99_999], [0.5; 4], [false; 4], 1).unwrap_err(),
            OverlayError::PeakOutside(99_999, 5000)
        );
        assert!(matches!(
            overlay_patterns(ecg, &case.r_peaks, [f64::NAN, 0.0, 0.0, 0.0], [false; 4], 1),
            Err(OverlayError::Severity(_))
        ));
    }
}
