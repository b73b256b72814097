//! The sample formats: bits per sample, the missing-value code, and the decoding of a signal
//! file's byte stream into digital values; the units of the physical values.

/// Bits per sample of a format (for sizing).
pub(super) fn bits(format: u16) -> usize {
    match format {
        8 | 80 => 8,
        212 => 12,
        310 | 311 => 10,
        24 => 24,
        32 => 32,
        _ => 16,
    }
}

/// The digital value a format uses for "no sample".
pub(super) fn missing_value(format: u16) -> Option<i32> {
    match format {
        16 | 61 | 160 => Some(-32768),
        212 => Some(-2048),
        310 | 311 => Some(-512),
        80 => Some(-128),
        24 => Some(-(1 << 23)),
        32 => Some(i32::MIN),
        _ => None,
    }
}

/// Decodes `count` samples of the interleaved stream of one file (all formats but 8, whose
/// differences need per-signal state and are integrated by the caller).
/// Every format's samples fit in an `i32` (4 bytes a sample, not 8: a 128 MB record is 64
/// million samples).
pub(super) fn decode_stream(format: u16, data: &[u8], count: usize) -> Vec<i32> {
    let mut out = Vec::with_capacity(count);
    let sign = |v: i64, bits: u32| -> i64 {
        let half = 1i64 << (bits - 1);
        if v >= half { v - 2 * half } else { v }
    };
    match format {
        8 => out.extend(data.iter().take(count).map(|&b| i32::from(b as i8))),
        80 => out.extend(data.iter().take(count).map(|&b| i32::from(b) - 128)),
        16 => out.extend(
            data.chunks_exact(2)
                .take(count)
                .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]]))),
        ),
        61 => out.extend(
            data.chunks_exact(2)
                .take(count)
                .map(|c| i32::from(i16::from_be_bytes([c[0], c[1]]))),
        ),
        160 => out.extend(
            data.chunks_exact(2)
                .take(count)
                .map(|c| i32::from(u16::from_le_bytes([c[0], c[1]])) - 32768),
        ),
        24 => out.extend(data.chunks_exact(3).take(count).map(|c| {
            sign(
                i64::from(c[0]) | i64::from(c[1]) << 8 | i64::from(c[2]) << 16,
                24,
            ) as i32
        })),
        32 => out.extend(
            data.chunks_exact(4)
                .take(count)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ),
        212 => {
            for c in data.chunks(3) {
                let b = |i: usize| i64::from(c.get(i).copied().unwrap_or(0));
                out.push(sign(b(0) | (b(1) & 0x0f) << 8, 12) as i32);
                out.push(sign(b(2) | (b(1) & 0xf0) << 4, 12) as i32);
                if out.len() >= count {
                    break;
                }
            }
        }
        310 => {
            for c in data.chunks(4) {
                let b = |i: usize| i64::from(c.get(i).copied().unwrap_or(0));
                out.push(sign((b(0) >> 1) | (b(1) & 0x07) << 7, 10) as i32);
                out.push(sign((b(2) >> 1) | (b(3) & 0x07) << 7, 10) as i32);
                out.push(sign((b(1) & 0xf8) >> 3 | (b(3) & 0xf8) << 2, 10) as i32);
                if out.len() >= count {
                    break;
                }
            }
        }
        311 => {
            for c in data.chunks(4) {
                let b = |i: usize| i64::from(c.get(i).copied().unwrap_or(0));
                out.push(sign(b(0) | (b(1) & 0x03) << 8, 10) as i32);
                out.push(sign((b(1) & 0xfc) >> 2 | (b(2) & 0x0f) << 6, 10) as i32);
                out.push(sign((b(2) & 0xf0) >> 4 | (b(3) & 0x3f) << 4, 10) as i32);
                if out.len() >= count {
                    break;
                }
            }
        }
        _ => {}
    }
    out.truncate(count);
    out
}

pub(super) fn microvolts_per_unit(units: &str) -> Option<f64> {
    match units.trim() {
        "mV" | "mv" | "MV" => Some(1000.0),
        "uV" | "µV" | "μV" | "uv" => Some(1.0),
        "nV" => Some(0.001),
        "V" => Some(1e6),
        _ => None,
    }
}
