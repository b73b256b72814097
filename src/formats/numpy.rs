//! NumPy `.npy` and `.npz` as ECG records.
//!
//! An array carries no lead names, sample rate or unit, so the rules are fixed and said:
//! a 2-D floating-point array with 12 rows (or columns) is read as I, II, III, aVR, aVL, aVF,
//! V1–V6, with 8 as I, II, V1–V6; values in millivolts; the rate is what the caller gives (the
//! page's rate box, `--sample-rate-hz`), else a clear request for it. Samples × leads arrays
//! are transposed with a warning. Integer arrays are refused (ADC counts with an unknown
//! scale), as are single leads. An `.npz` is a ZIP of `.npy` members (stored or deflated,
//! inflated within the byte limit); the only array, or the one named `ecg`, `signal`,
//! `signals`, `x` or `data`, is read. Pickled objects are never loaded.

use crate::ecg::{Ecg, Lead, LeadSignal, Warning};
use crate::formats::npy::{NpyArray, NpyError, read_npy_array};
use crate::formats::{ErrorKind, Limits, OverLimit};

/// Why a NumPy file could not be read as an ECG.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NumpyError {
    /// The `.npy` itself.
    #[error("{member}{0}", member = .1.as_deref().map(|m| format!("member '{m}': ")).unwrap_or_default())]
    Npy(NpyError, Option<String>),
    /// The ZIP container is broken.
    #[error("byte {byte_offset} of the .npz: {what}")]
    Zip {
        /// Where.
        byte_offset: usize,
        /// What is wrong.
        what: String,
    },
    /// The array's shape is not an ECG the rules above can name.
    #[error("{0}")]
    Shape(String),
    /// The rate is needed from the caller.
    #[error("NumPy arrays carry no sample rate: please give the sample rate in Hz")]
    SampleRateNeeded,
    /// Over the limits.
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// The NumPy file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl NumpyError {
    /// Whose fault this NumPy error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            NumpyError::Npy(e, _) => e.kind(),
            // The rate is the caller's: a NumPy file carries none.
            NumpyError::Ecg(crate::ecg::EcgError::SampleRate(_)) => ErrorKind::InvalidInput,
            NumpyError::Zip { .. } | NumpyError::Ecg(_) => ErrorKind::Malformed,
            NumpyError::Shape(_) => ErrorKind::Unsupported,
            NumpyError::SampleRateNeeded => ErrorKind::InvalidInput,
            NumpyError::Limit(_) => ErrorKind::Limit,
        }
    }
}

fn ecg_from_array(
    bytes: &[u8],
    member: Option<String>,
    sample_rate_hz: Option<f64>,
    limits: &Limits,
) -> Result<Ecg, NumpyError> {
    let array = read_npy_array(bytes, limits).map_err(|e| NumpyError::Npy(e, member))?;
    if !array.floating {
        return Err(NumpyError::Shape(format!(
            "an integer array ('{}'): the scale from its counts to millivolts is unknown; save the ECG in millivolts as floats",
            array.dtype
        )));
    }
    let (rows, cols) = match array.shape.as_slice() {
        &[r, c] => (r, c),
        &[n] => {
            return Err(NumpyError::Shape(format!(
                "a single unnamed lead of {n} samples: the screening needs 12 leads (a [12, samples] or [8, samples] array in millivolts)"
            )));
        }
        other => {
            return Err(NumpyError::Shape(format!(
                "an array of shape {other:?}: an ECG is [12, samples] or [8, samples] (I, II, III, aVR, aVL, aVF, V1-V6 or I, II, V1-V6), in millivolts"
            )));
        }
    };
    let mut warnings = Vec::new();
    let lead_count = |n: usize| matches!(n, 8 | 12);
    let (leads, samples, transposed) = if lead_count(rows) && !(lead_count(cols) && cols < rows) {
        (rows, cols, false)
    } else if lead_count(cols) {
        warnings.push(Warning::Transposed { rows, cols });
        (cols, rows, true)
    } else {
        return Err(NumpyError::Shape(format!(
            "an array of shape [{rows}, {cols}]: neither axis has 12 or 8 leads"
        )));
    };
    if samples > limits.max_samples_per_lead {
        return Err(NumpyError::Limit(OverLimit {
            what: "samples per lead",
            found: samples,
            limit: limits.max_samples_per_lead,
        }));
    }
    let rate = sample_rate_hz.ok_or(NumpyError::SampleRateNeeded)?;
    crate::ecg::check_sample_rate(rate)?;
    limits.check_duration(samples, rate)?;
    let names: &[Lead] = if leads == 12 {
        &Lead::ALL
    } else {
        &Lead::INDEPENDENT
    };
    let signals = names
        .iter()
        .enumerate()
        .map(|(l, &lead)| LeadSignal {
            lead,
            samples_uv: (0..samples)
                .map(|k| {
                    let v = if transposed {
                        array.values[k * leads + l]
                    } else {
                        array.values[l * samples + k]
                    };
                    (v * 1000.0) as f32
                })
                .collect(),
            derived: false,
        })
        .collect();
    warnings.push(Warning::AssumedLayout {
        leads: names.to_vec(),
    });
    Ok(Ecg::new(signals, rate, warnings)?)
}

/// Reads an `.npy` ECG.
pub fn read_npy_ecg(
    bytes: &[u8],
    sample_rate_hz: Option<f64>,
    limits: &Limits,
) -> Result<Ecg, NumpyError> {
    ecg_from_array(bytes, None, sample_rate_hz, limits)
}

struct Member {
    name: String,
    method: u16,
    compressed: usize,
    uncompressed: usize,
    local_offset: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
}

/// The members of a ZIP archive, from its central directory.
fn zip_members(bytes: &[u8]) -> Result<Vec<Member>, NumpyError> {
    let zip = |byte_offset: usize, what: &str| NumpyError::Zip {
        byte_offset,
        what: what.into(),
    };
    // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
    let search_from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| {
            zip(
                bytes.len(),
                "no end-of-central-directory record (truncated?)",
            )
        })?;
    let entries = usize::from(u16_at(bytes, eocd + 10).unwrap_or(0));
    let mut at = u32_at(bytes, eocd + 16).ok_or_else(|| zip(eocd, "cut short"))?;
    let mut members = Vec::with_capacity(entries.min(1024));
    for _ in 0..entries {
        if !bytes
            .get(at..)
            .is_some_and(|b| b.starts_with(b"PK\x01\x02"))
        {
            return Err(zip(at, "expected a central directory entry"));
        }
        let field = |off: usize| u32_at(bytes, at + off).ok_or_else(|| zip(at, "cut short"));
        let short = |off: usize| u16_at(bytes, at + off).ok_or_else(|| zip(at, "cut short"));
        let method = short(10)?;
        let compressed = field(20)?;
        let uncompressed = field(24)?;
        let name_len = usize::from(short(28)?);
        let extra_len = usize::from(short(30)?);
        let comment_len = usize::from(short(32)?);
        let local_offset = field(42)?;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .ok_or_else(|| zip(at, "a member name runs past the end"))?;
        members.push(Member {
            name,
            method,
            compressed,
            uncompressed,
            local_offset,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(members)
}

/// Reads an `.npz` ECG: the only array, or the one with a conventional name.
pub fn read_npz_ecg(
    bytes: &[u8],
    sample_rate_hz: Option<f64>,
    limits: &Limits,
) -> Result<Ecg, NumpyError> {
    let (name, npy) = npz_member(bytes, limits)?;
    ecg_from_array(&npy, Some(name), sample_rate_hz, limits)
}

/// The array an `.npz` ECG would be read from, whatever its dtype (for checks against numpy).
pub fn read_npz_array(bytes: &[u8], limits: &Limits) -> Result<NpyArray, NumpyError> {
    let (name, npy) = npz_member(bytes, limits)?;
    read_npy_array(&npy, limits).map_err(|e| NumpyError::Npy(e, Some(name)))
}

/// The chosen member of an `.npz`: its name and its `.npy` bytes.
fn npz_member(bytes: &[u8], limits: &Limits) -> Result<(String, Vec<u8>), NumpyError> {
    limits.check_bytes(bytes.len())?;
    let members: Vec<Member> = zip_members(bytes)?
        .into_iter()
        .filter(|m| m.name.ends_with(".npy"))
        .collect();
    let stem = |m: &Member| m.name.trim_end_matches(".npy").to_ascii_lowercase();
    let chosen = match members.as_slice() {
        [] => return Err(NumpyError::Shape("the .npz holds no .npy array".into())),
        [only] => only,
        several => several
            .iter()
            .find(|m| matches!(stem(m).as_str(), "ecg" | "signal" | "signals" | "x" | "data"))
            .ok_or_else(|| {
                let names: Vec<String> = several.iter().map(stem).collect();
                NumpyError::Shape(format!(
                    "the .npz holds several arrays ({}) and none is named ecg, signal, signals, x or data",
                    super::short_list(&names)
                ))
            })?,
    };
    let at = chosen.local_offset;
    if !bytes
        .get(at..)
        .is_some_and(|b| b.starts_with(b"PK\x03\x04"))
    {
        return Err(NumpyError::Zip {
            byte_offset: at,
            what: format!("member '{}' has no local header", chosen.name),
        });
    }
    let name_len = usize::from(u16_at(bytes, at + 26).unwrap_or(0));
    let extra_len = usize::from(u16_at(bytes, at + 28).unwrap_or(0));
    let start = at + 30 + name_len + extra_len;
    let data = bytes
        .get(start..start.saturating_add(chosen.compressed))
        .ok_or_else(|| NumpyError::Zip {
            byte_offset: start,
            what: format!("member '{}' runs past the end", chosen.name),
        })?;
    if chosen.uncompressed > limits.max_bytes {
        return Err(NumpyError::Limit(OverLimit {
            what: "bytes after decompression",
            found: chosen.uncompressed,
            limit: limits.max_bytes,
        }));
    }
    let npy = match chosen.method {
        0 => data.to_vec(),
        8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, limits.max_bytes).map_err(
            |e| NumpyError::Zip {
                byte_offset: start,
                what: format!("member '{}' does not inflate ({:?})", chosen.name, e.status),
            },
        )?,
        other => {
            return Err(NumpyError::Zip {
                byte_offset: at,
                what: format!("compression method {other} (only stored and deflate are read)"),
            });
        }
    };
    Ok((chosen.name.clone(), npy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::npy::write_npy_f32;

    fn ramp(rows: usize, cols: usize) -> Vec<f32> {
        (0..rows * cols).map(|i| i as f32 / 1000.0).collect()
    }

    #[test]
    fn twelve_by_n_and_n_by_eight() {
        let ecg = read_npy_ecg(
            &write_npy_f32(&[12, 50], &ramp(12, 50)),
            Some(500.0),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(ecg.leads().len(), 12);
        assert_eq!(ecg.lead(Lead::AVR).unwrap().samples_uv[1], 151.0);
        let ecg = read_npy_ecg(
            &write_npy_f32(&[50, 8], &ramp(50, 8)),
            Some(250.0),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(ecg.lead(Lead::V1).unwrap().samples_uv[1], 10.0);
        assert!(ecg.warnings().iter().any(|w| w.kind() == "transposed"));
    }

    #[test]
    fn clear_refusals() {
        let limits = Limits::default();
        let one = write_npy_f32(&[100], &ramp(1, 100));
        assert!(
            read_npy_ecg(&one, Some(500.0), &limits)
                .unwrap_err()
                .to_string()
                .contains("single unnamed lead")
        );
        let odd = write_npy_f32(&[5, 100], &ramp(5, 100));
        assert!(
            read_npy_ecg(&odd, Some(500.0), &limits)
                .unwrap_err()
                .to_string()
                .contains("neither axis")
        );
        let good = write_npy_f32(&[12, 10], &ramp(12, 10));
        assert_eq!(
            read_npy_ecg(&good, None, &limits).unwrap_err(),
            NumpyError::SampleRateNeeded
        );
    }
}
