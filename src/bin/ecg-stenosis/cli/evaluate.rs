//! `evaluate`: the model against a site's labels (README, "Local validation"): report.json,
//! one SVG per plot and report.html.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;

use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::model::{ModelFile, ModelMetadata};
use ecg_stenosis::validation::{Evidence, Plot, Prediction, ReportOptions, plot_svg, report_html};

use super::common::{Failure, Inputs, ModelChoice, Window, positive, read, write};

/// The model against a site's labelled ECGs: discrimination, calibration, decision curve,
/// strata.
///
/// Runs the model on the ECG files (or takes a table that 'predict --csv' or the page wrote,
/// with --from-csv) and compares each record's probabilities with the labels file: a `file`
/// column naming the record and a 0/1/empty column per output (RCA, LM, LAD, LCX), optional
/// `age` and `sex`. Writes DIR/report.json, DIR/report.html and one SVG per output and plot
/// (roc, calibration, decision-curve). Computed on this machine; nothing is sent anywhere.
#[derive(Debug, clap::Args)]
#[command(mut_arg("files", |a| a.required(false).required_unless_present("from_csv")))]
pub struct Args {
    #[command(flatten)]
    pub sources: Sources,
    /// The directory to write the report into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Where the predictions come from, and the labels: what `evaluate` and `calibrate` share.
#[derive(Debug, clap::Args)]
pub struct Sources {
    #[command(flatten)]
    inputs: Inputs,
    /// The labels file (CSV: file, RCA, LM, LAD, LCX; optional age, sex).
    #[arg(long, value_name = "L.csv")]
    labels: PathBuf,
    /// A prediction table ('predict --csv', or the page's CSV export) instead of ECG files:
    /// the model is not run again. It must have been made by the model given (--model).
    #[arg(long, value_name = "PRED.csv", conflicts_with = "files")]
    from_csv: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelChoice,
    #[command(flatten)]
    window: Window,
    /// Bootstrap resamples of each AUC's 95 % interval.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = positive)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
}

/// The model and the site's evidence.
pub struct Given {
    /// The model file.
    pub model: ModelFile,
    /// The labels, the predictions and the pairs.
    pub evidence: Evidence,
}

impl Sources {
    /// The report's options.
    pub fn options(&self) -> ReportOptions {
        ReportOptions {
            bootstrap_resamples: self.bootstrap,
            seed: self.seed,
            ..ReportOptions::default()
        }
    }

    /// Reads the labels, gets the predictions, pairs them.
    pub fn given(&self) -> Result<Given, Failure> {
        let model = self.model.file()?;
        let metadata = model.metadata();
        let labels_name = self.labels.display().to_string();
        let labels = text(&self.labels)?;
        let evidence = match &self.from_csv {
            Some(path) => Evidence::from_table(
                metadata,
                &labels_name,
                &labels,
                &path.display().to_string(),
                &text(path)?,
            ),
            None => {
                // The labels are read first: a bad labels file fails before the model runs.
                let labels =
                    Evidence::labels(metadata, &labels_name, &labels).map_err(|e| e.to_string())?;
                Evidence::new(&labels_name, labels, self.run_model(metadata)?)
            }
        }
        .map_err(|e| e.to_string())?;
        Ok(Given { model, evidence })
    }

    /// Every record's probabilities (in the model's output order), the records read and
    /// analysed on every core, in the order of the files.
    fn run_model(&self, metadata: &ModelMetadata) -> Result<Vec<Prediction>, Failure> {
        let session = self.model.session()?;
        let options = self.window.options();
        let read_options = self.inputs.read_options();
        let mut plan = self.inputs.plan();
        let groups = std::mem::take(&mut plan.groups);
        let total = groups.len();
        let per_group: Vec<Vec<Prediction>> = groups
            .into_par_iter()
            .map(|group| {
                plan.read(group, &read_options)
                    .into_iter()
                    .map(|read| {
                        let report = block_on(session.analyse(read.record, options)).report;
                        let probabilities = metadata
                            .outputs
                            .iter()
                            .map(|o| {
                                report
                                    .vessels
                                    .iter()
                                    .find(|v| &v.vessel == o)
                                    .map(|v| v.probability)
                            })
                            .collect();
                        Prediction {
                            file: report.sources.join(" + "),
                            probabilities,
                            error: report.error.map(|e| e.message),
                        }
                    })
                    .collect()
            })
            .collect();
        let predictions: Vec<Prediction> = per_group.into_iter().flatten().collect();
        let failed = predictions.iter().filter(|p| p.error.is_some()).count();
        eprintln!(
            "ran the model on {total} file group(s): {} record(s), {failed} without an estimate",
            predictions.len()
        );
        Ok(predictions)
    }
}

/// A UTF-8 text file.
fn text(path: &Path) -> Result<String, Failure> {
    String::from_utf8(read(path)?).map_err(|_| format!("{}: not UTF-8 text", path.display()).into())
}

/// Runs `evaluate`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let given = args.sources.given()?;
    let report = given
        .evidence
        .report(given.model.metadata(), args.sources.options());
    let dir = &args.out;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    write(&dir.join("report.json"), json + "\n")?;
    let mut taken = std::collections::HashSet::new();
    for (k, vessel) in report.vessels.iter().enumerate() {
        // Two outputs whose names differ only where a file name cannot follow them.
        let mut stem = file_safe(&vessel.vessel);
        if !taken.insert(stem.clone()) {
            stem = format!("{stem}-{}", k + 1);
        }
        for plot in Plot::ALL {
            let name = format!("{stem}-{}.svg", plot.slug());
            write(&dir.join(name), plot_svg(vessel, plot))?;
        }
    }
    write(&dir.join("report.html"), report_html(&report))?;
    let r = &report.records;
    say!(
        "{} record(s), {} labelled ({} without an estimate, left out), {} unlabelled",
        r.given,
        r.labelled,
        r.labelled_without_estimate,
        r.unlabelled
    );
    for v in &report.vessels {
        let auc = match (v.auc, v.auc_ci95) {
            (Some(a), Some([lo, hi])) => format!("AUC {a:.3} (95 % CI {lo:.3}–{hi:.3})"),
            (Some(a), None) => format!("AUC {a:.3}"),
            _ => "AUC – (one class only)".into(),
        };
        say!(
            "{}: n={} positives={} {auc} Brier {:.4}",
            v.vessel,
            v.n,
            v.positives,
            v.brier
        );
    }
    if report.demonstration_model {
        say!("note: {}", report.disclaimer);
    }
    say!(
        "wrote report.json, report.html and the plots to {}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// An output's name for a file name: letters, digits, `-` and `_` kept, anything else `_`.
pub fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() { "_".into() } else { safe }
}
