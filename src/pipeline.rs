//! From a record to per-vessel risk with a model file: the model input by the file's own
//! recipe and shape, then probabilities and strata by the file's own cut-offs. The forward pass
//! itself is the caller's ([`crate::model::Runner`], async on WebGPU), so the command line and
//! the page share everything else.

use serde::Serialize;

use crate::ecg::Ecg;
use crate::model::metadata::{ModelMetadata, Stratum};
use crate::signal::{InputShape, ModelInput, PrepareError, WindowOptions, prepare};

/// One vessel's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VesselRisk {
    /// Output name (`RCA`, `LM`, `LAD`, `LCX`).
    pub vessel: String,
    /// Sigmoid of the logit.
    pub probability: f64,
    /// By the model file's cut-offs; `None` when the file has none for this output.
    pub stratum: Option<Stratum>,
}

/// The model input for `ecg`, by the recipe and input shape the model file declares.
pub fn model_input(
    ecg: &Ecg,
    metadata: &ModelMetadata,
    window: WindowOptions,
) -> Result<ModelInput, PrepareError> {
    let shape = InputShape {
        sample_rate_hz: metadata.input.sample_rate_hz,
        samples: metadata.input.samples,
    };
    prepare(ecg, metadata.input.preprocessing, shape, window)
}

/// Probabilities and strata from one record's logits, in output order.
pub fn vessel_risks(metadata: &ModelMetadata, logits: &[f32]) -> Vec<VesselRisk> {
    metadata
        .outputs
        .iter()
        .zip(logits)
        .map(|(name, &logit)| {
            let probability = 1.0 / (1.0 + (-f64::from(logit)).exp());
            VesselRisk {
                vessel: name.clone(),
                probability,
                stratum: metadata
                    .thresholds
                    .get(name)
                    .map(|t| t.stratum(probability)),
            }
        })
        .collect()
}
