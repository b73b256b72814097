//! `predict`: the risk of severe stenosis per vessel, for files or for a prepared tensor.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::io::{IsTerminal, Write};

use rayon::prelude::*;

use ecg_stenosis::formats::{Limits, read_npy_f32};
use ecg_stenosis::model::metadata::ClinicalContextRule;
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::pipeline::{
    BackendSummary, Batch, COHORT_GRID, Cohort, ContextReport, Contribution, ModelSummary, Report,
    Session, cohort_notice, csv_context_header, csv_context_row, csv_header, csv_row, probability,
    pseudonym,
};
use ecg_stenosis::render::{Paper, cohort_size_mm, draw_cohort};
use ecg_stenosis::validation::{ContextTable, parse_context};
use plotters::prelude::{IntoDrawingArea, SVGBackend};
use serde_json::json;

use super::common::{Failure, Inputs, ModelChoice, Window, exit_status, positive, read};

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
#[command(mut_arg("tensor", |a| a.conflicts_with("context")))]
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
    /// Write one CSV row per record to this file (- for standard output). Cells that a
    /// spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage return)
    /// get a leading apostrophe.
    #[arg(long, value_name = "OUT.csv")]
    csv: Option<PathBuf>,
    /// Name each record by its position in the batch and a hash of its contents
    /// (record-00042-3fa9c0d1) instead of its file names, in every output, errors and warnings
    /// included: for sharing a result table (file names often carry patient names or IDs).
    #[arg(long)]
    pseudonymise: bool,
    /// Records analysed at once, each on its own thread (default: the number of cores). Every
    /// thread also does its share of one record's matrix products; --jobs 1 uses one core.
    /// Output stays in the order of the records.
    #[arg(long, value_name = "N", value_parser = positive)]
    jobs: Option<usize>,
    /// Draw the cohort view as SVG: per vessel, the average median beat of every lead over the
    /// records at high risk against those at low risk, on ECG paper (as the page's campaign
    /// view draws it).
    #[arg(long, value_name = "OUT.svg")]
    cohort_svg: Option<PathBuf>,
    /// Write the cohort's numbers as JSON: records per group, the mean beats on the 250 Hz grid
    /// (µV from the PR level) and, with --cohort-saliency, the mean share of attribution per
    /// lead and beat phase.
    #[arg(long, value_name = "OUT.json")]
    cohort_json: Option<PathBuf>,
    /// Also explain every record (input × gradient, one pass per vessel: slower) for the
    /// cohort's shares of attribution per lead and beat phase.
    #[arg(long)]
    cohort_saliency: bool,
    /// The patients' clinical context, a CSV with the columns file, age, sex, symptoms and
    /// optionally risk_factors (README, "Clinical context"): adds each record's guideline
    /// pre-test likelihoods (ESC 2019, ESC 2024), the ECG's stratum for any vessel and, where
    /// the model file defines a rule, the combined category to its report and CSV row.
    #[arg(long, value_name = "CONTEXT.csv")]
    context: Option<PathBuf>,
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
/// network, strata. Records are read and analysed `--jobs` at a time, a window of them at
/// once, and reported in their order (a CSV row is written as soon as its turn comes), so a
/// batch of thousands needs the memory of a window of records, never of the batch.
fn predict_files(session: &Session, args: &Args) -> Result<ExitCode, Failure> {
    let options = args.window.options();
    let read_options = args.inputs.read_options();
    let outputs = &session.metadata().outputs;
    let text = !args.json && args.csv.is_none();
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))?;
    let context = args.context.as_deref().map(read_context).transpose()?;
    let rule = session.metadata().clinical_context.as_ref();
    let mut context_used = vec![0usize; context.as_ref().map_or(0, |c| c.rows.len())];
    let mut table = match &args.csv {
        Some(path) => Some(Table::create(path, outputs, context.is_some())?),
        None => None,
    };
    let mut plan = args.inputs.plan();
    let groups = std::mem::take(&mut plan.groups);
    let mut progress = Progress::new(groups.len());
    let wants_cohort = args.cohort_svg.is_some() || args.cohort_json.is_some();
    if args.cohort_saliency && !wants_cohort {
        return Err("--cohort-saliency needs --cohort-svg or --cohort-json".into());
    }
    let mut cohort = Cohort::new(outputs.clone());
    let mut reports = Vec::new();
    let mut failed = false;
    let mut groups = groups.into_iter().enumerate().peekable();
    while groups.peek().is_some() {
        let window: Vec<_> = groups.by_ref().take(jobs * 4).collect();
        let done = window.len();
        let analysed: Vec<Vec<Analysed>> = pool.install(|| {
            window
                .into_par_iter()
                .map(|(position, group)| {
                    plan.read(group, &read_options)
                        .into_iter()
                        .map(|read| {
                            let analysis = block_on(session.analyse(read.record, options));
                            let part = if wants_cohort {
                                block_on(
                                    session.cohort_contribution(&analysis, args.cohort_saliency),
                                )
                            } else {
                                None
                            };
                            let (report, row) =
                                with_context(analysis.report, context.as_ref(), rule);
                            let report = if args.pseudonymise {
                                report.pseudonymised(&pseudonym(position + 1, &read.content_hash))
                            } else {
                                report
                            };
                            (report, part, row)
                        })
                        .collect()
                })
                .collect()
        });
        for (report, part, row) in analysed.into_iter().flatten() {
            if let Some(row) = row {
                context_used[row] += 1;
            }
            if let Some(part) = part {
                cohort.add(&part).map_err(|e| e.to_string())?;
            }
            if let Some(error) = &report.error {
                progress.clear();
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
            match &mut table {
                Some(table) => table.row(&report, outputs)?,
                None if args.json => reports.push(report),
                None => {}
            }
        }
        progress.advance(done);
    }
    progress.finish();
    if let (Some(path), Some(table)) = (&args.context, &context) {
        failed |= context_rows_unused(path, table, &context_used);
    }
    write_cohort(&cohort, session, args)?;
    if let Some(table) = table {
        table.finish()?;
    } else if args.json {
        let batch = Batch {
            records: &reports,
            model: ModelSummary::of(session.metadata()),
            backend: BackendSummary::of(session.runner()),
        };
        say!(
            "{}",
            serde_json::to_string(&batch).map_err(|e| e.to_string())?
        );
    } else {
        say_model(session);
    }
    Ok(exit_status(failed))
}

/// One record's report, its part in the cohort, and the context row it used.
type Analysed = (Report, Option<Contribution>, Option<usize>);

/// `--cohort-svg` and `--cohort-json`, where asked.
fn write_cohort(cohort: &Cohort, session: &Session, args: &Args) -> Result<(), Failure> {
    if let Some(path) = &args.cohort_svg {
        write_cohort_svg(cohort, session, path)?;
    }
    if let Some(path) = &args.cohort_json {
        let text = serde_json::to_string(&cohort.summary(true)).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        eprintln!(
            "wrote {} ({} records in the cohort)",
            path.display(),
            cohort.records()
        );
    }
    Ok(())
}

/// Reads and checks a context file: a bad row fails the run, with its line and column.
fn read_context(path: &Path) -> Result<ContextTable, Failure> {
    let bytes = read(path)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
    parse_context(text).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// The report with its clinical context part, when the context file has a row for it, and
/// which row.
fn with_context(
    report: Report,
    context: Option<&ContextTable>,
    rule: Option<&ClinicalContextRule>,
) -> (Report, Option<usize>) {
    match context.and_then(|c| Some((c, c.find(&report.sources)?))) {
        Some((table, row)) => (
            report.with_context(&table.rows[row].context, rule),
            Some(row),
        ),
        None => (report, None),
    }
}

/// Says which context rows named no record, or several (by line only: a row's file name may
/// be a patient's); true when there is one.
fn context_rows_unused(path: &Path, table: &ContextTable, used: &[usize]) -> bool {
    let mut any = false;
    for (row, &n) in table.rows.iter().zip(used) {
        let problem = match n {
            0 => "matches no record given",
            1 => continue,
            _ => "matches several records: give each one's path as the table writes it",
        };
        eprintln!(
            "ecg-stenosis: {}: line {}: {problem}",
            path.display(),
            row.line
        );
        any = true;
    }
    any
}

/// The text mode's last lines: the model and backend, and the card's local calibration.
fn say_model(session: &Session) {
    let metadata = session.metadata();
    say!(
        "model: {} {} (backend {})",
        metadata.name,
        metadata.version,
        session.runner().info().kind.name()
    );
    if let Some(line) = metadata.card.local_validation() {
        say!("model card: {line}");
    }
}

/// Pixels per millimetre of the cohort SVG.
const COHORT_PX_PER_MM: f64 = 4.0;

/// `--cohort-svg`: the cohort view, with the model's standing and disclaimer on it.
fn write_cohort_svg(cohort: &Cohort, session: &Session, path: &Path) -> Result<(), Failure> {
    let metadata = session.metadata();
    let notice = cohort_notice(
        &format!("{} {}", metadata.name, metadata.version),
        &metadata.card.disclaimer,
        metadata.card.demonstration,
    );
    let paper = Paper::new(25.0, 10.0)?;
    let panels = cohort.panels();
    let (w, h) = cohort_size_mm(&paper, COHORT_GRID, panels.len());
    let size = (
        (w * COHORT_PX_PER_MM).ceil() as u32,
        (h * COHORT_PX_PER_MM).ceil() as u32,
    );
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_cohort(
            &area,
            &panels,
            COHORT_GRID,
            &paper,
            COHORT_PX_PER_MM,
            &notice,
        )
        .map_err(|e| e.to_string())?;
    }
    std::fs::write(path, svg).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    eprintln!(
        "wrote {} ({} records in the cohort)",
        path.display(),
        cohort.records()
    );
    Ok(())
}

/// A progress line on standard error (records done of all, ECG per second, time left),
/// redrawn in place, only when standard error is a terminal.
struct Progress {
    total: usize,
    done: usize,
    started: std::time::Instant,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            started: std::time::Instant::now(),
            shown: std::io::stderr().is_terminal() && total > 1,
        }
    }

    fn advance(&mut self, records: usize) {
        self.done += records;
        if !self.shown {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64();
        let rate = self.done as f64 / secs.max(1e-9);
        let left = (self.total - self.done) as f64 / rate.max(1e-9);
        eprint!(
            "\r{}/{} records · {rate:.1} ECG/s · about {left:.0} s left   ",
            self.done, self.total
        );
    }

    /// Clears the line before something else is written to standard error.
    fn clear(&self) {
        if self.shown && self.done > 0 {
            eprint!("\r{:60}\r", "");
        }
    }

    fn finish(&self) {
        if self.shown && self.done > 0 {
            eprintln!();
        }
    }
}

/// `--csv`: the table written row by row, to a file or to standard output.
struct Table {
    path: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
    rows: usize,
    /// With the context columns.
    context: bool,
}

impl Table {
    /// Creates the file (or takes standard output for `-`) and writes the header.
    fn create(path: &Path, outputs: &[String], context: bool) -> Result<Self, Failure> {
        let file = if path.as_os_str() == "-" {
            None
        } else {
            let file = std::fs::File::create(path)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Some(std::io::BufWriter::new(file))
        };
        let mut table = Table {
            path: path.to_path_buf(),
            file,
            rows: 0,
            context,
        };
        table.write(&if context {
            csv_context_header(outputs)
        } else {
            csv_header(outputs)
        })?;
        Ok(table)
    }

    fn row(&mut self, report: &Report, outputs: &[String]) -> Result<(), Failure> {
        self.rows += 1;
        self.write(&if self.context {
            csv_context_row(report, outputs)
        } else {
            csv_row(report, outputs)
        })
    }

    fn write(&mut self, line: &str) -> Result<(), Failure> {
        match &mut self.file {
            Some(file) => file
                .write_all(line.as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", self.path.display()).into()),
            None => {
                say_raw!("{line}");
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), Failure> {
        if let Some(mut file) = self.file {
            file.flush()
                .map_err(|e| format!("{}: cannot write: {e}", self.path.display()))?;
            eprintln!("wrote {} ({} rows)", self.path.display(), self.rows);
        }
        Ok(())
    }
}

/// One record's report as lines.
fn print_report(report: &Report) {
    say!("record: {}", report.sources.join(" + "));
    if let Some(quality) = &report.quality {
        let overridden = if report.quality_overridden {
            " (overridden: estimate given anyway)"
        } else {
            ""
        };
        say!("quality: {}{overridden}", quality.verdict.name());
    }
    if let Some(error) = &report.error {
        say!("no estimate: {}", error.message);
    }
    for r in &report.vessels {
        say!(
            "{:<4} {:.4}  {}",
            r.vessel,
            r.probability,
            r.stratum
                .map_or("(no strata in this model file)", |s| s.name())
        );
    }
    if !report.vessels.is_empty() && report.model.demonstration {
        say!("note: {}", report.model.disclaimer);
    }
    for w in &report.warnings {
        say!("warning: {}", w.message);
    }
    if let Some(c) = &report.clinical_context {
        print_context(c);
    }
}

/// The clinical context lines of a report.
fn print_context(c: &ContextReport) {
    for l in &c.likelihoods {
        match (l.percent, l.category, &l.out_of_range) {
            (Some(p), Some(k), _) => say!("{}: {p} % ({})", l.guideline.title(), k.words()),
            (_, _, Some(why)) => say!("{}: none ({why})", l.guideline.title()),
            _ => {}
        }
    }
    if let Some(k) = &c.combined {
        let label = if k.demonstration {
            "combined (demonstration rule)"
        } else {
            "combined"
        };
        say!("{label}: {} — {}", k.combined.words(), k.wording);
    }
    for note in &c.notes {
        say!("context: {note}");
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
        .map(|row| {
            row.iter()
                .zip(&metadata.outputs)
                .map(|(&x, name)| probability(metadata, name, x))
                .collect()
        })
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
        say!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    say!("model: {} {}", metadata.name, metadata.version);
    say!("disclaimer: {}", metadata.card.disclaimer);
    say!(
        "backend: {} ({})",
        backend.kind,
        backend.detail.as_deref().unwrap_or("")
    );
    for warning in &warnings {
        say!("warning: {warning}");
    }
    say!("record\t{}", metadata.outputs.join("\t"));
    for (i, row) in probabilities.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|p| format!("{p:.4}")).collect();
        say!("{i}\t{}", cells.join("\t"));
    }
    Ok(ExitCode::SUCCESS)
}
