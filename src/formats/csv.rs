//! Delimited text: a header line naming the leads, one column per lead, one row per sample,
//! values in millivolts unless the header gives a unit (`I (uV)`, `V1_mV`, `aVR [µV]`); an
//! optional time column gives the sample rate. The transposed layout (one line per lead, its
//! name first) is read too, and with `;` or tab delimiters a decimal comma is accepted.
//!
//! ```text
//! time (s),I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6
//! 0.0,0.028,0.007,-0.021,...
//! ```
//!
//! The delimiter is the one of `,`, `;` and tab that occurs most often in the header. Lines
//! starting with `#` and blank lines are skipped. A column whose header is neither a lead name
//! nor a time column is left out with a [`Warning::ColumnIgnored`]. Line numbers in errors are
//! 1-based and count every line of the file. Cell text is never echoed in an error: it could be
//! anything the exporting system put there, patient data included.

use crate::ecg::{Ecg, EcgError, Lead, LeadSignal, Warning};
use crate::formats::{ErrorKind, Limits};

/// What the caller knows that the file may not say.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CsvOptions {
    /// Sample rate in hertz, required when the file has no time column.
    pub sample_rate_hz: Option<f64>,
}

/// Why a delimited-text ECG could not be read. Every variant says where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// Zero bytes, or nothing but blank and comment lines.
    #[error("the file is empty")]
    Empty,
    /// Not UTF-8 text.
    #[error("byte {byte_offset}: the file is not UTF-8 text")]
    NotText {
        /// Offset of the first invalid byte.
        byte_offset: usize,
    },
    /// The header names no standard lead.
    #[error(
        "line {line}: the header names no ECG lead (expected column names such as I, II, V1; values in mV)"
    )]
    NoLeadColumns {
        /// Line of the header.
        line: usize,
    },
    /// Two columns name the same lead.
    #[error("line {line}: column {column} repeats lead {lead}")]
    DuplicateLead {
        /// Line of the header.
        line: usize,
        /// 1-based column number of the second occurrence.
        column: usize,
        /// The repeated lead.
        lead: Lead,
    },
    /// Two columns look like time columns.
    #[error("line {line}: column {column} is a second time column")]
    DuplicateTime {
        /// Line of the header.
        line: usize,
        /// 1-based column number.
        column: usize,
    },
    /// A row has a different number of cells than the header.
    #[error("line {line}: {found} values, but the header has {expected} columns")]
    RaggedRow {
        /// The offending line.
        line: usize,
        /// Cells found on it.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A cell in a lead or time column is not a finite number.
    #[error("line {line}, column {column} ({header}): not a finite number")]
    NotANumber {
        /// The offending line.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// The column's header (a lead or time name, never cell content).
        header: String,
    },
    /// A header line but no data rows.
    #[error("line {line}: the header is followed by no data rows")]
    NoRows {
        /// Line of the header.
        line: usize,
    },
    /// Time values that do not increase.
    #[error("line {line}: the time column does not increase")]
    TimeNotIncreasing {
        /// The offending line.
        line: usize,
    },
    /// No usable time column (none, or a single row) and no sample rate from the caller.
    #[error(
        "the file does not give its sample rate (no time column, or a single row): please give the sample rate in Hz"
    )]
    SampleRateNeeded,
    /// The caller's sample rate is outside [`crate::ecg::SAMPLE_RATE_RANGE_HZ`].
    #[error("the given sample rate {} Hz is outside the {} to {} Hz this tool reads",
        crate::ecg::RateText(*.0), crate::ecg::SAMPLE_RATE_RANGE_HZ.start(),
        crate::ecg::SAMPLE_RATE_RANGE_HZ.end())]
    BadSampleRate(f64),
    /// The caller's sample rate contradicts the time column.
    #[error(
        "the time column implies {from_time_hz:.3} Hz but {given_hz} Hz was given; leave the rate empty to use the file's"
    )]
    SampleRateConflict {
        /// Rate implied by the time column.
        from_time_hz: f64,
        /// Rate the caller gave.
        given_hz: f64,
    },
    /// Input larger than [`Limits::max_bytes`].
    #[error("the file is {bytes} bytes; the limit is {limit}")]
    TooLarge {
        /// Size of the input.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// More columns than [`Limits::max_columns`].
    #[error("line {line}: {columns} columns; the limit is {limit}")]
    TooManyColumns {
        /// Line of the header.
        line: usize,
        /// Columns found.
        columns: usize,
        /// The limit.
        limit: usize,
    },
    /// More rows than [`Limits::max_samples_per_lead`].
    #[error("line {line}: more than {limit} samples per lead")]
    TooManySamples {
        /// The first line over the limit.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// The values parsed but do not form a valid record.
    #[error(transparent)]
    Record(#[from] EcgError),
}

impl CsvError {
    /// Whose fault it is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CsvError::TooLarge { .. }
            | CsvError::TooManyColumns { .. }
            | CsvError::TooManySamples { .. } => ErrorKind::Limit,
            CsvError::SampleRateNeeded
            | CsvError::BadSampleRate(_)
            | CsvError::SampleRateConflict { .. } => ErrorKind::InvalidInput,
            _ => ErrorKind::Malformed,
        }
    }

    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            CsvError::NoLeadColumns { line }
            | CsvError::DuplicateLead { line, .. }
            | CsvError::DuplicateTime { line, .. }
            | CsvError::RaggedRow { line, .. }
            | CsvError::NotANumber { line, .. }
            | CsvError::NoRows { line }
            | CsvError::TimeNotIncreasing { line }
            | CsvError::TooManyColumns { line, .. }
            | CsvError::TooManySamples { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Relative disagreement tolerated between a caller's rate and the time column's (0.5 %):
/// more than rounding in exported time stamps, less than any real rate mix-up (e.g. 500 vs 512).
const RATE_AGREEMENT: f64 = 0.005;

/// Relative step unevenness above which the time column earns a warning (1 %): printed time
/// stamps rounded to 3 decimals at 500 Hz are exact, so anything above this is a real jitter.
const UNEVEN_STEP: f64 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    /// A lead, with the factor that turns its unit into microvolts (1000 for mV, the default).
    Lead(Lead, f64),
    /// Time, with the factor that turns its unit into seconds.
    Time {
        secs_per_unit: f64,
    },
    Ignored,
}

/// Reads a delimited-text ECG. Values are millivolts and come out as microvolts.
pub fn read_csv(bytes: &[u8], options: &CsvOptions, limits: &Limits) -> Result<Ecg, CsvError> {
    if bytes.len() > limits.max_bytes {
        return Err(CsvError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if let Some(rate) = options.sample_rate_hz
        && crate::ecg::check_sample_rate(rate).is_err()
    {
        return Err(CsvError::BadSampleRate(rate));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotText {
        byte_offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'));

    let (header_line, header) = lines.next().ok_or(CsvError::Empty)?;
    let delimiter = sniff_delimiter(header);
    // Nothing here is collected from the first line before it is known to be small: a line of
    // 200 MB is 100 million cells.
    let mut cells = header.split(delimiter).map(str::trim);
    let first = cells.next().unwrap_or_default();
    // Leads in rows: the first cell names a lead and the rest of the line is numbers.
    if (lead_and_unit(first).is_some() || time_unit(first).is_some())
        && header.split(delimiter).nth(2).is_some()
        && cells.all(|c| parse_number(c, delimiter).is_some())
    {
        let rows = std::iter::once((header_line, header)).chain(lines);
        return read_leads_in_rows(rows, delimiter, options, limits);
    }
    let columns = header.split(delimiter).count();
    if columns > limits.max_columns {
        return Err(CsvError::TooManyColumns {
            line: header_line,
            columns,
            limit: limits.max_columns,
        });
    }
    let headers: Vec<&str> = header.split(delimiter).map(str::trim).collect();
    let (columns, mut warnings) = classify_columns(&headers, header_line)?;

    let mut lead_samples: Vec<(Lead, Vec<f32>)> = columns
        .iter()
        .filter_map(|column| match column {
            Column::Lead(lead, _) => Some((*lead, Vec::new())),
            _ => None,
        })
        .collect();
    let time_column = columns.iter().enumerate().find_map(|(i, c)| match c {
        Column::Time { secs_per_unit } => Some((i, *secs_per_unit)),
        _ => None,
    });
    let mut times_secs: Vec<f64> = Vec::new();
    let mut rows = 0usize;

    for (line, row) in lines {
        if rows >= limits.max_samples_per_lead {
            return Err(CsvError::TooManySamples {
                line,
                limit: limits.max_samples_per_lead,
            });
        }
        let found = read_row(
            (line, row),
            delimiter,
            (&columns, &headers),
            &mut lead_samples,
            &mut times_secs,
        )?;
        if found != headers.len() {
            return Err(CsvError::RaggedRow {
                line,
                found,
                expected: headers.len(),
            });
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(CsvError::NoRows { line: header_line });
    }

    let times = time_column.map(|_| times_secs.as_slice());
    let sample_rate_hz = sample_rate(times, options.sample_rate_hz, &mut warnings)?;

    let leads = lead_samples
        .into_iter()
        .map(|(lead, samples_uv)| LeadSignal {
            lead,
            samples_uv,
            derived: false,
        })
        .collect();
    Ok(Ecg::new(leads, sample_rate_hz, warnings)?)
}

/// One data row into the lead columns and the times; returns how many cells it had.
fn read_row(
    (line, row): (usize, &str),
    delimiter: char,
    (columns, headers): (&[Column], &[&str]),
    lead_samples: &mut [(Lead, Vec<f32>)],
    times_secs: &mut Vec<f64>,
) -> Result<usize, CsvError> {
    let mut lead_slot = 0usize;
    let mut found = 0usize;
    for (i, cell) in row.split(delimiter).enumerate() {
        found += 1;
        let Some(column) = columns.get(i) else {
            continue;
        };
        if *column == Column::Ignored {
            continue;
        }
        let value = parse_number(cell, delimiter).ok_or_else(|| CsvError::NotANumber {
            line,
            column: i + 1,
            header: headers.get(i).copied().unwrap_or_default().to_string(),
        })?;
        match column {
            Column::Lead(_, uv_per_unit) => {
                if let Some((_, samples)) = lead_samples.get_mut(lead_slot) {
                    // To microvolts; f32 keeps 7 significant digits, far beyond any cart's
                    // resolution.
                    samples.push((value * uv_per_unit) as f32);
                }
                lead_slot += 1;
            }
            Column::Time { secs_per_unit } => {
                let t = value * secs_per_unit;
                if let Some(&previous) = times_secs.last()
                    && t.total_cmp(&previous).is_le()
                {
                    return Err(CsvError::TimeNotIncreasing { line });
                }
                times_secs.push(t);
            }
            Column::Ignored => {}
        }
    }
    Ok(found)
}

/// The transposed layout: one line per lead (`I,0.028,0.039,…`), optionally a time line.
fn read_leads_in_rows<'a>(
    rows: impl Iterator<Item = (usize, &'a str)>,
    delimiter: char,
    options: &CsvOptions,
    limits: &Limits,
) -> Result<Ecg, CsvError> {
    let mut leads: Vec<LeadSignal> = Vec::new();
    let mut times_secs: Option<Vec<f64>> = None;
    let mut expected = None;
    for (line, row) in rows {
        let mut cells = row.split(delimiter).map(str::trim);
        let name = cells.next().unwrap_or_default();
        let values = cells
            .take(limits.max_samples_per_lead.saturating_add(1))
            .enumerate()
            .map(|(i, c)| {
                parse_number(c, delimiter).ok_or_else(|| CsvError::NotANumber {
                    line,
                    column: i + 2,
                    header: name.to_string(),
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        if values.len() > limits.max_samples_per_lead {
            return Err(CsvError::TooManySamples {
                line,
                limit: limits.max_samples_per_lead,
            });
        }
        match expected {
            Some(n) if n != values.len() + 1 => {
                return Err(CsvError::RaggedRow {
                    line,
                    found: values.len() + 1,
                    expected: n,
                });
            }
            _ => expected = Some(values.len() + 1),
        }
        if let Some((lead, uv_per_unit)) = lead_and_unit(name) {
            if leads.iter().any(|l| l.lead == lead) {
                return Err(CsvError::DuplicateLead {
                    line,
                    column: 1,
                    lead,
                });
            }
            if leads.len() >= limits.max_columns {
                return Err(CsvError::TooManyColumns {
                    line,
                    columns: leads.len() + 1,
                    limit: limits.max_columns,
                });
            }
            leads.push(LeadSignal {
                lead,
                samples_uv: values.iter().map(|v| (v * uv_per_unit) as f32).collect(),
                derived: false,
            });
        } else if let Some(secs_per_unit) = time_unit(name) {
            let times: Vec<f64> = values.iter().map(|v| v * secs_per_unit).collect();
            if times.windows(2).any(|w| w[1].total_cmp(&w[0]).is_le()) {
                return Err(CsvError::TimeNotIncreasing { line });
            }
            times_secs = Some(times);
        } else {
            return Err(CsvError::NoLeadColumns { line });
        }
    }
    let mut warnings = Vec::new();
    let sample_rate_hz = sample_rate(times_secs.as_deref(), options.sample_rate_hz, &mut warnings)?;
    Ok(Ecg::new(leads, sample_rate_hz, warnings)?)
}

/// The rate from a time column (checked against the caller's, if given) or the caller's.
fn sample_rate(
    times_secs: Option<&[f64]>,
    given: Option<f64>,
    warnings: &mut Vec<Warning>,
) -> Result<f64, CsvError> {
    match (times_secs, given) {
        (Some(times), given) if times.len() >= 2 => {
            let (rate, max_deviation_secs) = rate_from_times(times);
            if let Some(given_hz) = given
                && ((given_hz - rate) / rate).abs() > RATE_AGREEMENT
            {
                return Err(CsvError::SampleRateConflict {
                    from_time_hz: rate,
                    given_hz,
                });
            }
            if max_deviation_secs > UNEVEN_STEP / rate {
                warnings.push(Warning::UnevenTimeColumn { max_deviation_secs });
            }
            Ok(rate)
        }
        (_, Some(given)) => Ok(given),
        (_, None) => Err(CsvError::SampleRateNeeded),
    }
}

fn sniff_delimiter(header: &str) -> char {
    [',', ';', '\t']
        .into_iter()
        .max_by_key(|d| header.matches(*d).count())
        .unwrap_or(',')
}

fn classify_columns(
    headers: &[&str],
    line: usize,
) -> Result<(Vec<Column>, Vec<Warning>), CsvError> {
    let mut columns = Vec::with_capacity(headers.len());
    let mut warnings = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let column = if let Some((lead, uv_per_unit)) = lead_and_unit(header) {
            if columns
                .iter()
                .any(|c| matches!(c, Column::Lead(l, _) if *l == lead))
            {
                return Err(CsvError::DuplicateLead {
                    line,
                    column: i + 1,
                    lead,
                });
            }
            Column::Lead(lead, uv_per_unit)
        } else if let Some(secs_per_unit) = time_unit(header) {
            if columns.iter().any(|c| matches!(c, Column::Time { .. })) {
                return Err(CsvError::DuplicateTime {
                    line,
                    column: i + 1,
                });
            }
            Column::Time { secs_per_unit }
        } else {
            warnings.push(Warning::ColumnIgnored {
                column: i + 1,
                header: header.to_string(),
            });
            Column::Ignored
        };
        columns.push(column);
    }
    if !columns.iter().any(|c| matches!(c, Column::Lead(..))) {
        return Err(CsvError::NoLeadColumns { line });
    }
    Ok((columns, warnings))
}

/// Microvolts per unit of a unit name, when it is a voltage.
fn microvolts_per(unit: &str) -> Option<f64> {
    match unit.trim() {
        "mV" | "mv" | "MV" => Some(1000.0),
        "uV" | "µV" | "μV" | "uv" | "UV" => Some(1.0),
        "V" | "v" => Some(1e6),
        _ => None,
    }
}

/// A lead header with an optional unit: `I`, `I (mV)`, `aVR [uV]`, `V1_uV`, `II µV`. Without a
/// unit the values are millivolts.
fn lead_and_unit(header: &str) -> Option<(Lead, f64)> {
    if let Ok(lead) = header.parse::<Lead>() {
        return Some((lead, 1000.0));
    }
    let split = header.rfind(['(', '[', '_', ' '])?;
    let (name, unit) = header.split_at(split);
    let unit = unit.trim_matches(|c| "()[]_ ".contains(c));
    Some((name.trim().parse().ok()?, microvolts_per(unit)?))
}

/// `time`, `t`, `time (s)`, `time_ms`, `Time [ms]` … → seconds per unit.
fn time_unit(header: &str) -> Option<f64> {
    let lower = header.to_ascii_lowercase();
    let (name, unit) = match lower.find(['(', '[', '_', ' ']) {
        Some(split) => (
            &lower[..split],
            lower[split..].trim_matches(|c| "()[]_ ".contains(c)),
        ),
        None => (lower.as_str(), ""),
    };
    if name != "time" && name != "t" {
        return None;
    }
    match unit {
        "" | "s" | "sec" | "secs" | "seconds" => Some(1.0),
        "ms" | "msec" => Some(1e-3),
        _ => None,
    }
}

/// A number; with `;` or tab as the delimiter a decimal comma (`0,028`) is accepted too.
fn parse_number(cell: &str, delimiter: char) -> Option<f64> {
    let cell = cell.trim();
    cell.parse::<f64>()
        .ok()
        .or_else(|| {
            (delimiter != ',' && cell.matches(',').count() == 1)
                .then(|| cell.replacen(',', ".", 1).parse::<f64>().ok())
                .flatten()
        })
        .filter(|value| value.is_finite())
}

/// Sample rate from the mean step, and the largest deviation of one step from that mean.
///
/// Rates within 1e-6 of an integer are taken as that integer: exported time stamps carry
/// decimal rounding (0.002 s is not exact in binary), not a fractional rate.
fn rate_from_times(times_secs: &[f64]) -> (f64, f64) {
    let (Some(first), Some(last)) = (times_secs.first(), times_secs.last()) else {
        return (f64::NAN, 0.0);
    };
    let mean_step = (last - first) / (times_secs.len() - 1) as f64;
    let max_deviation = times_secs
        .windows(2)
        .map(|w| ((w[1] - w[0]) - mean_step).abs())
        .fold(0.0, f64::max);
    let rate = 1.0 / mean_step;
    let rounded = rate.round();
    let rate = if (rate - rounded).abs() < 1e-6 * rounded {
        rounded
    } else {
        rate
    };
    (rate, max_deviation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, rate: Option<f64>) -> Result<Ecg, CsvError> {
        read_csv(
            text.as_bytes(),
            &CsvOptions {
                sample_rate_hz: rate,
            },
            &Limits::default(),
        )
    }

    #[test]
    fn reads_time_column_and_millivolts() {
        let ecg = read(
            "time (s),I,II\n0,0.1,-0.2\n0.002,0.3,0.4\n0.004,0,1\n",
            None,
        )
        .unwrap();
        assert_eq!(ecg.sample_rate_hz(), 500.0);
        assert_eq!(
            ecg.lead(Lead::I).unwrap().samples_uv,
            vec![100.0, 300.0, 0.0]
        );
        assert_eq!(
            ecg.lead(Lead::II).unwrap().samples_uv,
            vec![-200.0, 400.0, 1000.0]
        );
        assert!(ecg.warnings().is_empty());
    }

    #[test]
    fn milliseconds_semicolons_and_crlf() {
        let ecg = read("Time [ms];V1\r\n0;1\r\n4;2\r\n8;3\r\n", None).unwrap();
        assert_eq!(ecg.sample_rate_hz(), 250.0);
    }

    #[test]
    fn rate_given_when_no_time_column() {
        let ecg = read("I\tII\n1\t2\n3\t4\n", Some(1000.0)).unwrap();
        assert_eq!(ecg.sample_rate_hz(), 1000.0);
        assert_eq!(read("I,II\n1,2\n", None), Err(CsvError::SampleRateNeeded));
    }

    #[test]
    fn conflicting_rate_is_refused() {
        let err = read("t,I\n0,1\n0.002,2\n", Some(250.0)).unwrap_err();
        assert!(matches!(err, CsvError::SampleRateConflict { .. }));
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn unknown_columns_are_reported_not_dropped_silently() {
        let ecg = read("I,marker\n1,x\n2,y\n", Some(500.0)).unwrap();
        assert_eq!(
            ecg.warnings(),
            &[Warning::ColumnIgnored {
                column: 2,
                header: "marker".into()
            }]
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(read("", None), Err(CsvError::Empty));
        assert_eq!(read("\n\n# comment\n", None), Err(CsvError::Empty));
        let ragged = read("t,I,II\n0,1,2\n0.002,1\n", None).unwrap_err();
        assert_eq!(
            ragged,
            CsvError::RaggedRow {
                line: 3,
                found: 2,
                expected: 3
            }
        );
        assert!(ragged.to_string().starts_with("line 3:"), "{ragged}");
        let text = read("t,I,II\n0,1,2\n0.002,1,abc\n", None).unwrap_err();
        assert_eq!(
            text,
            CsvError::NotANumber {
                line: 3,
                column: 3,
                header: "II".into()
            }
        );
        assert!(!text.to_string().contains("abc"), "cell text must not leak");
        assert_eq!(
            read("a,b\n1,2\n", Some(500.0)),
            Err(CsvError::NoLeadColumns { line: 1 })
        );
        assert_eq!(
            read("I,II\n", Some(500.0)),
            Err(CsvError::NoRows { line: 1 })
        );
        assert_eq!(
            read("t,I\n0,1\n0,2\n", None),
            Err(CsvError::TimeNotIncreasing { line: 3 })
        );
        assert!(matches!(
            read("I,I\n1,2\n", Some(500.0)),
            Err(CsvError::DuplicateLead { column: 2, .. })
        ));
        assert_eq!(
            read("I\nNaN\n", Some(500.0)),
            Err(CsvError::NotANumber {
                line: 2,
                column: 1,
                header: "I".into()
            })
        );
        assert!(matches!(
            read_csv(
                &[0x49, 0x0a, 0xff],
                &CsvOptions::default(),
                &Limits::default()
            ),
            Err(CsvError::NotText { byte_offset: 2 })
        ));
    }

    #[test]
    fn limits_are_checked() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let err = read_csv(b"I\n1\n2\n3\n4\n5\n", &CsvOptions::default(), &limits).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit);
        let limits = Limits {
            max_samples_per_lead: 2,
            ..Limits::default()
        };
        let err = read_csv(
            b"I\n1\n2\n3\n",
            &CsvOptions {
                sample_rate_hz: Some(500.0),
            },
            &limits,
        )
        .unwrap_err();
        assert_eq!(err, CsvError::TooManySamples { line: 4, limit: 2 });
    }

    #[test]
    fn every_prefix_of_a_valid_file_is_an_error_or_a_record_never_a_panic() {
        let text = "time (s),I,II,V1\n0,0.1,0.2,0.3\n0.002,0.1,0.2,0.3\n0.004,0.1,0.2,0.3\n";
        for end in 0..text.len() {
            let _ = read(&text[..end], None);
        }
    }

    #[test]
    fn units_decimal_comma_and_leads_in_rows() {
        let options = CsvOptions {
            sample_rate_hz: Some(500.0),
        };
        let limits = Limits::default();
        let ecg = read_csv(
            b"I (uV);II_mV;V1 [V]\n1,5;0,002;0,000003\n2;0,004;0\n",
            &options,
            &limits,
        )
        .unwrap();
        assert_eq!(ecg.lead(Lead::I).unwrap().samples_uv, vec![1.5, 2.0]);
        assert_eq!(ecg.lead(Lead::II).unwrap().samples_uv, vec![2.0, 4.0]);
        assert_eq!(ecg.lead(Lead::V1).unwrap().samples_uv, vec![3.0, 0.0]);
        // A decimal comma is not taken with a comma delimiter.
        assert!(read_csv(b"I,II\n\"1,5\",2\n", &options, &limits).is_err());

        let rows = b"time (s),0,0.002,0.004\nI,0.1,0.2,0.3\nII (uV),10,20,30\n";
        let ecg = read_csv(rows, &CsvOptions::default(), &limits).unwrap();
        assert_eq!(ecg.sample_rate_hz(), 500.0);
        assert_eq!(
            ecg.lead(Lead::I).unwrap().samples_uv,
            vec![100.0, 200.0, 300.0]
        );
        assert_eq!(
            ecg.lead(Lead::II).unwrap().samples_uv,
            vec![10.0, 20.0, 30.0]
        );
        let ragged = b"I,0.1,0.2,0.3\nII,1,2\n";
        assert!(matches!(
            read_csv(ragged, &options, &limits),
            Err(CsvError::RaggedRow { line: 2, .. })
        ));
    }
}
