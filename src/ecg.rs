//! Domain types: a parsed ECG in physical units, its leads, and the warnings that came with it.
//!
//! An [`Ecg`] can only be built through [`Ecg::new`], which checks the invariants every later
//! stage relies on (finite samples, equal lengths, a positive sample rate, no duplicate lead).

use std::fmt;
use std::str::FromStr;

/// The twelve standard leads, in the model's canonical order (model-spec §1).
///
/// `Lead::ALL` is the one place that order is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lead {
    /// Limb lead I (LA − RA).
    I,
    /// Limb lead II (LL − RA).
    II,
    /// Limb lead III (LL − LA).
    III,
    /// Augmented vector right.
    AVR,
    /// Augmented vector left.
    AVL,
    /// Augmented vector foot.
    AVF,
    /// Precordial V1.
    V1,
    /// Precordial V2.
    V2,
    /// Precordial V3.
    V3,
    /// Precordial V4.
    V4,
    /// Precordial V5.
    V5,
    /// Precordial V6.
    V6,
}

impl Lead {
    /// All twelve leads in canonical (model input) order.
    pub const ALL: [Lead; 12] = [
        Lead::I,
        Lead::II,
        Lead::III,
        Lead::AVR,
        Lead::AVL,
        Lead::AVF,
        Lead::V1,
        Lead::V2,
        Lead::V3,
        Lead::V4,
        Lead::V5,
        Lead::V6,
    ];

    /// The eight independent leads (I, II, V1–V6): what most carts record; III, aVR, aVL and
    /// aVF follow from I and II.
    pub const INDEPENDENT: [Lead; 8] = {
        let [i, ii, _iii, _avr, _avl, _avf, v1, v2, v3, v4, v5, v6] = Lead::ALL;
        [i, ii, v1, v2, v3, v4, v5, v6]
    };

    /// The conventional display name (`aVR`, `V1`, …).
    pub fn name(self) -> &'static str {
        match self {
            Lead::I => "I",
            Lead::II => "II",
            Lead::III => "III",
            Lead::AVR => "aVR",
            Lead::AVL => "aVL",
            Lead::AVF => "aVF",
            Lead::V1 => "V1",
            Lead::V2 => "V2",
            Lead::V3 => "V3",
            Lead::V4 => "V4",
            Lead::V5 => "V5",
            Lead::V6 => "V6",
        }
    }

    /// Position of this lead in the model's input tensor.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Lead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A lead name that is not one of the twelve standard leads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a standard 12-lead ECG lead name")]
pub struct UnknownLead(pub String);

impl FromStr for Lead {
    type Err = UnknownLead;

    /// Accepts the spellings vendors use: case-insensitive names (`avr`, `AVR`), `Lead I`,
    /// `MDC_ECG_LEAD_AVR`, and Roman numerals with or without a `lead` prefix.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let mut key = trimmed.to_ascii_uppercase();
        for prefix in ["MDC_ECG_LEAD_", "LEAD_", "LEAD "] {
            if let Some(rest) = key.strip_prefix(prefix) {
                key = rest.trim().to_string();
            }
        }
        let lead = match key.as_str() {
            "I" => Lead::I,
            "II" => Lead::II,
            "III" => Lead::III,
            "AVR" => Lead::AVR,
            "AVL" => Lead::AVL,
            "AVF" => Lead::AVF,
            "V1" => Lead::V1,
            "V2" => Lead::V2,
            "V3" => Lead::V3,
            "V4" => Lead::V4,
            "V5" => Lead::V5,
            "V6" => Lead::V6,
            _ => return Err(UnknownLead(trimmed.to_string())),
        };
        Ok(lead)
    }
}

/// One lead's samples in microvolts.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadSignal {
    /// Which lead this is.
    pub lead: Lead,
    /// Samples in microvolts, at the record's sample rate.
    pub samples_uv: Vec<f32>,
    /// True when the lead was computed from others (Einthoven/Goldberger), not recorded.
    pub derived: bool,
}

/// A recorded channel that is not one of the twelve standard leads (MLII, Frank X/Y/Z, a
/// vendor's extra lead), kept under the name the file gives it, at the record's rate.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSignal {
    /// The name in the file.
    pub name: String,
    /// Samples in microvolts.
    pub samples_uv: Vec<f32>,
}

/// Something the reader noticed and did not repair silently. `Display` says it in words
/// (derived with thiserror for the wording; a warning is returned with a result, not instead).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// A column of the input was not an ECG lead and was left out.
    #[error("column {column} ('{header}') is not an ECG lead and was ignored")]
    ColumnIgnored {
        /// 1-based column number in the source.
        column: usize,
        /// The header text of that column.
        header: String,
    },
    /// The sample rate came from a time column whose steps are not perfectly even.
    #[error(
        "the time column is uneven (a step deviates by {max_deviation_secs:.6} s from the mean step)"
    )]
    UnevenTimeColumn {
        /// Largest deviation of one step from the mean step, in seconds.
        max_deviation_secs: f64,
    },
    /// A channel that is not one of the twelve standard leads (MLII, Frank X/Y/Z …) was left
    /// out.
    #[error("channel '{name}' is not one of the 12 standard leads and was left out")]
    ChannelIgnored {
        /// Its name in the file.
        name: String,
    },
    /// The array was stored samples × leads and was transposed.
    #[error("the array is {rows} × {cols} (samples × leads) and was transposed")]
    Transposed {
        /// Rows as stored.
        rows: usize,
        /// Columns as stored.
        cols: usize,
    },
    /// The file names no leads and gives no unit: the fixed order and millivolts were assumed.
    #[error("the file names no leads: rows read as {} in millivolts", lead_list(.leads))]
    AssumedLayout {
        /// The lead order assumed.
        leads: Vec<Lead>,
    },
    /// The file holds several segments (sequence sets); only the first is used.
    #[error("the file holds {total} segments; only the first {used} used")]
    SegmentsIgnored {
        /// Segments used.
        used: usize,
        /// Segments in the file.
        total: usize,
    },
    /// The cart's calibration segment (a 1 mV pulse) at the end of the record was cut off.
    #[error("the calibration pulse after {from_secs:.3} s was removed")]
    CalibrationPulseRemoved {
        /// Where the record now ends.
        from_secs: f64,
    },
    /// A signal's stored checksum does not match its samples: the file may be damaged.
    #[error("the checksum of {channel} does not match its samples: the file may be damaged")]
    ChecksumMismatch {
        /// The channel (lead name as the file gives it).
        channel: String,
    },
    /// The file marks some samples as missing; each was replaced by the previous valid value.
    #[error("{count} samples of {channel} are marked missing and hold the previous value")]
    MissingSamples {
        /// The channel.
        channel: String,
        /// How many samples.
        count: usize,
    },
    /// Leads computed from I and II (Einthoven/Goldberger) because the source lacked them.
    #[error("{} computed from leads I and II (not recorded)", lead_list(.leads))]
    DerivedLeads {
        /// The leads computed.
        leads: Vec<Lead>,
    },
    /// The signal was resampled to the model's rate.
    #[error("resampled from {from_hz} Hz to {to_hz} Hz")]
    Resampled {
        /// Rate of the source.
        from_hz: f64,
        /// Rate after resampling.
        to_hz: f64,
    },
    /// Only part of the record was used.
    #[error("used {duration_secs} s from {start_secs} s of a {record_secs:.3} s record")]
    Windowed {
        /// Start of the window used, seconds from the start of the record.
        start_secs: f64,
        /// Length of the window used.
        duration_secs: f64,
        /// Length of the whole record.
        record_secs: f64,
    },
    /// The record was shorter than the model's input and zeros were appended, because the
    /// caller allowed it.
    #[error("the record is {padded_secs:.3} s too short; zeros were appended as requested")]
    ZeroPadded {
        /// Seconds of zeros appended.
        padded_secs: f64,
    },
    /// The file stored part of the signal at a lower rate (SCP-ECG bimodal compression: one
    /// mean per `factor` samples outside the QRS complexes); those stretches were interpolated
    /// back to the full rate, so their fine detail is the cart's approximation.
    #[error("outside the QRS complexes the file keeps one value per {factor} samples \
        (SCP bimodal compression); those stretches ({:.0} % of the record) were interpolated \
        back to the full rate", interpolated_percent(.full_rate_share))]
    Interpolated {
        /// Samples per stored value outside the protected zones.
        factor: usize,
        /// Share of each lead, 0 to 1, that was stored at the full rate.
        full_rate_share: f64,
    },
    /// A channel recorded several samples per frame (WFDB) was averaged to one sample per frame
    /// so that every lead shares the record's rate (wfdb-python's default reading, too).
    #[error(
        "{channel} has {samples_per_frame} samples per frame; they were averaged to one per \
        frame, the rate of the other channels"
    )]
    FramesAveraged {
        /// The channel.
        channel: String,
        /// Its samples per frame.
        samples_per_frame: usize,
    },
}

impl Warning {
    /// A stable snake_case name for machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            Warning::ColumnIgnored { .. } => "column_ignored",
            Warning::UnevenTimeColumn { .. } => "uneven_time_column",
            Warning::ChannelIgnored { .. } => "channel_ignored",
            Warning::SegmentsIgnored { .. } => "segments_ignored",
            Warning::Transposed { .. } => "transposed",
            Warning::AssumedLayout { .. } => "assumed_layout",
            Warning::CalibrationPulseRemoved { .. } => "calibration_pulse_removed",
            Warning::ChecksumMismatch { .. } => "checksum_mismatch",
            Warning::MissingSamples { .. } => "missing_samples",
            Warning::DerivedLeads { .. } => "derived_leads",
            Warning::Resampled { .. } => "resampled",
            Warning::Windowed { .. } => "windowed",
            Warning::ZeroPadded { .. } => "zero_padded",
            Warning::Interpolated { .. } => "interpolated",
            Warning::FramesAveraged { .. } => "frames_averaged",
        }
    }
}

/// Lead names joined by commas: "III, aVR, aVL".
fn lead_list(leads: &[Lead]) -> String {
    let names: Vec<&str> = leads.iter().map(|lead| lead.name()).collect();
    names.join(", ")
}

/// The share of a bimodal record that was interpolated, per cent.
fn interpolated_percent(full_rate_share: &f64) -> f64 {
    100.0 * (1.0 - full_rate_share)
}

/// The sample rates a record may have, in hertz: from 1 Hz (which the quality gate still calls
/// unusable, with the reason) to 20 kHz (beyond any ECG cart). A rate outside it is refused where
/// the record is built, so no arithmetic that depends on the rate meets 1e300 or 1e-300.
pub const SAMPLE_RATE_RANGE_HZ: std::ops::RangeInclusive<f64> = 1.0..=20_000.0;

/// `rate_hz` if it is within [`SAMPLE_RATE_RANGE_HZ`]. Readers call it as soon as they know the
/// rate, before any size computed from it.
pub fn check_sample_rate(rate_hz: f64) -> Result<f64, EcgError> {
    if SAMPLE_RATE_RANGE_HZ.contains(&rate_hz) {
        Ok(rate_hz)
    } else {
        Err(EcgError::SampleRate(rate_hz))
    }
}

/// A rate (or any measure from a file) as a person reads it: "1e300", "0.5", "NaN", never
/// three hundred digits.
pub(crate) struct RateText(pub(crate) f64);

impl fmt::Display for RateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.is_finite() && v != 0.0 && !(1e-3..1e7).contains(&v.abs()) {
            write!(f, "{v:e}")
        } else {
            write!(f, "{v}")
        }
    }
}

/// Why an [`Ecg`] could not be built from the given parts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EcgError {
    /// The sample rate is not a number within [`SAMPLE_RATE_RANGE_HZ`].
    #[error("sample rate {} Hz is outside the {} to {} Hz this tool reads",
        RateText(*.0), SAMPLE_RATE_RANGE_HZ.start(), SAMPLE_RATE_RANGE_HZ.end())]
    SampleRate(f64),
    /// No lead at all.
    #[error("the record has no leads")]
    NoLeads,
    /// A lead has no samples.
    #[error("lead {0} has no samples")]
    Empty(Lead),
    /// Two leads have different lengths.
    #[error("lead {lead} has {found} samples but lead {first} has {expected}")]
    LengthMismatch {
        /// The lead whose length differs.
        lead: Lead,
        /// Its length.
        found: usize,
        /// The first lead.
        first: Lead,
        /// The first lead's length.
        expected: usize,
    },
    /// A sample is NaN or infinite.
    #[error("lead {lead} sample {sample_index} is not finite")]
    NotFinite {
        /// The lead.
        lead: Lead,
        /// Index of the sample.
        sample_index: usize,
    },
    /// The same lead appears twice.
    #[error("lead {0} appears more than once")]
    Duplicate(Lead),
    /// A non-standard channel breaks the record's invariants.
    #[error("channel '{name}': {problem}")]
    OtherChannel {
        /// The channel's name.
        name: String,
        /// What is wrong (length or a non-finite sample).
        problem: String,
    },
}

/// What a file says about its acquisition, none of it identifying a patient: the device, when
/// the ECG was taken (as the file writes it), and the filters the cart applied. Each is absent
/// when the file does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcquisitionInfo {
    /// Manufacturer and model as the file names them ("MAC P", "Mortara el250", "PageWriter Touch").
    pub device: Option<String>,
    /// Date and time of acquisition as the file gives it (format varies by vendor).
    pub acquired: Option<String>,
    /// Filters applied by the cart ("high-pass 0.56 Hz, low-pass 150 Hz, mains 50 Hz").
    pub cart_filters: Option<String>,
}

impl AcquisitionInfo {
    /// "high-pass 0.56 Hz, low-pass 150 Hz, mains 50 Hz" from whichever corners are known.
    pub fn describe_filters(
        high_pass_hz: Option<f64>,
        low_pass_hz: Option<f64>,
        mains_hz: Option<f64>,
    ) -> Option<String> {
        let parts: Vec<String> = [
            ("high-pass", high_pass_hz),
            ("low-pass", low_pass_hz),
            ("mains", mains_hz),
        ]
        .iter()
        .filter_map(|(name, hz)| hz.filter(|v| *v > 0.0).map(|v| format!("{name} {v} Hz")))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// A parsed ECG: named leads in physical units at one sample rate.
///
/// Invariants (checked by [`Ecg::new`]): at least one lead, every lead non-empty and of the
/// same length, every sample finite, no lead twice, a sample rate within
/// [`SAMPLE_RATE_RANGE_HZ`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ecg {
    leads: Vec<LeadSignal>,
    sample_rate_hz: f64,
    warnings: Vec<Warning>,
    info: AcquisitionInfo,
    others: Vec<NamedSignal>,
}

impl Ecg {
    /// Builds a record, checking its invariants.
    pub fn new(
        leads: Vec<LeadSignal>,
        sample_rate_hz: f64,
        warnings: Vec<Warning>,
    ) -> Result<Self, EcgError> {
        check_sample_rate(sample_rate_hz)?;
        let first = leads.first().ok_or(EcgError::NoLeads)?;
        let (first_lead, expected) = (first.lead, first.samples_uv.len());
        for (i, signal) in leads.iter().enumerate() {
            if signal.samples_uv.is_empty() {
                return Err(EcgError::Empty(signal.lead));
            }
            if signal.samples_uv.len() != expected {
                return Err(EcgError::LengthMismatch {
                    lead: signal.lead,
                    found: signal.samples_uv.len(),
                    first: first_lead,
                    expected,
                });
            }
            if let Some(sample_index) = signal.samples_uv.iter().position(|v| !v.is_finite()) {
                return Err(EcgError::NotFinite {
                    lead: signal.lead,
                    sample_index,
                });
            }
            if leads[..i].iter().any(|other| other.lead == signal.lead) {
                return Err(EcgError::Duplicate(signal.lead));
            }
        }
        Ok(Self {
            leads,
            sample_rate_hz,
            warnings,
            info: AcquisitionInfo::default(),
            others: Vec::new(),
        })
    }

    /// The record with channels that are not standard leads, checked like the leads: the same
    /// length, finite samples.
    pub fn with_other_channels(mut self, others: Vec<NamedSignal>) -> Result<Self, EcgError> {
        let expected = self.samples_per_lead();
        for other in &others {
            let problem = if other.samples_uv.len() != expected {
                Some(format!(
                    "{} samples, but the leads have {expected}",
                    other.samples_uv.len()
                ))
            } else {
                other
                    .samples_uv
                    .iter()
                    .position(|v| !v.is_finite())
                    .map(|i| format!("sample {i} is not finite"))
            };
            if let Some(problem) = problem {
                return Err(EcgError::OtherChannel {
                    name: other.name.clone(),
                    problem,
                });
            }
        }
        self.others = others;
        Ok(self)
    }

    /// Recorded channels that are not standard leads, under their names in the file.
    pub fn other_channels(&self) -> &[NamedSignal] {
        &self.others
    }

    /// The record with what its file says about the acquisition.
    pub fn with_info(mut self, info: AcquisitionInfo) -> Self {
        self.info = info;
        self
    }

    /// Device, acquisition time and cart filters, where the file gives them.
    pub fn info(&self) -> &AcquisitionInfo {
        &self.info
    }

    /// The leads, in the order the source stored them.
    pub fn leads(&self) -> &[LeadSignal] {
        &self.leads
    }

    /// One lead's signal, if the record has it.
    pub fn lead(&self, lead: Lead) -> Option<&LeadSignal> {
        self.leads.iter().find(|signal| signal.lead == lead)
    }

    /// Sample rate in hertz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// Number of samples per lead.
    pub fn samples_per_lead(&self) -> usize {
        self.leads
            .first()
            .map_or(0, |signal| signal.samples_uv.len())
    }

    /// Duration in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.samples_per_lead() as f64 / self.sample_rate_hz
    }

    /// What the reader noticed while building this record.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Adds III, aVR, aVL and aVF computed from I and II where the record lacks them
    /// (Einthoven and Goldberger, model-spec §5: `III = II − I`, `aVR = −(I + II)/2`,
    /// `aVL = I − II/2`, `aVF = II − I/2`), flagged `derived` and announced by a
    /// [`Warning::DerivedLeads`]. Leads already present are kept as recorded. Without both I
    /// and II nothing can be derived and the record is returned as it is.
    pub fn derive_limb_leads(mut self) -> Ecg {
        let missing: Vec<Lead> = [Lead::III, Lead::AVR, Lead::AVL, Lead::AVF]
            .into_iter()
            .filter(|lead| self.lead(*lead).is_none())
            .collect();
        let (Some(i), Some(ii)) = (self.lead(Lead::I), self.lead(Lead::II)) else {
            return self;
        };
        if missing.is_empty() {
            return self;
        }
        let derived: Vec<LeadSignal> = missing
            .iter()
            .map(|&lead| LeadSignal {
                lead,
                samples_uv: i
                    .samples_uv
                    .iter()
                    .zip(&ii.samples_uv)
                    .map(|(&a, &b)| match lead {
                        Lead::III => b - a,
                        Lead::AVR => -(a + b) / 2.0,
                        Lead::AVL => a - b / 2.0,
                        _ => b - a / 2.0,
                    })
                    .collect(),
                derived: true,
            })
            .collect();
        // Same length and finite inputs give same-length finite outputs: invariants hold.
        self.leads.extend(derived);
        self.warnings.push(Warning::DerivedLeads { leads: missing });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(lead: Lead, samples_uv: Vec<f32>) -> LeadSignal {
        LeadSignal {
            lead,
            samples_uv,
            derived: false,
        }
    }

    #[test]
    fn vendor_spellings_parse() {
        for (text, lead) in [
            ("aVR", Lead::AVR),
            ("AVR", Lead::AVR),
            ("avr", Lead::AVR),
            ("MDC_ECG_LEAD_AVR", Lead::AVR),
            ("Lead II", Lead::II),
            (" v6 ", Lead::V6),
        ] {
            assert_eq!(text.parse::<Lead>(), Ok(lead), "{text}");
        }
        assert!("V7".parse::<Lead>().is_err());
        assert!("time (s)".parse::<Lead>().is_err());
    }

    #[test]
    fn canonical_order_matches_index() {
        for (i, lead) in Lead::ALL.iter().enumerate() {
            assert_eq!(lead.index(), i);
            assert_eq!(lead.name().parse::<Lead>(), Ok(*lead));
        }
    }

    #[test]
    fn invariants_are_checked() {
        let ok = Ecg::new(vec![signal(Lead::I, vec![1.0, 2.0])], 500.0, vec![]).unwrap();
        assert_eq!(ok.samples_per_lead(), 2);
        assert!((ok.duration_secs() - 0.004).abs() < 1e-12);

        assert_eq!(
            Ecg::new(vec![signal(Lead::I, vec![1.0])], 0.0, vec![]),
            Err(EcgError::SampleRate(0.0))
        );
        assert_eq!(Ecg::new(vec![], 500.0, vec![]), Err(EcgError::NoLeads));
        assert!(matches!(
            Ecg::new(
                vec![signal(Lead::I, vec![1.0, 2.0]), signal(Lead::II, vec![1.0])],
                500.0,
                vec![]
            ),
            Err(EcgError::LengthMismatch { lead: Lead::II, .. })
        ));
        assert_eq!(
            Ecg::new(vec![signal(Lead::V1, vec![1.0, f32::NAN])], 500.0, vec![]),
            Err(EcgError::NotFinite {
                lead: Lead::V1,
                sample_index: 1
            })
        );
        assert_eq!(
            Ecg::new(
                vec![signal(Lead::I, vec![1.0]), signal(Lead::I, vec![2.0])],
                500.0,
                vec![]
            ),
            Err(EcgError::Duplicate(Lead::I))
        );
    }
}

/// Whose fault a failure is: one vocabulary for the readers, the report, the command line and
/// the page. The readers use the first four; the steps after reading and the page the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file breaks its own format's rules.
    Malformed,
    /// A valid file using something not handled.
    Unsupported,
    /// Over a [`crate::formats::Limits`] bound.
    Limit,
    /// What the caller supplied (options, sample rate) is wrong or missing.
    InvalidInput,
    /// The system could not read a file.
    Io,
    /// The quality gate called the record unusable.
    Quality,
    /// The record could not become the model input.
    Preprocess,
    /// The forward pass failed.
    Inference,
    /// A model file is unusable, or none is loaded.
    Model,
    /// Drawing failed.
    Render,
    /// No saliency map could be made.
    Explain,
    /// A failure that is nobody's input's fault.
    Internal,
}

impl ErrorKind {
    /// The stable lower-case name (`malformed` … `internal`), as serialised.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "malformed",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Limit => "limit",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Io => "io",
            ErrorKind::Quality => "quality",
            ErrorKind::Preprocess => "preprocess",
            ErrorKind::Inference => "inference",
            ErrorKind::Model => "model",
            ErrorKind::Render => "render",
            ErrorKind::Explain => "explain",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
