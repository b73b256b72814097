//! Annotation files (`.atr`): the reference beat labels of a record.

/// One annotation of a WFDB annotation file (`.atr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotation {
    /// Sample index (frame number) it refers to.
    pub sample_index: u64,
    /// The annotation code (WFDB `ecgcodes.h`: 1 = N, 5 = V, 8 = A, 28 = rhythm change …).
    pub code: u8,
}

impl Annotation {
    /// Whether the code marks a beat (WFDB's `isqrs`): N, L, R, a, V, F, J, A, S, E, j, /, Q,
    /// B, ?, e, n, f, r.
    pub fn is_beat(self) -> bool {
        matches!(self.code, 1..=13 | 25 | 30 | 34 | 35 | 38 | 41)
    }
}

/// Why an annotation file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnnotationError {
    /// The file ends inside an annotation.
    #[error("byte {byte_offset}: the annotation file ends inside an annotation")]
    Truncated {
        /// Where the incomplete annotation starts.
        byte_offset: usize,
    },
}

/// Reads a WFDB annotation file in MIT format (16-bit little-endian words: 6-bit code,
/// 10-bit time step; SKIP, NUM, SUB, CHN and AUX pseudo-annotations handled).
pub fn read_annotations(bytes: &[u8]) -> Result<Vec<Annotation>, AnnotationError> {
    const SKIP: u16 = 59;
    const AUX: u16 = 63;
    let mut out = Vec::new();
    let mut time: u64 = 0;
    let mut pos = 0;
    let word = |pos: usize| -> Option<u16> {
        bytes
            .get(pos..pos + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    while let Some(w) = word(pos) {
        let (code, value) = (w >> 10, w & 0x3ff);
        let start = pos;
        pos += 2;
        match code {
            0 if value == 0 => break,
            SKIP => {
                let (Some(high), Some(low)) = (word(pos), word(pos + 2)) else {
                    return Err(AnnotationError::Truncated { byte_offset: start });
                };
                let interval = ((u32::from(high) << 16) | u32::from(low)) as i32;
                time = time.saturating_add_signed(i64::from(interval));
                pos += 4;
            }
            60..=62 => {}
            AUX => {
                let len = usize::from(value);
                if bytes.len() < pos + len {
                    return Err(AnnotationError::Truncated { byte_offset: start });
                }
                pos += len + (len & 1);
            }
            _ => {
                time += u64::from(value);
                out.push(Annotation {
                    sample_index: time,
                    code: code as u8,
                });
            }
        }
    }
    Ok(out)
}
