//! The header (`.hea`): the record line and one line per signal.

use super::*;

pub(super) fn header_err(line: usize, what: &'static str) -> WfdbError {
    WfdbError::Header { line, what }
}

/// Is this text a WFDB header? (First non-comment line: a name, a signal count, numbers.)
pub fn looks_like_header(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(&bytes[..bytes.len().min(4096)]) else {
        return false;
    };
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    let mut fields = line.split_whitespace();
    let name_ok = fields.next().is_some_and(|n| {
        n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.".contains(c))
    });
    let nsig_ok = fields.next().is_some_and(|n| n.parse::<usize>().is_ok());
    // The fields after the signal count are numbers (a rate may be "500/250(0)", a bad one
    // "-500" or "NaN"): a header with an impossible rate is still a header, and says so.
    let number_like = |f: &str| {
        f.chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || "+-.".contains(c))
            || f.split(['/', '('])
                .next()
                .is_some_and(|v| v.parse::<f64>().is_ok())
    };
    name_ok && nsig_ok && fields.all(number_like)
}

/// Parses a header.
pub fn parse_header(bytes: &[u8]) -> Result<Header, WfdbError> {
    let text = std::str::from_utf8(bytes).map_err(|_| header_err(1, "the header is not text"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (line_no, record_line) = lines
        .next()
        .ok_or_else(|| header_err(1, "no record line"))?;
    let mut fields = record_line.split_whitespace();
    let name = fields.next().unwrap_or_default();
    if name.contains('/') {
        return Err(WfdbError::Unsupported {
            line: line_no,
            what: "multi-segment records are not supported".into(),
        });
    }
    let nsig: usize = fields
        .next()
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| header_err(line_no, "the signal count is not a number"))?;
    let frame_rate_hz = match fields.next() {
        Some(f) => {
            let rate = f.split(['/', '(']).next().unwrap_or(f);
            let rate = rate
                .parse::<f64>()
                .map_err(|_| header_err(line_no, "the sampling frequency is not a number"))?;
            crate::ecg::check_sample_rate(rate)?
        }
        None => 250.0,
    };
    let frames = match fields.next() {
        Some(f) => Some(
            f.parse::<usize>()
                .map_err(|_| header_err(line_no, "the number of samples is not a number"))?,
        ),
        None => None,
    };
    let base: Vec<&str> = fields.collect();
    let base_time = match base.as_slice() {
        [time, date, ..] => Some(format!("{date} {time}")),
        [time] => Some(time.to_string()),
        [] => None,
    };
    let mut signals = Vec::new();
    for (line, text) in lines.by_ref().take(nsig) {
        signals.push(parse_signal_line(line, text)?);
    }
    if signals.len() != nsig {
        return Err(header_err(
            line_no,
            "the header has fewer signal lines than its signal count",
        ));
    }
    Ok(Header {
        record: name.to_string(),
        frame_rate_hz,
        frames,
        base_time,
        signals,
    })
}

pub(super) fn parse_signal_line(line: usize, text: &str) -> Result<SignalSpec, WfdbError> {
    let mut fields = text.split_whitespace();
    let file = fields
        .next()
        .ok_or_else(|| header_err(line, "empty signal line"))?
        .to_string();
    let spec = fields
        .next()
        .ok_or_else(|| header_err(line, "the signal line has no format"))?;
    // fmt[xspf][:skew][+offset]
    let (spec, byte_offset) = match spec.split_once('+') {
        Some((s, o)) => (
            s,
            o.parse()
                .map_err(|_| header_err(line, "the byte offset is not a number"))?,
        ),
        None => (spec, 0),
    };
    let (spec, skew) = match spec.split_once(':') {
        Some((s, k)) => (
            s,
            k.parse()
                .map_err(|_| header_err(line, "the skew is not a number"))?,
        ),
        None => (spec, 0),
    };
    let (fmt, spf) = match spec.split_once('x') {
        Some((f, n)) => (
            f,
            n.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| header_err(line, "samples per frame is not a positive number"))?,
        ),
        None => (spec, 1),
    };
    let format: u16 = fmt
        .parse()
        .map_err(|_| header_err(line, "the format is not a number"))?;
    if !matches!(format, 8 | 16 | 24 | 32 | 61 | 80 | 160 | 212 | 310 | 311) {
        return Err(WfdbError::Unsupported {
            line,
            what: format!(
                "sample format {format} is not supported (supported: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)"
            ),
        });
    }
    // gain[(baseline)][/units]
    let (gain_text, units) = match fields.next() {
        Some(g) => match g.split_once('/') {
            Some((g, u)) => (Some(g), u.to_string()),
            None => (Some(g), "mV".to_string()),
        },
        None => (None, "mV".to_string()),
    };
    let (gain, explicit_baseline) = match gain_text {
        Some(g) => match g.split_once('(') {
            Some((g, b)) => (
                g,
                Some(
                    b.trim_end_matches(')')
                        .parse::<i64>()
                        .map_err(|_| header_err(line, "the baseline is not an integer"))?,
                ),
            ),
            None => (g, None),
        },
        None => ("0", None),
    };
    let mut adc_gain: f64 = gain
        .parse()
        .ok()
        .filter(|g: &f64| g.is_finite())
        .ok_or_else(|| header_err(line, "the gain is not a number"))?;
    if adc_gain == 0.0 {
        adc_gain = 200.0;
    }
    let mut int_field = |what: &'static str| -> Result<Option<i64>, WfdbError> {
        fields
            .next()
            .map(|f| f.parse::<i64>().map_err(|_| header_err(line, what)))
            .transpose()
    };
    let _adc_resolution = int_field("the ADC resolution is not an integer")?;
    let adc_zero = int_field("the ADC zero is not an integer")?.unwrap_or(0);
    let initial_value = int_field("the initial value is not an integer")?.unwrap_or(adc_zero);
    let checksum = int_field("the checksum is not an integer")?.map(|c| c as i16);
    let _block_size = int_field("the block size is not an integer")?;
    let description: Vec<&str> = fields.collect();
    Ok(SignalSpec {
        file,
        format,
        samples_per_frame: spf,
        skew,
        byte_offset,
        adc_gain,
        baseline: explicit_baseline.unwrap_or(adc_zero),
        units,
        initial_value,
        checksum,
        description: description.join(" "),
    })
}
