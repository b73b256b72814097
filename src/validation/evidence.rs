//! A site's evidence: its labels, the model's predictions, and which is which. What the
//! command line (`evaluate`, `calibrate`) and the page's campaign view both start from.

use super::report::{Cases, ReportOptions, ValidationReport, cases, validation_report};
use super::table::{
    Labels, Matched, Prediction, TableError, match_labels, parse_labels, parse_predictions,
};
use crate::model::ModelMetadata;

/// The labels, the predictions and the pairs between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The labels file.
    pub labels: Labels,
    /// One per record, in the model's output order.
    pub predictions: Vec<Prediction>,
    /// Label rows to predictions.
    pub matched: Matched,
}

impl Evidence {
    /// Reads a labels file's text (`labels_name` names it in errors) for the model
    /// `metadata` describes: fails with the line and column of a bad label.
    pub fn labels(
        metadata: &ModelMetadata,
        labels_name: &str,
        labels_text: &str,
    ) -> Result<Labels, TableError> {
        parse_labels(labels_text, &metadata.outputs)
            .map_err(|e| TableError(format!("{labels_name}: {e}")))
    }

    /// Pairs labels with the predictions of the model they were read for: fails when a label
    /// names no record, or no label names any.
    pub fn new(
        labels_name: &str,
        labels: Labels,
        predictions: Vec<Prediction>,
    ) -> Result<Self, TableError> {
        let matched = match_labels(&labels, &predictions)
            .map_err(|e| TableError(format!("{labels_name}: {e}")))?;
        Ok(Self {
            labels,
            predictions,
            matched,
        })
    }

    /// Labels read and paired with the predictions of a campaign's table (`predict --csv`,
    /// the page's CSV export; `table_name` names it in errors). A table another model (or
    /// another version of it) made is refused: its probabilities are not this model's.
    pub fn from_table(
        metadata: &ModelMetadata,
        labels_name: &str,
        labels_text: &str,
        table_name: &str,
        table_text: &str,
    ) -> Result<Self, TableError> {
        let labels = Self::labels(metadata, labels_name, labels_text)?;
        let table = parse_predictions(table_text, &metadata.outputs)
            .map_err(|e| TableError(format!("{table_name}: {e}")))?;
        if let Some((name, version)) = &table.model
            && (name != &metadata.name || version != &metadata.version)
        {
            return Err(TableError(format!(
                "{table_name}: made by the model '{name}' {version}, but the model given is '{}' {}: give the model that made it",
                metadata.name, metadata.version
            )));
        }
        Self::new(labels_name, labels, table.predictions)
    }

    /// The validation report.
    pub fn report(&self, metadata: &ModelMetadata, options: ReportOptions) -> ValidationReport {
        validation_report(
            metadata,
            &self.labels,
            &self.predictions,
            &self.matched,
            options,
        )
    }

    /// Each output's cases, `None` for an output the labels file has no column for: what
    /// [`super::calibrate()`] takes.
    pub fn cases_per_output(&self, metadata: &ModelMetadata) -> Vec<Option<Cases>> {
        metadata
            .outputs
            .iter()
            .enumerate()
            .map(|(k, o)| {
                self.labels
                    .labelled_outputs
                    .contains(o)
                    .then(|| cases(&self.labels, &self.predictions, &self.matched, k))
            })
            .collect()
    }
}
