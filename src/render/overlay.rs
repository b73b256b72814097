//! What is drawn over the traces: the saliency shading and the leads the quality gate flags.

use crate::ecg::Lead;
use crate::signal::quality::{FindingKind, Quality, Verdict};

/// Attribution to shade under the traces: per lead (in [`Lead::ALL`] order, `None` for a lead
/// without a map), on the record's own samples, scaled to 0..=1.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// Says what is shaded ("RCA, input × gradient").
    pub label: String,
    /// One weight per record sample, per lead.
    pub weights: Vec<Option<Vec<f32>>>,
}

impl Overlay {
    /// From a saliency map `[12, samples]` in [`Lead::ALL`] order: the absolute attribution,
    /// smoothed over `smooth_secs` (a moving maximum, so a narrow peak keeps its height), then
    /// divided by its largest value over all leads, so that leads compare.
    pub fn from_map(map: &[f32], samples: usize, sample_rate_hz: f64, label: String) -> Self {
        let half = ((0.02 * sample_rate_hz).round() as usize).max(1);
        let leads = map.len() / samples.max(1);
        let smoothed: Vec<Vec<f32>> = (0..leads)
            .map(|l| {
                let row: Vec<f32> = map[l * samples..(l + 1) * samples]
                    .iter()
                    .map(|v| v.abs())
                    .collect();
                (0..samples)
                    .map(|i| {
                        let (a, b) = (i.saturating_sub(half), (i + half + 1).min(samples));
                        row[a..b].iter().copied().fold(0.0, f32::max)
                    })
                    .collect()
            })
            .collect();
        let top = smoothed
            .iter()
            .flatten()
            .copied()
            .fold(0.0f32, f32::max)
            .max(f32::MIN_POSITIVE);
        let weights = (0..Lead::ALL.len())
            .map(|l| {
                smoothed
                    .get(l)
                    .map(|row| row.iter().map(|v| v / top).collect())
            })
            .collect();
        Self { label, weights }
    }

    pub(crate) fn lead(&self, lead: Lead) -> Option<&[f32]> {
        self.weights.get(lead.index())?.as_deref()
    }
}

/// A lead the quality check flags, and the word that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFlag {
    /// The lead.
    pub lead: Lead,
    /// Short reason written on the sheet ("noise", "clipped").
    pub text: String,
}

/// What the quality gate found, as the sheet shows it: each lead with a finding above `ok` is
/// outlined with the finding's short label, and record-wide findings become notes under the
/// settings. The page and the command line's `render` mark a sheet the same way.
pub fn quality_marks(quality: &Quality) -> (Vec<LeadFlag>, Vec<String>) {
    let mut flags = Vec::new();
    let mut notes = Vec::new();
    for finding in quality.findings.iter().filter(|f| f.severity > Verdict::Ok) {
        let lead = finding.lead.and_then(|name| name.parse::<Lead>().ok());
        if let Some(lead) = lead {
            flags.push(LeadFlag {
                lead,
                text: finding.kind.label().into(),
            });
        }
        // A suspected lead swap names both leads, which one flag cannot: its sentence goes on
        // the sheet as well.
        if lead.is_none() || finding.kind == FindingKind::LeadSwap {
            notes.push(format!(
                "Quality ({}): {}",
                finding.severity.name(),
                finding.message
            ));
        }
    }
    (flags, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::quality::Finding;

    fn finding(kind: FindingKind, lead: Option<&'static str>, severity: Verdict) -> Finding {
        Finding {
            kind,
            lead,
            severity,
            value: 0.0,
            threshold: 0.0,
            message: format!("{kind:?} message"),
        }
    }

    /// A lead with a finding above `ok` is outlined with the finding's label; a finding of the
    /// whole record becomes a note that says its severity; `ok` findings mark nothing.
    #[test]
    fn quality_findings_become_outlined_leads_and_notes() {
        let quality = Quality {
            verdict: Verdict::Unusable,
            findings: vec![
                finding(FindingKind::Flat, Some("V3"), Verdict::Unusable),
                finding(
                    FindingKind::HighFrequencyNoise,
                    Some("aVL"),
                    Verdict::Caution,
                ),
                finding(FindingKind::FewBeats, None, Verdict::Caution),
                finding(FindingKind::Powerline, Some("V5"), Verdict::Ok),
            ],
        };
        let (flags, notes) = quality_marks(&quality);
        assert_eq!(
            flags,
            vec![
                LeadFlag {
                    lead: Lead::V3,
                    text: FindingKind::Flat.label().into()
                },
                LeadFlag {
                    lead: Lead::AVL,
                    text: FindingKind::HighFrequencyNoise.label().into()
                },
            ]
        );
        assert_eq!(
            notes,
            vec!["Quality (caution): FewBeats message".to_string()]
        );
    }

    /// A suspected lead swap outlines its lead and is also named in a note.
    #[test]
    fn a_lead_swap_is_named_on_the_sheet() {
        let quality = Quality {
            verdict: Verdict::Unusable,
            findings: vec![finding(
                FindingKind::LeadSwap,
                Some("V2"),
                Verdict::Unusable,
            )],
        };
        let (flags, notes) = quality_marks(&quality);
        assert_eq!(
            flags,
            vec![LeadFlag {
                lead: Lead::V2,
                text: FindingKind::LeadSwap.label().into()
            }]
        );
        assert_eq!(
            notes,
            vec!["Quality (unusable): LeadSwap message".to_string()]
        );
    }
}
