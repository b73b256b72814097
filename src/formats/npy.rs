//! NumPy `.npy` arrays of float32, little-endian, C order: the model-input tensors the command
//! line reads (`predict --tensor`) and writes. Version 1, 2 and 3 headers; no pickled objects,
//! ever (a `|O` dtype is refused before anything else is read).

use crate::formats::{ErrorKind, Limits};

/// A float32 array with its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyF32 {
    /// Extents, outermost first.
    pub shape: Vec<usize>,
    /// Values in C order.
    pub values: Vec<f32>,
}

/// Why an `.npy` file could not be read. Every variant says where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NpyError {
    /// Not starting with `\x93NUMPY`.
    #[error("byte 0: not a NumPy .npy file (no \\x93NUMPY magic)")]
    NotNpy,
    /// The header is cut short or unreadable.
    #[error("byte {byte_offset}: malformed .npy header: {reason}")]
    Header {
        /// Where the problem is.
        byte_offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// A dtype or layout this reader does not take.
    #[error("unsupported .npy array: {0}")]
    Unsupported(String),
    /// The data is shorter or longer than the header's shape needs.
    #[error(
        "byte {byte_offset}: the header's shape {shape:?} needs {expected} bytes of data, {found} follow"
    )]
    DataLength {
        /// Where the data starts.
        byte_offset: usize,
        /// Declared shape.
        shape: Vec<usize>,
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// Over a [`Limits`] bound.
    #[error("the array has {0} values, over the limit")]
    Limit(usize),
}

impl NpyError {
    /// Whose fault it is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            NpyError::Unsupported(_) => ErrorKind::Unsupported,
            NpyError::Limit(_) => ErrorKind::Limit,
            _ => ErrorKind::Malformed,
        }
    }
}

const MAGIC: &[u8] = b"\x93NUMPY";

/// The parsed header of an `.npy` file.
struct Header {
    /// Byte order (`<`, `>`, `|`) and kind + size, e.g. `('<', 'f', 4)`.
    order: char,
    kind: char,
    size: usize,
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
    count: usize,
    data_offset: usize,
}

fn parse_header(bytes: &[u8], limits: &Limits) -> Result<Header, NpyError> {
    if !bytes.starts_with(MAGIC) {
        return Err(NpyError::NotNpy);
    }
    if bytes.len() > limits.max_bytes {
        return Err(NpyError::Limit(bytes.len()));
    }
    let header_err = |byte_offset, reason: &str| NpyError::Header {
        byte_offset,
        reason: reason.into(),
    };
    let major = *bytes.get(6).ok_or_else(|| header_err(6, "cut short"))?;
    let (len_size, start) = match major {
        1 => (2, 10),
        2 | 3 => (4, 12),
        v => return Err(NpyError::Unsupported(format!("format version {v}"))),
    };
    let len_bytes = bytes
        .get(8..8 + len_size)
        .ok_or_else(|| header_err(8, "cut short"))?;
    let header_len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let end = start + header_len;
    let header = bytes
        .get(start..end)
        .ok_or_else(|| header_err(start, "header length runs past the end of the file"))?;
    let header = std::str::from_utf8(header).map_err(|_| header_err(start, "not text"))?;
    let field = |key: &str| -> Result<&str, NpyError> {
        let quoted = format!("'{key}':");
        let at = header
            .find(&quoted)
            .ok_or_else(|| header_err(start, &format!("no '{key}' entry")))?;
        Ok(header[at + quoted.len()..].trim_start())
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or_else(|| header_err(start, "descr is not a quoted string"))?;
    if descr.contains('O') {
        return Err(NpyError::Unsupported(
            "object arrays (pickled Python objects) are never loaded".into(),
        ));
    }
    let mut chars = descr.chars();
    let (order, kind) = (chars.next().unwrap_or(' '), chars.next().unwrap_or(' '));
    let size: usize = chars.as_str().parse().unwrap_or(0);
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_text = field("shape")?;
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| header_err(start, "shape is not a tuple"))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| header_err(start, "shape holds something other than whole numbers"))?;
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(NpyError::Limit(usize::MAX))?;
    Ok(Header {
        order,
        kind,
        size,
        descr: descr.to_string(),
        fortran,
        shape,
        count,
        data_offset: end,
    })
}

impl Header {
    /// The data, checked to be exactly what the shape and dtype need.
    fn data<'a>(&self, bytes: &'a [u8]) -> Result<&'a [u8], NpyError> {
        let data = &bytes[self.data_offset.min(bytes.len())..];
        let expected = self
            .count
            .checked_mul(self.size.max(1))
            .ok_or(NpyError::Limit(self.count))?;
        if data.len() != expected {
            return Err(NpyError::DataLength {
                byte_offset: self.data_offset,
                shape: self.shape.clone(),
                expected,
                found: data.len(),
            });
        }
        Ok(data)
    }
}

/// Reads a float32 little-endian C-order `.npy` array (the model-input tensors).
pub fn read_npy_f32(bytes: &[u8], limits: &Limits) -> Result<NpyF32, NpyError> {
    let header = parse_header(bytes, limits)?;
    if header.descr != "<f4" && header.descr != "=f4" {
        return Err(NpyError::Unsupported(format!(
            "dtype '{}'; this needs float32 little-endian ('<f4')",
            header.descr
        )));
    }
    if header.fortran {
        return Err(NpyError::Unsupported(
            "Fortran-ordered arrays; save with C order".into(),
        ));
    }
    let values = header
        .data(bytes)?
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(NpyF32 {
        shape: header.shape,
        values,
    })
}

/// A numeric array of any plain dtype, in C order, as f64.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Extents, outermost first.
    pub shape: Vec<usize>,
    /// Values in C order.
    pub values: Vec<f64>,
    /// Whether the stored dtype was a floating-point one.
    pub floating: bool,
    /// The dtype as stored (`<f4`, `<i2` …).
    pub dtype: String,
}

/// Reads an `.npy` array of floats or integers (1 to 8 bytes, either byte order, C or Fortran
/// order; Fortran arrays are returned in C order). Object arrays are refused.
pub fn read_npy_array(bytes: &[u8], limits: &Limits) -> Result<NpyArray, NpyError> {
    let header = parse_header(bytes, limits)?;
    let big = header.order == '>';
    let unsupported = || NpyError::Unsupported(format!("dtype '{}'", header.descr));
    if !matches!(header.order, '<' | '>' | '|' | '=') {
        return Err(unsupported());
    }
    let decode: fn(&[u8], bool) -> f64 = match (header.kind, header.size) {
        ('f', 4) => |b, big| {
            let a = [b[0], b[1], b[2], b[3]];
            f64::from(if big {
                f32::from_be_bytes(a)
            } else {
                f32::from_le_bytes(a)
            })
        },
        ('f', 8) => |b, big| {
            let a = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
            if big {
                f64::from_be_bytes(a)
            } else {
                f64::from_le_bytes(a)
            }
        },
        ('i', 1) => |b, _| f64::from(b[0] as i8),
        ('u', 1) => |b, _| f64::from(b[0]),
        ('i', 2) => |b, big| {
            let a = [b[0], b[1]];
            f64::from(if big {
                i16::from_be_bytes(a)
            } else {
                i16::from_le_bytes(a)
            })
        },
        ('u', 2) => |b, big| {
            let a = [b[0], b[1]];
            f64::from(if big {
                u16::from_be_bytes(a)
            } else {
                u16::from_le_bytes(a)
            })
        },
        ('i', 4) => |b, big| {
            let a = [b[0], b[1], b[2], b[3]];
            f64::from(if big {
                i32::from_be_bytes(a)
            } else {
                i32::from_le_bytes(a)
            })
        },
        ('u', 4) => |b, big| {
            let a = [b[0], b[1], b[2], b[3]];
            f64::from(if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            })
        },
        _ => return Err(unsupported()),
    };
    let data = header.data(bytes)?;
    let mut values: Vec<f64> = data
        .chunks_exact(header.size)
        .map(|c| decode(c, big))
        .collect();
    if header.fortran && header.shape.len() == 2 {
        let (rows, cols) = (header.shape[0], header.shape[1]);
        let mut c_order = vec![0.0; values.len()];
        for r in 0..rows {
            for c in 0..cols {
                c_order[r * cols + c] = values[c * rows + r];
            }
        }
        values = c_order;
    } else if header.fortran && header.shape.len() > 2 {
        return Err(NpyError::Unsupported(
            "Fortran-ordered arrays of more than two dimensions".into(),
        ));
    }
    Ok(NpyArray {
        shape: header.shape,
        values,
        floating: header.kind == 'f',
        dtype: header.descr,
    })
}

/// Writes a float32 `.npy` (version 1.0, C order).
pub fn write_npy_f32(shape: &[usize], values: &[f32]) -> Vec<u8> {
    debug_assert_eq!(shape.iter().product::<usize>(), values.len());
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Pad so that the data starts on a 64-byte boundary, ending the header with '\n'.
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + values.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_it_reads() {
        let values: Vec<f32> = (0..24).map(|i| i as f32 * 0.5 - 3.0).collect();
        let bytes = write_npy_f32(&[2, 3, 4], &values);
        assert_eq!((bytes.len() - 24 * 4) % 64, 0);
        let back = read_npy_f32(&bytes, &Limits::default()).unwrap();
        assert_eq!(back.shape, vec![2, 3, 4]);
        assert_eq!(back.values, values);
    }

    #[test]
    fn refuses_what_it_cannot_read_faithfully() {
        let good = write_npy_f32(&[3], &[1.0, 2.0, 3.0]);
        let limits = Limits::default();
        // Same-length edits inside the header, byte for byte (the magic is not UTF-8).
        let swap = |from: &str, to: &str| {
            let at = good
                .windows(from.len())
                .position(|w| w == from.as_bytes())
                .unwrap();
            let mut bytes = good.clone();
            bytes[at..at + from.len()].copy_from_slice(to.as_bytes());
            read_npy_f32(&bytes, &limits).unwrap_err()
        };
        assert!(matches!(swap("<f4", "<f8"), NpyError::Unsupported(_)));
        assert!(matches!(swap("<f4", "|O8"), NpyError::Unsupported(m) if m.contains("pickled")));
        assert!(matches!(swap("False", "True,"), NpyError::Unsupported(_)));
        assert!(matches!(
            read_npy_f32(&good[..good.len() - 2], &limits),
            Err(NpyError::DataLength {
                expected: 12,
                found: 10,
                ..
            })
        ));
        assert_eq!(read_npy_f32(b"PK\x03\x04", &limits), Err(NpyError::NotNpy));
        assert!(matches!(
            read_npy_f32(&good[..20], &limits),
            Err(NpyError::Header { .. })
        ));
    }
}
