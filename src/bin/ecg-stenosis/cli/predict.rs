//! `predict`: the risk of severe stenosis per vessel, for files or for a prepared tensor.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ecg_stenosis::formats::{InputFile, Limits, read_files, read_npy_f32};
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::pipeline::{
    BackendSummary, Batch, ErrorKind, ModelSummary, Report, Session, csv_table, sigmoid,
};
use serde_json::json;

use super::common::{Failure, Inputs, ModelChoice, Window, exit_status, read, write};

/// The risk of severe stenosis per vessel, for ECG files or a prepared tensor.
///
/// Gives each record's four probabilities and risk strata, with the model file's recipe and
/// cut-offs; without --model the built-in demonstration model (synthetic training data: its
/// disclaimer is printed with every result). Records without an estimate (unreadable,
/// unusable, too short) keep their row with the error, and the batch goes on (exit 1).
/// With --tensor the network runs on an already-preprocessed float32 .npy of shape
/// [12, samples] or [N, 12, samples], with no preprocessing.
#[derive(Debug, clap::Args)]
#[command(mut_arg("files", |a| a.required(false).required_unless_present("tensor")))]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// A prepared model input instead of ECG files.
    #[arg(long, value_name = "X.npy", conflicts_with_all = ["files", "csv"])]
    tensor: Option<PathBuf>,
    #[command(flatten)]
    model: ModelChoice,
    #[command(flatten)]
    window: Window,
    /// One JSON document: a report per record (README, "The JSON report").
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Write one CSV row per record to this file (- for standard output).
    #[arg(long, value_name = "OUT.csv")]
    csv: Option<PathBuf>,
}

/// Runs `predict`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let session = args.model.session()?;
    match &args.tensor {
        Some(tensor) => predict_tensor(&session, tensor, args.json),
        None => predict_files(&session, &args),
    }
}

/// Each record through [`Session::analyse`]: quality gate, the model file's recipe, the
/// network, strata.
fn predict_files(session: &Session, args: &Args) -> Result<ExitCode, Failure> {
    let options = args.window.options();
    let text = !args.json && args.csv.is_none();
    // Files the system cannot read keep their row; the others are read together (a WFDB
    // header and its signal files form one record).
    let mut reports = Vec::new();
    let mut inputs = Vec::new();
    for path in &args.inputs.files {
        match std::fs::read(path) {
            Ok(bytes) => inputs.push(InputFile {
                name: path.display().to_string(),
                bytes,
            }),
            Err(e) => reports.push(session.failed(
                vec![path.display().to_string()],
                ErrorKind::Io,
                format!("cannot read: {e}"),
            )),
        }
    }
    let mut failed = false;
    for report in &reports {
        if let Some(error) = &report.error {
            eprintln!(
                "ecg-stenosis: {}: {}",
                report.sources.join(" + "),
                error.message
            );
            failed = true;
        }
        if text {
            print_report(report);
        }
    }
    let records = read_files(&inputs, &args.inputs.read_options(), &Limits::default());
    for record in records {
        let report = block_on(session.analyse(record, options)).report;
        if let Some(error) = &report.error {
            eprintln!(
                "ecg-stenosis: {}: {} ({})",
                report.sources.join(" + "),
                error.message,
                error.kind
            );
            failed = true;
        }
        if text {
            print_report(&report);
        }
        reports.push(report);
    }
    finish(session, args, &reports)?;
    Ok(exit_status(failed))
}

/// The batch's CSV table, JSON document or closing line.
fn finish(session: &Session, args: &Args, reports: &[Report]) -> Result<(), Failure> {
    let metadata = session.metadata();
    if let Some(out) = &args.csv {
        let table = csv_table(reports, &metadata.outputs);
        if out.as_os_str() == "-" {
            print!("{table}");
        } else {
            write(out, table)?;
            eprintln!("wrote {} ({} rows)", out.display(), reports.len());
        }
    } else if args.json {
        let batch = Batch {
            records: reports,
            model: ModelSummary::of(metadata),
            backend: BackendSummary::of(session.runner()),
        };
        println!(
            "{}",
            serde_json::to_string(&batch).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "model: {} {} (backend {})",
            metadata.name,
            metadata.version,
            session.runner().info().kind.name()
        );
    }
    Ok(())
}

/// One record's report as lines.
fn print_report(report: &Report) {
    println!("record: {}", report.sources.join(" + "));
    if let Some(quality) = &report.quality {
        let overridden = if report.quality_overridden {
            " (overridden: estimate given anyway)"
        } else {
            ""
        };
        println!("quality: {}{overridden}", quality.verdict.name());
    }
    if let Some(error) = &report.error {
        println!("no estimate: {}", error.message);
    }
    for r in &report.vessels {
        println!(
            "{:<4} {:.4}  {}",
            r.vessel,
            r.probability,
            r.stratum
                .map_or("(no strata in this model file)", |s| s.name())
        );
    }
    if !report.vessels.is_empty() && report.model.demonstration {
        println!("note: {}", report.model.disclaimer);
    }
    for w in &report.warnings {
        println!("warning: {}", w.message);
    }
}

/// The network on a prepared tensor: logits and probabilities, no preprocessing.
fn predict_tensor(session: &Session, path: &Path, json: bool) -> Result<ExitCode, Failure> {
    let metadata = session.metadata();
    let array = read_npy_f32(&read(path)?, &Limits::default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let (leads, samples) = (
        metadata.architecture.config.in_channels,
        metadata.input.samples,
    );
    match array.shape.as_slice() {
        &[l, s] if l == leads && s == samples => {}
        &[n, l, s] if l == leads && s == samples && n > 0 => {}
        shape => {
            return Err(format!(
                "{}: shape {shape:?}; this model takes [{leads}, {samples}] or [N, {leads}, {samples}]",
                path.display()
            )
            .into());
        }
    }
    let logits = block_on(session.forward_inputs(&array.values))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let probabilities: Vec<Vec<f64>> = logits
        .iter()
        .map(|row| row.iter().map(|&x| sigmoid(x)).collect())
        .collect();
    let backend = BackendSummary::of(session.runner());
    let warnings: Vec<String> = session
        .model()
        .warnings()
        .iter()
        .map(ToString::to_string)
        .collect();
    if json {
        let report = json!({
            "outputs": metadata.outputs,
            "logits": logits,
            "probabilities": probabilities,
            "backend": backend.kind,
            "backend_detail": backend.detail,
            "model": {
                "name": metadata.name,
                "version": metadata.version,
                "demonstration": metadata.card.demonstration,
                "disclaimer": metadata.card.disclaimer,
            },
            "warnings": warnings,
        });
        println!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("model: {} {}", metadata.name, metadata.version);
    println!("disclaimer: {}", metadata.card.disclaimer);
    println!(
        "backend: {} ({})",
        backend.kind,
        backend.detail.as_deref().unwrap_or("")
    );
    for warning in &warnings {
        println!("warning: {warning}");
    }
    println!("record\t{}", metadata.outputs.join("\t"));
    for (i, row) in probabilities.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|p| format!("{p:.4}")).collect();
        println!("{i}\t{}", cells.join("\t"));
    }
    Ok(ExitCode::SUCCESS)
}
