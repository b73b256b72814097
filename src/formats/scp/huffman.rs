//! The Huffman coding of sections 2, 5 and 6: the default table (19999), custom tables, and
//! the common layout of sections 5 and 6 with differences undone.

use super::*;

/// One code of a Huffman table (EN 1064 section 2 code structure).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Code {
    pub(super) prefix_bits: u8,
    pub(super) total_bits: u8,
    /// True: a value; false: switch to table `base_value` (1-based).
    pub(super) value_mode: bool,
    pub(super) base_value: i32,
    /// The prefix, first bit in bit 0.
    pub(super) base_code: u32,
}

/// Bits of a byte stream, most significant bit of each byte first.
pub(super) struct Bits<'a> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
}

impl Bits<'_> {
    pub(super) fn bit(&mut self) -> Option<u32> {
        let byte = *self.data.get(self.pos / 8)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Some(u32::from(bit))
    }
    pub(super) fn signed(&mut self, n: u32) -> Option<i32> {
        let mut v: u32 = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        let shift = 32 - n;
        Some(((v << shift) as i32) >> shift)
    }
}

/// Decodes up to `count` values with the default table (19999): 0 → `0`; ±k (k = 1…8) → k ones,
/// a zero, the sign (1 = negative); nine ones, a zero and an 8-bit value; ten ones and a 16-bit
/// value.
pub(super) fn decode_default(data: &[u8], count: usize) -> Vec<i32> {
    let mut bits = Bits { data, pos: 0 };
    let mut out = Vec::with_capacity(count);
    'values: while out.len() < count {
        let mut ones = 0;
        loop {
            match bits.bit() {
                None => break 'values,
                Some(1) => {
                    ones += 1;
                    if ones == 10 {
                        let Some(v) = bits.signed(16) else {
                            break 'values;
                        };
                        out.push(v);
                        continue 'values;
                    }
                }
                Some(_) => break,
            }
        }
        let value = match ones {
            0 => 0,
            9 => match bits.signed(8) {
                Some(v) => v,
                None => break,
            },
            k => match bits.bit() {
                Some(0) => k,
                Some(_) => -k,
                None => break,
            },
        };
        out.push(value);
    }
    out
}

/// Decodes up to `count` values with custom tables (table 1 first).
pub(super) fn decode_custom(
    data: &[u8],
    count: usize,
    tables: &[Vec<Code>],
) -> Result<Vec<i32>, String> {
    let mut bits = Bits { data, pos: 0 };
    let mut out = Vec::with_capacity(count);
    let mut table = 0usize;
    'values: while out.len() < count {
        let (mut code, mut length) = (0u32, 0u8);
        loop {
            let Some(bit) = bits.bit() else { break 'values };
            code |= bit << length;
            length += 1;
            let codes = tables
                .get(table)
                .ok_or("a table switch to a table that does not exist")?;
            if let Some(c) = codes
                .iter()
                .find(|c| c.prefix_bits == length && c.base_code == code)
            {
                if !c.value_mode {
                    table = usize::try_from(c.base_value - 1).map_err(|_| "a switch to table 0")?;
                    continue 'values;
                }
                let extra = u32::from(c.total_bits.saturating_sub(c.prefix_bits));
                let value = if extra > 0 {
                    match bits.signed(extra) {
                        Some(v) => v,
                        None => break 'values,
                    }
                } else {
                    c.base_value
                };
                out.push(value);
                continue 'values;
            }
            if length >= 32 {
                return Err("a bit pattern no code of the table matches".into());
            }
        }
    }
    Ok(out)
}

/// Section 2: the Huffman tables, `None` for the default (section absent, or 19999 tables).
pub(super) fn huffman_tables(
    r: &Reader,
    s2: Option<usize>,
) -> Result<Option<Vec<Vec<Code>>>, ScpError> {
    let Some(s2) = s2 else { return Ok(None) };
    let n_tables = r.u16(s2 + 16, 2)?;
    if n_tables == 19999 {
        return Ok(None);
    }
    let mut at = s2 + 18;
    let mut list = Vec::new();
    for _ in 0..n_tables {
        let n_codes = r.u16(at, 2)?;
        at += 2;
        let mut codes = Vec::with_capacity(usize::from(n_codes));
        for _ in 0..n_codes {
            codes.push(Code {
                prefix_bits: r.u8(at, 2)?,
                total_bits: r.u8(at + 1, 2)?,
                value_mode: r.u8(at + 2, 2)? != 0,
                base_value: i32::from(r.u16(at + 3, 2)? as i16),
                base_code: r.u32(at + 5, 2)?,
            });
            at += 9;
        }
        list.push(codes);
    }
    Ok(Some(list))
}

/// A decoded section 5 or 6: amplitude multiplier and values per lead.
pub(super) struct Block {
    pub(super) avm_nv: f64,
    pub(super) values: Vec<Vec<i32>>,
}

/// Decodes the common layout of sections 5 and 6: AVM (nV, u16), sample interval (µs, u16),
/// difference encoding (u8), bimodal flag (u8, section 6; see [`Bimodal`]), a u16 byte count per
/// lead, then each lead's Huffman-coded data, `counts[i]` values for lead `i`.
pub(super) fn decode_block(
    r: &Reader<'_>,
    id: u16,
    start: usize,
    len: usize,
    counts: &[usize],
    tables: Option<&[Vec<Code>]>,
) -> Result<Block, ScpError> {
    let avm_nv = f64::from(r.u16(start + 16, id)?);
    let interval_us = f64::from(r.u16(start + 18, id)?);
    let differences = r.u8(start + 20, id)?;
    if avm_nv == 0.0 || interval_us == 0.0 {
        return Err(ScpError::Malformed {
            byte_offset: start + 16,
            section: id,
            what: "zero amplitude multiplier or sample interval".into(),
        });
    }
    let mut data_at = start + 22 + 2 * counts.len();
    let mut values = Vec::with_capacity(counts.len());
    for (i, &samples) in counts.iter().enumerate() {
        let length = usize::from(r.u16(start + 22 + 2 * i, id)?);
        let data = r
            .bytes
            .get(data_at..data_at + length)
            .filter(|_| data_at + length <= start + len)
            .ok_or(ScpError::Malformed {
                byte_offset: data_at,
                section: id,
                what: format!(
                    "lead {}: {length} bytes of data run past the section",
                    i + 1
                ),
            })?;
        let mut lead = match tables {
            None => decode_default(data, samples),
            Some(t) => decode_custom(data, samples, t).map_err(|what| ScpError::Malformed {
                byte_offset: data_at,
                section: id,
                what: format!("lead {}: {what}", i + 1),
            })?,
        };
        if lead.len() < samples {
            return Err(ScpError::Malformed {
                byte_offset: data_at,
                section: id,
                what: format!(
                    "lead {}: {} samples decoded, {samples} expected",
                    i + 1,
                    lead.len()
                ),
            });
        }
        data_at += length;
        match differences {
            0 => {}
            1 => {
                for k in 1..lead.len() {
                    lead[k] = lead[k].wrapping_add(lead[k - 1]);
                }
            }
            2 => {
                for k in 2..lead.len() {
                    lead[k] = lead[k]
                        .wrapping_add(lead[k - 1].wrapping_mul(2))
                        .wrapping_sub(lead[k - 2]);
                }
            }
            other => {
                return Err(ScpError::Unsupported {
                    section: id,
                    what: format!("difference encoding {other}"),
                });
            }
        }
        values.push(lead);
    }
    Ok(Block { avm_nv, values })
}
