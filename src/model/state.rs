//! Named tensors as checkpoints hold them (a "state dict"), and the safetensors container.
//!
//! Values stay in their stored dtype and PyTorch layout until [`RawTensor::to_f32`]; model code
//! never sees the container.

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};

/// Element types a model file may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredDtype {
    /// IEEE single.
    F32,
    /// IEEE half.
    F16,
    /// bfloat16.
    BF16,
    /// IEEE double (read, converted to f32).
    F64,
    /// 64-bit integer (BN's `num_batches_tracked`).
    I64,
    /// Anything else, by its safetensors name.
    Other(&'static str),
}

impl StoredDtype {
    /// Bytes per element, where known.
    pub fn size(self) -> Option<usize> {
        match self {
            StoredDtype::F32 => Some(4),
            StoredDtype::F16 | StoredDtype::BF16 => Some(2),
            StoredDtype::F64 | StoredDtype::I64 => Some(8),
            StoredDtype::Other(_) => None,
        }
    }

    /// The safetensors spelling (`F32`, `BF16` …).
    pub fn name(self) -> &'static str {
        match self {
            StoredDtype::F32 => "F32",
            StoredDtype::F16 => "F16",
            StoredDtype::BF16 => "BF16",
            StoredDtype::F64 => "F64",
            StoredDtype::I64 => "I64",
            StoredDtype::Other(name) => name,
        }
    }

    fn from_safetensors(dtype: Dtype) -> Self {
        match dtype {
            Dtype::F32 => StoredDtype::F32,
            Dtype::F16 => StoredDtype::F16,
            Dtype::BF16 => StoredDtype::BF16,
            Dtype::F64 => StoredDtype::F64,
            Dtype::I64 => StoredDtype::I64,
            Dtype::BOOL => StoredDtype::Other("BOOL"),
            Dtype::U8 => StoredDtype::Other("U8"),
            Dtype::I8 => StoredDtype::Other("I8"),
            Dtype::I16 => StoredDtype::Other("I16"),
            Dtype::U16 => StoredDtype::Other("U16"),
            Dtype::I32 => StoredDtype::Other("I32"),
            Dtype::U32 => StoredDtype::Other("U32"),
            Dtype::U64 => StoredDtype::Other("U64"),
            _ => StoredDtype::Other("an 8-bit or smaller float"),
        }
    }

    fn to_safetensors(self) -> Option<Dtype> {
        Some(match self {
            StoredDtype::F32 => Dtype::F32,
            StoredDtype::F16 => Dtype::F16,
            StoredDtype::BF16 => Dtype::BF16,
            StoredDtype::F64 => Dtype::F64,
            StoredDtype::I64 => Dtype::I64,
            StoredDtype::Other(_) => return None,
        })
    }

    /// Whether values of this type can be computed with (as f32).
    pub fn is_float(self) -> bool {
        matches!(
            self,
            StoredDtype::F32 | StoredDtype::F16 | StoredDtype::BF16 | StoredDtype::F64
        )
    }
}

/// One tensor: dtype, PyTorch shape, little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTensor {
    /// Stored element type.
    pub dtype: StoredDtype,
    /// Extents, outermost first (PyTorch layout).
    pub shape: Vec<usize>,
    /// Row-major little-endian bytes.
    pub bytes: Vec<u8>,
}

impl RawTensor {
    /// An f32 tensor.
    pub fn from_f32(shape: Vec<usize>, values: &[f32]) -> Self {
        Self {
            dtype: StoredDtype::F32,
            shape,
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as f32 (floats only; `None` for integer types).
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        let chunks2 = || self.bytes.chunks_exact(2).map(|c| [c[0], c[1]]);
        Some(match self.dtype {
            StoredDtype::F32 => self
                .bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            StoredDtype::F16 => chunks2()
                .map(|b| half::f16::from_le_bytes(b).to_f32())
                .collect(),
            StoredDtype::BF16 => chunks2()
                .map(|b| half::bf16::from_le_bytes(b).to_f32())
                .collect(),
            StoredDtype::F64 => self
                .bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
                .collect(),
            StoredDtype::I64 | StoredDtype::Other(_) => return None,
        })
    }

    /// The values as i64 (I64 only).
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        (self.dtype == StoredDtype::I64).then(|| {
            self.bytes
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect()
        })
    }

    /// The same values stored as `dtype` (a float type); integers are kept as they are.
    pub fn cast_float(&self, dtype: StoredDtype) -> RawTensor {
        let Some(values) = self.to_f32().filter(|_| self.dtype != dtype) else {
            return self.clone();
        };
        let bytes = match dtype {
            StoredDtype::F16 => values
                .iter()
                .flat_map(|&v| half::f16::from_f32(v).to_le_bytes())
                .collect(),
            StoredDtype::BF16 => values
                .iter()
                .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
                .collect(),
            StoredDtype::F64 => values
                .iter()
                .flat_map(|&v| f64::from(v).to_le_bytes())
                .collect(),
            _ => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        };
        RawTensor {
            dtype: if dtype.is_float() {
                dtype
            } else {
                StoredDtype::F32
            },
            shape: self.shape.clone(),
            bytes,
        }
    }
}

/// Tensors by name, sorted.
pub type StateDict = BTreeMap<String, RawTensor>;

/// The safetensors container could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("not a readable safetensors file: {0}")]
pub struct ContainerError(pub String);

/// Parses a safetensors file: its tensors and its `__metadata__` strings.
pub fn read_safetensors(
    bytes: &[u8],
) -> Result<(StateDict, HashMap<String, String>), ContainerError> {
    let describe = |error: SafeTensorError| {
        let size = bytes.len();
        ContainerError(match error {
            SafeTensorError::HeaderTooSmall => {
                format!("the file is {size} bytes, too short for the 8-byte header length")
            }
            SafeTensorError::InvalidHeaderLength | SafeTensorError::HeaderTooLarge => {
                let declared = bytes
                    .get(..8)
                    .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
                    .unwrap_or(0);
                format!(
                    "the header declares {declared} bytes of JSON but the file is {size} bytes \
                     (truncated, or not safetensors at all)"
                )
            }
            SafeTensorError::MetadataIncompleteBuffer => format!(
                "the file is {size} bytes, which is not where the tensor data its header \
                 declares ends (truncated or padded)"
            ),
            SafeTensorError::InvalidOffset(name) => {
                format!("tensor '{name}' has data offsets outside the file or overlapping others")
            }
            SafeTensorError::InvalidHeader(e) => format!("the header is not UTF-8: {e}"),
            SafeTensorError::InvalidHeaderDeserialization(e) => {
                format!("the header is not valid safetensors JSON: {e}")
            }
            other => other.to_string(),
        })
    };
    // One parse of the header; it also checks that every tensor's offsets lie inside the data
    // and that the data ends exactly at the end of the file.
    let (header_len, metadata) = SafeTensors::read_metadata(bytes).map_err(describe)?;
    let data = &bytes[8 + header_len..];
    // safetensors without `std` uses hashbrown's map; convert at the boundary.
    let strings: HashMap<String, String> = metadata
        .metadata()
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut tensors = StateDict::new();
    for (name, info) in metadata.tensors() {
        let (start, end) = info.data_offsets;
        let bytes = data
            .get(start..end)
            .ok_or_else(|| describe(SafeTensorError::InvalidOffset(name.clone())))?;
        let tensor = RawTensor {
            dtype: StoredDtype::from_safetensors(info.dtype),
            shape: info.shape.clone(),
            bytes: bytes.to_vec(),
        };
        tensors.insert(name, tensor);
    }
    Ok((tensors, strings))
}

/// Writes a safetensors file with the given `__metadata__` strings.
pub fn write_safetensors(
    tensors: &StateDict,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>, ContainerError> {
    let mut views = Vec::with_capacity(tensors.len());
    for (name, tensor) in tensors {
        let dtype = tensor.dtype.to_safetensors().ok_or_else(|| {
            ContainerError(format!(
                "tensor '{name}': {} cannot be written",
                tensor.dtype.name()
            ))
        })?;
        let view = TensorView::new(dtype, tensor.shape.clone(), &tensor.bytes)
            .map_err(|e| ContainerError(format!("tensor '{name}': {e}")))?;
        views.push((name.as_str(), view));
    }
    safetensors::serialize(views, Some(metadata.into_iter().collect()))
        .map_err(|e| ContainerError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_casts_round_trip_within_their_precision() {
        let values = [0.1f32, -2.5, 1000.0, 1e-3];
        let tensor = RawTensor::from_f32(vec![2, 2], &values);
        for (dtype, tolerance) in [(StoredDtype::F16, 1e-3), (StoredDtype::BF16, 8e-3)] {
            let cast = tensor.cast_float(dtype);
            assert_eq!(cast.bytes.len(), 8);
            for (a, b) in cast.to_f32().unwrap().iter().zip(values) {
                assert!(((a - b) / b).abs() < tolerance, "{dtype:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn truncated_and_foreign_files_say_what_is_wrong() {
        let mut dict = StateDict::new();
        dict.insert("w".into(), RawTensor::from_f32(vec![3], &[1.0, 2.0, 3.0]));
        let bytes = write_safetensors(&dict, HashMap::new()).unwrap();
        let (back, _) = read_safetensors(&bytes).unwrap();
        assert_eq!(back, dict);
        let short = read_safetensors(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(short.0.contains("truncated"), "{short}");
        let header_cut = read_safetensors(&bytes[..20]).unwrap_err();
        assert!(header_cut.0.contains("header declares"), "{header_cut}");
        assert!(
            read_safetensors(b"PK\x03\x04")
                .unwrap_err()
                .0
                .contains("too short")
        );
        let pdf = read_safetensors(b"%PDF-1.7 lorem ipsum dolor sit amet").unwrap_err();
        assert!(pdf.0.contains("not safetensors"), "{pdf}");
    }
}
