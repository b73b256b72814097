//! SCP-ECG (EN 1064:2005 / ISO 11073-91064): the rhythm data of section 6, Huffman-decoded with
//! the default table (19999) or the tables of section 2, first or second differences undone,
//! leads named by section 3's codes. Physical value = value × AVM (nV) / 1000 µV.
//!
//! File: CRC-CCITT (2 bytes) and length (4), then sections. A section starts with a 16-byte
//! header: CRC (2), ID (2), length (4, header included), version (1), protocol version (1),
//! reserved (6). Section 0 points at the others (ID u16, length u32, 1-based offset u32).
//! CRCs that do not match are reported as warnings (vendors often get them wrong), not refused.
//! Of section 1 only the acquisition tags are read (14 device, 25 date, 26 time, 27–29 filters);
//! its patient tags never are.
//!
//! Verified on a real file: the default Huffman table with second differences (the ecgtoolkit
//! example decodes sample for sample to its DICOM and HL7 aECG versions). Not confirmed by any
//! real file: custom Huffman tables (implemented per the standard's code structures: prefix
//! length, total length, mode switch, base value, base code read least significant bit first)
//! and first differences, tested on constructed data only; reference-beat subtraction (sections
//! 4 and 5, the median added back at each type-0 QRS), tested on a constructed file only.
//! Bimodal compression (see `Bimodal` in the source) is implemented from the open decoders' reading of the
//! standard and tested on constructed files only; no real bimodal file has confirmed it.

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal, Warning};
use crate::formats::{ErrorKind, Limits, OverLimit};

mod bimodal;
mod huffman;
mod reference;
mod tags;

use bimodal::Bimodal;
use huffman::{Code, decode_block, huffman_tables};
#[cfg(test)]
use huffman::{decode_custom, decode_default};
use reference::add_reference_beats;
use tags::acquisition_tags;
pub(crate) use tags::section1_tags;

/// Why an SCP-ECG file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScpError {
    /// The structure is broken at a byte offset.
    #[error("byte {byte_offset} (section {section}): {what}")]
    Malformed {
        /// Where.
        byte_offset: usize,
        /// The section concerned.
        section: u16,
        /// What is wrong.
        what: String,
    },
    /// A feature this reader does not handle.
    #[error("section {section}: {what} is not supported")]
    Unsupported {
        /// The section.
        section: u16,
        /// What.
        what: String,
    },
    /// Over the limits.
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// No lead of the file is a standard lead.
    #[error("no lead of this file is a standard 12-lead ECG lead")]
    NoLeads,
    /// The SCP-ECG file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl ScpError {
    /// Whose fault this SCP-ECG error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ScpError::Unsupported { .. } | ScpError::NoLeads => ErrorKind::Unsupported,
            ScpError::Limit(_) => ErrorKind::Limit,
            _ => ErrorKind::Malformed,
        }
    }
}

/// CRC-CCITT as SCP-ECG uses it (polynomial 0x1021, initial value 0xFFFF, no reflection).
fn crc_ccitt(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0xffffu16, |mut crc, &b| {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// Could these bytes be SCP-ECG? (Section 0's header sits at byte 6 with ID 0, and the record
/// length matches the data.)
pub fn looks_like_scp(bytes: &[u8]) -> bool {
    bytes.len() >= 22
        && u16::from_le_bytes([bytes[8], bytes[9]]) == 0
        && u32::from_le_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]) as usize == bytes.len()
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn u8(&self, at: usize, section: u16) -> Result<u8, ScpError> {
        self.bytes
            .get(at)
            .copied()
            .ok_or_else(|| self.short(at, section))
    }
    fn u16(&self, at: usize, section: u16) -> Result<u16, ScpError> {
        self.bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| self.short(at, section))
    }
    fn u32(&self, at: usize, section: u16) -> Result<u32, ScpError> {
        self.bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| self.short(at, section))
    }
    fn short(&self, at: usize, section: u16) -> ScpError {
        ScpError::Malformed {
            byte_offset: at,
            section,
            what: "the file ends here".into(),
        }
    }
}

/// The standard lead an SCP-ECG lead code names.
fn scp_lead(code: u8) -> Option<Lead> {
    Some(match code {
        1 => Lead::I,
        2 => Lead::II,
        3 => Lead::V1,
        4 => Lead::V2,
        5 => Lead::V3,
        6 => Lead::V4,
        7 => Lead::V5,
        8 => Lead::V6,
        61 => Lead::III,
        62 => Lead::AVR,
        63 => Lead::AVL,
        64 => Lead::AVF,
        _ => return None,
    })
}

/// Section 0, the pointer table: `(id, start, length)` of every section present, each inside
/// the file.
fn section_table(r: &Reader) -> Result<Vec<(u16, usize, usize)>, ScpError> {
    let bytes = r.bytes;
    let s0 = 6;
    let s0_len = r.u32(s0 + 4, 0)? as usize;
    let mut sections = Vec::new();
    let mut at = s0 + 16;
    while at + 10 <= s0 + s0_len.min(bytes.len() - s0) {
        let id = r.u16(at, 0)?;
        let len = r.u32(at + 2, 0)? as usize;
        let index = r.u32(at + 6, 0)? as usize;
        if len > 0 && index > 0 {
            let start = index - 1;
            if start.checked_add(len).is_none_or(|end| end > bytes.len()) {
                return Err(ScpError::Malformed {
                    byte_offset: at,
                    section: 0,
                    what: format!("section {id} points past the end of the file"),
                });
            }
            sections.push((id, start, len));
        }
        at += 10;
    }
    Ok(sections)
}

/// Section 3: the leads' codes and spans, and the flags byte (bit 0: reference beats were
/// subtracted).
fn lead_spans(r: &Reader, s3: usize, limits: &Limits) -> Result<(Vec<LeadSpan>, u8), ScpError> {
    let n_leads = usize::from(r.u8(s3 + 16, 3)?);
    let flags = r.u8(s3 + 17, 3)?;
    if n_leads > limits.max_columns {
        return Err(ScpError::Limit(OverLimit {
            what: "leads",
            found: n_leads,
            limit: limits.max_columns,
        }));
    }
    let mut lead_specs = Vec::with_capacity(n_leads);
    for i in 0..n_leads {
        let at = s3 + 18 + 9 * i;
        let first = r.u32(at, 3)? as usize;
        let last = r.u32(at + 4, 3)? as usize;
        let code = r.u8(at + 8, 3)?;
        let samples =
            (last + 1)
                .checked_sub(first)
                .filter(|n| *n > 0)
                .ok_or(ScpError::Malformed {
                    byte_offset: at,
                    section: 3,
                    what: format!("lead {}: end sample {last} before start {first}", i + 1),
                })?;
        if samples > limits.max_samples_per_lead {
            return Err(ScpError::Limit(OverLimit {
                what: "samples per lead",
                found: samples,
                limit: limits.max_samples_per_lead,
            }));
        }
        lead_specs.push(LeadSpan {
            code,
            first,
            samples,
        });
    }
    Ok((lead_specs, flags))
}

/// Reads the rhythm data of an SCP-ECG file.
pub fn read_scp(bytes: &[u8], limits: &Limits) -> Result<Ecg, ScpError> {
    limits.check_bytes(bytes.len())?;
    let r = Reader { bytes };
    let mut warnings = Vec::new();
    let record_crc = r.u16(0, 0)?;
    if crc_ccitt(&bytes[2..]) != record_crc {
        warnings.push(Warning::ChecksumMismatch {
            channel: "the SCP record".into(),
        });
    }
    let sections = section_table(&r)?;
    let section = |id: u16| sections.iter().find(|s| s.0 == id).map(|s| (s.1, s.2));
    for &(id, start, len) in &sections {
        if len >= 16 && crc_ccitt(&bytes[start + 2..start + len]) != r.u16(start, id)? {
            warnings.push(Warning::ChecksumMismatch {
                channel: format!("section {id}"),
            });
        }
    }
    let missing = |what: &str| ScpError::Malformed {
        byte_offset: 6,
        section: 0,
        what: format!("no {what}"),
    };
    let (s3, _) = section(3).ok_or_else(|| missing("section 3 (lead definitions)"))?;
    let (lead_specs, flags) = lead_spans(&r, s3, limits)?;
    let tables = huffman_tables(&r, section(2).map(|(s2, _)| s2))?;
    // Section 6: rhythm data (the residual, when reference beats were subtracted).
    let (s6, s6_len) = section(6).ok_or_else(|| missing("section 6 (rhythm data)"))?;
    let bimodal = Bimodal::read(&r, &section, s6)?;
    let interval_us = match &bimodal {
        Some(b) => b.full_interval_us,
        None => f64::from(r.u16(s6 + 18, 6)?),
    };
    let longest = lead_specs.iter().map(|l| l.samples).max().unwrap_or(0);
    crate::ecg::check_sample_rate(1e6 / interval_us)?;
    limits.check_duration(longest, 1e6 / interval_us)?;
    let counts: Vec<usize> = lead_specs
        .iter()
        .map(|l| bimodal.as_ref().map_or(l.samples, |b| b.stored(l)))
        .collect();
    let rhythm = decode_block(&r, 6, s6, s6_len, &counts, tables.as_deref())?;
    let mut values: Vec<Vec<f64>> = rhythm
        .values
        .iter()
        .map(|lead| lead.iter().map(|&v| f64::from(v)).collect())
        .collect();
    if let Some(b) = &bimodal {
        for (lead, span) in values.iter_mut().zip(&lead_specs) {
            *lead = b.expand(span, lead);
        }
        let longest = lead_specs.iter().max_by_key(|l| l.samples);
        warnings.push(Warning::Interpolated {
            factor: b.factor,
            full_rate_share: longest.map_or(0.0, |l| b.full_rate_share(l)),
        });
    }
    if flags & 1 != 0 {
        add_reference_beats(
            &r,
            &section,
            (rhythm.avm_nv, interval_us),
            &mut values,
            tables.as_deref(),
            limits,
        )?;
    }
    let (leads, others) = scale_leads(&lead_specs, values, rhythm.avm_nv)?;
    let info = section(1)
        .map(|(start, len)| acquisition_tags(&bytes[start..start + len]))
        .unwrap_or_default();
    Ok(Ecg::new(leads, 1e6 / interval_us, warnings)?
        .with_info(info)
        .with_other_channels(others)?)
}

/// The decoded values in µV (`avm_nv` nanovolts a unit), the standard leads by their SCP codes
/// and the other channels named by code.
fn scale_leads(
    lead_specs: &[LeadSpan],
    values: Vec<Vec<f64>>,
    avm_nv: f64,
) -> Result<(Vec<LeadSignal>, Vec<NamedSignal>), ScpError> {
    let mut leads = Vec::new();
    let mut others = Vec::new();
    for (&LeadSpan { code, .. }, lead_values) in lead_specs.iter().zip(values) {
        let samples_uv = lead_values
            .iter()
            .map(|&v| (v * avm_nv / 1000.0) as f32)
            .collect();
        match scp_lead(code) {
            Some(lead) => leads.push(LeadSignal {
                lead,
                samples_uv,
                derived: false,
            }),
            None => others.push(NamedSignal {
                name: format!("SCP lead code {code}"),
                samples_uv,
            }),
        }
    }
    if leads.is_empty() {
        return Err(ScpError::NoLeads);
    }
    Ok((leads, others))
}

/// One lead of section 3: its SCP lead code, first sample number (1-based, at the full rate) and
/// length in samples at the full rate.
struct LeadSpan {
    code: u8,
    first: usize,
    samples: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs bit strings ("0", "100", …) MSB first.
    fn pack(codes: &[&str]) -> Vec<u8> {
        let bits: String = codes.concat();
        bits.as_bytes()
            .chunks(8)
            .map(|c| {
                let mut b = 0u8;
                for (k, &ch) in c.iter().enumerate() {
                    if ch == b'1' {
                        b |= 1 << (7 - k);
                    }
                }
                b
            })
            .collect()
    }

    #[test]
    fn default_table() {
        let data = pack(&[
            "0",                // 0
            "100",              // +1
            "101",              // -1
            "1111111100",       // +8
            "1111111101",       // -8
            "1111111110",       // escape: an 8-bit value follows
            "10000000",         // -128
            "1111111111",       // escape: a 16-bit value follows
            "0000000100000000", // 256
        ]);
        assert_eq!(decode_default(&data, 6), vec![0, 1, -1, 8, -8, -128]);
        assert_eq!(decode_default(&data, 7), vec![0, 1, -1, 8, -8, -128, 256]);
    }

    #[test]
    fn custom_table_with_a_switch() {
        // Table 1: "0" → 0, "1" → switch to table 2. Table 2: "0" → 5, "1" + 4 bits raw.
        let t1 = vec![
            Code {
                prefix_bits: 1,
                total_bits: 1,
                value_mode: true,
                base_value: 0,
                base_code: 0,
            },
            Code {
                prefix_bits: 1,
                total_bits: 1,
                value_mode: false,
                base_value: 2,
                base_code: 1,
            },
        ];
        let t2 = vec![
            Code {
                prefix_bits: 1,
                total_bits: 1,
                value_mode: true,
                base_value: 5,
                base_code: 0,
            },
            Code {
                prefix_bits: 1,
                total_bits: 5,
                value_mode: true,
                base_value: 0,
                base_code: 1,
            },
        ];
        let data = pack(&["0", "1", "0", "1", "1111"]);
        assert_eq!(decode_custom(&data, 3, &[t1, t2]).unwrap(), vec![0, 5, -1]);
    }

    #[test]
    fn crc_check_value() {
        // CRC-CCITT (0xFFFF) of "123456789" is 0x29B1.
        assert_eq!(crc_ccitt(b"123456789"), 0x29b1);
    }

    /// The default-table bit string of one value (inverse of `decode_default`).
    fn encode(value: i32) -> String {
        match value {
            0 => "0".into(),
            v if (1..=8).contains(&v.abs()) => {
                format!(
                    "{}0{}",
                    "1".repeat(v.unsigned_abs() as usize),
                    u8::from(v < 0)
                )
            }
            v if (-128..=127).contains(&v) => format!("1111111110{:08b}", v as u8),
            v => format!("1111111111{:016b}", v as u16),
        }
    }

    fn section(id: u16, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0];
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&((16 + body.len()) as u32).to_le_bytes());
        out.extend_from_slice(&[20, 20, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(body);
        let crc = crc_ccitt(&out[2..]);
        out[..2].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Section 5 or 6 body: AVM, interval, no differences, the bimodal flag, one lead.
    fn data_section(avm_nv: u16, interval_us: u16, bimodal: bool, values: &[i32]) -> Vec<u8> {
        let codes: Vec<String> = values.iter().map(|&v| encode(v)).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let data = pack(&codes);
        let mut body = avm_nv.to_le_bytes().to_vec();
        body.extend_from_slice(&interval_us.to_le_bytes());
        body.extend_from_slice(&[0, u8::from(bimodal)]);
        body.extend_from_slice(&(data.len() as u16).to_le_bytes());
        body.extend_from_slice(&data);
        body
    }

    /// Section 3 body for one lead I of `samples` samples; `subtraction` flags reference beats.
    fn one_lead(samples: u32, subtraction: bool) -> Vec<u8> {
        let mut s3 = vec![1u8, 0b0000_0100 | u8::from(subtraction)]; // simultaneous leads
        s3.extend_from_slice(&1u32.to_le_bytes());
        s3.extend_from_slice(&samples.to_le_bytes());
        s3.push(1); // lead I
        s3
    }

    /// Section 4 body: a 12 ms reference beat with fiducial 3, then per QRS its type-0
    /// subtraction zone (SB, fc, SE) and its protected zone (QB, QE), 1-based.
    fn qrs_section(qrs: &[([u32; 3], [u32; 2])]) -> Vec<u8> {
        let mut s4 = 12u16.to_le_bytes().to_vec();
        s4.extend_from_slice(&3u16.to_le_bytes());
        s4.extend_from_slice(&(qrs.len() as u16).to_le_bytes());
        for (subtraction, _) in qrs {
            s4.extend_from_slice(&0u16.to_le_bytes());
            for v in subtraction {
                s4.extend_from_slice(&v.to_le_bytes());
            }
        }
        for (_, protected) in qrs {
            for v in protected {
                s4.extend_from_slice(&v.to_le_bytes());
            }
        }
        s4
    }

    /// A whole SCP file: section 0 pointing at the given sections, which follow it in order,
    /// and the record's CRC and length.
    fn scp_file(bodies: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let s0_len = 16 + 10 * (bodies.len() + 1);
        let mut pointers = Vec::new();
        let mut index = 6 + s0_len + 1;
        let mut rest = Vec::new();
        pointers.extend_from_slice(&0u16.to_le_bytes());
        pointers.extend_from_slice(&(s0_len as u32).to_le_bytes());
        pointers.extend_from_slice(&7u32.to_le_bytes());
        for (id, body) in bodies {
            let sec = section(*id, body);
            pointers.extend_from_slice(&id.to_le_bytes());
            pointers.extend_from_slice(&(sec.len() as u32).to_le_bytes());
            pointers.extend_from_slice(&(index as u32).to_le_bytes());
            index += sec.len();
            rest.extend(sec);
        }
        let mut file = vec![0, 0, 0, 0, 0, 0];
        file.extend(section(0, &pointers));
        file.extend(rest);
        let total = file.len() as u32;
        file[2..6].copy_from_slice(&total.to_le_bytes());
        let crc = crc_ccitt(&file[2..]);
        file[..2].copy_from_slice(&crc.to_le_bytes());
        assert!(looks_like_scp(&file));
        file
    }

    /// A one-lead SCP file whose rhythm is a residual with a reference beat subtracted at one
    /// QRS: the decoder must add the beat back where section 4 says.
    #[test]
    fn reference_beat_subtraction_is_undone() {
        let samples = 20u32;
        let residual: Vec<i32> = (0..samples as i32).map(|k| k % 3 - 1).collect();
        let reference = [2, 4, 8, 4, 2, 1]; // 6 samples = 12 ms at 500 Hz, fiducial at 3
        let s3 = one_lead(samples, true);
        let s4 = qrs_section(&[([9, 10, 13], [0, 0])]);
        // Reference AVM 2.5 µV, rhythm 5 µV: reference values count half.
        let s5 = data_section(2500, 2000, false, &reference);
        let s6 = data_section(5000, 2000, false, &residual);
        let file = scp_file(&[(3u16, s3), (4, s4), (5, s5), (6, s6)]);

        let ecg = read_scp(&file, &Limits::default()).unwrap();
        assert!(ecg.warnings().is_empty(), "{:?}", ecg.warnings());
        let lead = &ecg.lead(Lead::I).unwrap().samples_uv;
        // Sample i (1-based) in 9..=13 gains reference[i − 10 + 3] × 2500/5000, in units of 5 µV.
        for (k, (&got, &res)) in lead.iter().zip(&residual).enumerate() {
            let i = k + 1;
            let added = if (9..=13).contains(&i) {
                f64::from(reference[i + 3 - 10 - 1]) * 0.5
            } else {
                0.0
            };
            let expected = (f64::from(res) + added) * 5.0;
            assert!(
                (f64::from(got) - expected).abs() < 1e-4,
                "sample {i}: {got} vs {expected}"
            );
        }
        // Without section 5 the file is refused, naming what is missing.
        let mut damaged = file.clone();
        let at = 6 + 16 + 10 * 3; // the pointer to section 5: set its index to 0
        damaged[at + 6..at + 10].copy_from_slice(&0u32.to_le_bytes());
        let err = read_scp(&damaged, &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("section 5 is missing"), "{err}");
    }

    /// The encoder side of [`Bimodal`], written out for the tests: per unprotected stretch of
    /// `n` samples, `n / k` group means then the last `n % k` samples; protected samples as
    /// they are. `zones` are 1-based inclusive.
    fn bimodal_encode(signal: &[i32], zones: &[(usize, usize)], k: usize) -> Vec<i32> {
        let protected = |i: usize| zones.iter().any(|&(a, b)| (a..=b).contains(&(i + 1)));
        let mut out = Vec::new();
        let mut i = 0;
        while i < signal.len() {
            if protected(i) {
                out.push(signal[i]);
                i += 1;
                continue;
            }
            let end = (i..signal.len())
                .find(|&j| protected(j))
                .unwrap_or(signal.len());
            let n = end - i;
            for group in signal[i..i + n / k * k].chunks(k) {
                let sum: i32 = group.iter().sum();
                assert_eq!(sum % k as i32, 0, "test signals keep group means whole");
                out.push(sum / k as i32);
            }
            out.extend_from_slice(&signal[i + n / k * k..end]);
            i = end;
        }
        out
    }

    /// Bimodal compression undone on constructed one-lead files: a ramp with a spike in each
    /// protected zone, decimated by 2 and by 4 with stretches that do and do not divide evenly.
    #[test]
    fn bimodal_compression_is_undone() {
        for (k, zones) in [
            (2usize, vec![(15usize, 22usize)]),
            (4, vec![(9, 14), (27, 31)]), // stretches of 8, 12 and 9 samples
        ] {
            let samples = 40usize;
            // A ramp of slope 2 has whole means over 2 or 4 samples; the QRS is a spike.
            let mut signal: Vec<i32> = (0..samples as i32).map(|t| 2 * t).collect();
            for &(a, b) in &zones {
                for i in a..=b {
                    signal[i - 1] += 300 * ((i - a) as i32 % 3);
                }
            }
            let stored = bimodal_encode(&signal, &zones, k);
            assert!(stored.len() < samples);
            let qrs: Vec<_> = zones
                .iter()
                .map(|&(a, b)| ([0, 0, 0], [a as u32, b as u32]))
                .collect();
            let file = scp_file(&[
                (3, one_lead(samples as u32, false)),
                (4, qrs_section(&qrs)),
                (5, data_section(5000, 2000, false, &[])),
                (6, data_section(5000, 2000 * k as u16, true, &stored)),
            ]);
            let ecg = read_scp(&file, &Limits::default()).unwrap();
            assert_eq!(ecg.sample_rate_hz(), 500.0, "the full rate, from section 5");
            let lead = &ecg.lead(Lead::I).unwrap().samples_uv;
            assert_eq!(lead.len(), samples);
            let protected = |i: usize| zones.iter().any(|&(a, b)| (a..=b).contains(&i));
            // The stretch (1-based, inclusive) around unprotected sample i.
            let stretch = |i: usize| {
                let (mut lo, mut hi) = (i, i);
                while lo > 1 && !protected(lo - 1) {
                    lo -= 1;
                }
                while hi < samples && !protected(hi + 1) {
                    hi += 1;
                }
                (lo, hi)
            };
            let centre = (k as f64 - 1.0) / 2.0;
            for i in 1..=samples {
                let (got, want) = (f64::from(lead[i - 1]), 5.0 * f64::from(signal[i - 1]));
                let exact = protected(i) || {
                    let (lo, hi) = stretch(i);
                    let (t, m) = ((i - lo) as f64, ((hi - lo + 1) / k) as f64);
                    // The remainder is stored as is; between the first and last group centres
                    // linear interpolation gives the ramp back.
                    t >= m * k as f64 || (t >= centre && t <= (m - 1.0) * k as f64 + centre)
                };
                // Elsewhere the first or last mean is held: off by at most slope × (k − 1)/2.
                let tolerance = if exact {
                    1e-3
                } else {
                    5.0 * 2.0 * centre + 1e-3
                };
                assert!(
                    (got - want).abs() <= tolerance,
                    "k {k}, sample {i}: {got} vs {want} (exact: {exact})"
                );
            }
            let share =
                zones.iter().map(|&(a, b)| b - a + 1).sum::<usize>() as f64 / samples as f64;
            assert!(
                ecg.warnings().iter().any(|w| matches!(
                    w,
                    Warning::Interpolated { factor, full_rate_share }
                        if *factor == k && (full_rate_share - share).abs() < 1e-12
                )),
                "{:?}",
                ecg.warnings()
            );
        }
    }

    /// Bimodal compression with reference-beat subtraction, as carts combine them: the residual
    /// is decimated outside the protected zone and the full-rate reference beat is added back
    /// after expansion. Then the refusals: no section 4, a factor over 4, overlapping zones.
    #[test]
    fn bimodal_with_reference_beats_and_its_refusals() {
        let samples = 24usize;
        let residual: Vec<i32> = (0..samples as i32).map(|t| 2 * t).collect();
        let reference = [2, 4, 8, 4, 2, 1]; // fiducial at 3
        let zone = (9usize, 14usize); // subtraction 10..=14 with fc 11: inside the zone
        let stored = bimodal_encode(&residual, &[zone], 2);
        let bodies = |qrs: Vec<u8>, interval_6: u16| {
            vec![
                (3u16, one_lead(samples as u32, true)),
                (4, qrs),
                (5, data_section(5000, 2000, false, &reference)),
                (6, data_section(5000, interval_6, true, &stored)),
            ]
        };
        let qrs = qrs_section(&[([10, 11, 14], [zone.0 as u32, zone.1 as u32])]);
        let ecg = read_scp(&scp_file(&bodies(qrs.clone(), 4000)), &Limits::default()).unwrap();
        let lead = &ecg.lead(Lead::I).unwrap().samples_uv;
        for i in zone.0..=zone.1 {
            // Sample i gains reference[i − fc + fcM] (1-based) in 10..=14.
            let added = if i >= 10 {
                reference[i + 3 - 11 - 1]
            } else {
                0
            };
            let want = 5.0 * f64::from(residual[i - 1] + added);
            assert!((f64::from(lead[i - 1]) - want).abs() < 1e-3, "sample {i}");
        }

        let refused = |bodies: Vec<(u16, Vec<u8>)>| {
            read_scp(&scp_file(&bodies), &Limits::default())
                .unwrap_err()
                .to_string()
        };
        let mut no_zones = bodies(qrs.clone(), 4000);
        no_zones.remove(1);
        let err = refused(no_zones);
        assert!(
            err.contains("section 4 (the protected zones) is missing"),
            "{err}"
        );
        let err = refused(bodies(qrs.clone(), 10_000));
        assert!(err.contains("decimation by 5"), "{err}");
        let err = refused(bodies(qrs, 3000));
        assert!(err.contains("not a whole decimation factor"), "{err}");
        let overlapping = qrs_section(&[([10, 11, 14], [9, 14]), ([0, 0, 0], [12, 20])]);
        let err = refused(bodies(overlapping, 4000));
        assert!(
            err.contains("protected zone 12..20 overlaps 9..14"),
            "{err}"
        );
    }

    /// `tests/fixtures/scp/constructed_bimodal.scp`: leads I and II, 2 s at 500 Hz, bimodal
    /// compression by 2 around five QRS-like spikes, default Huffman table, no differences. The
    /// prefix sweeps and the fuzz seeds use it; this test rebuilds it and compares, or writes it
    /// when ECG_WRITE_FIXTURES is set.
    #[test]
    fn constructed_bimodal_fixture_is_current() {
        let samples = 1000usize;
        let zones: Vec<(usize, usize)> = (0..5).map(|b| (100 + 200 * b, 123 + 200 * b)).collect();
        let lead = |gain: i32| -> Vec<i32> {
            (0..samples)
                .map(|t| {
                    let i = t + 1;
                    let wave = gain * (((t % 200) as i32 - 100) / 10) * 2;
                    let spike = zones
                        .iter()
                        .find(|&&(a, b)| (a..=b).contains(&i))
                        .map_or(0, |&(a, _)| {
                            gain * 40 * (12 - (i as i32 - a as i32 - 12).abs())
                        });
                    wave + spike
                })
                .collect()
        };
        let (one, two) = (lead(1), lead(2));
        let mut s3 = vec![2u8, 0b0000_0100];
        for code in [1u8, 2] {
            s3.extend_from_slice(&1u32.to_le_bytes());
            s3.extend_from_slice(&(samples as u32).to_le_bytes());
            s3.push(code);
        }
        let qrs: Vec<_> = zones
            .iter()
            .map(|&(a, b)| ([0, 0, 0], [a as u32, b as u32]))
            .collect();
        let encode_lead = |signal: &[i32]| {
            let codes: Vec<String> = bimodal_encode(signal, &zones, 2)
                .iter()
                .map(|&v| encode(v))
                .collect();
            pack(&codes.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let (d1, d2) = (encode_lead(&one), encode_lead(&two));
        let mut s6 = 5000u16.to_le_bytes().to_vec();
        s6.extend_from_slice(&4000u16.to_le_bytes());
        s6.extend_from_slice(&[0, 1]);
        s6.extend_from_slice(&(d1.len() as u16).to_le_bytes());
        s6.extend_from_slice(&(d2.len() as u16).to_le_bytes());
        s6.extend(d1);
        s6.extend(d2);
        let file = scp_file(&[
            (3, s3),
            (4, qrs_section(&qrs)),
            (5, data_section(5000, 2000, false, &[])),
            (6, s6),
        ]);
        let ecg = read_scp(&file, &Limits::default()).unwrap();
        assert_eq!((ecg.sample_rate_hz(), ecg.leads().len()), (500.0, 2));
        for (lead, want) in [(Lead::I, &one), (Lead::II, &two)] {
            let got = &ecg.lead(lead).unwrap().samples_uv;
            for &(a, b) in &zones {
                for i in a..=b {
                    assert_eq!(f64::from(got[i - 1]), 5.0 * f64::from(want[i - 1]));
                }
            }
        }
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/scp/constructed_bimodal.scp"
        );
        if std::env::var_os("ECG_WRITE_FIXTURES").is_some() {
            std::fs::write(path, &file).unwrap();
        }
        assert_eq!(
            std::fs::read(path).unwrap(),
            file,
            "rerun with ECG_WRITE_FIXTURES=1"
        );
    }
}
