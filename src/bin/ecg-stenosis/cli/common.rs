//! What several commands share: the input files, the analysis window, the model and backend,
//! reading, and how failures are reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, RecordResult, read_files};
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::model::{BackendPreference, ModelFile, Runner};
use ecg_stenosis::pipeline::{Options, Session};
use ecg_stenosis::signal::WindowOptions;

/// Why a command stopped: something given could not be read or done (exit 1, one line), or a
/// combination of arguments that cannot work (exit 2, with the command's usage).
#[derive(Debug)]
pub enum Failure {
    /// A file, the place and the fault, in one line.
    Run(String),
    /// A usage error clap could not see.
    Usage(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Run(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Run(message.to_string())
    }
}

/// ECG files, recognised by their content.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// ECG files: a WFDB header (.hea) with the signal files it names, GE MUSE, Philips or
    /// HL7 aECG XML, DICOM, SCP-ECG, EDF/BDF, CSV/TSV or NumPy. A header and its signal files
    /// form one record.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The sample rate of files that do not state one (a CSV without a time column, NumPy).
    #[arg(long, value_name = "HZ", value_parser = number)]
    pub sample_rate_hz: Option<f64>,
}

impl Inputs {
    /// Reads every file into records (a WFDB header and its signal files form one). A file the
    /// system cannot read stops the command.
    pub fn records(&self) -> Result<Vec<RecordResult>, Failure> {
        let mut inputs = Vec::with_capacity(self.files.len());
        for path in &self.files {
            inputs.push(InputFile {
                name: path.display().to_string(),
                bytes: read(path)?,
            });
        }
        Ok(read_files(
            &inputs,
            &self.read_options(),
            &Limits::default(),
        ))
    }

    /// How the readers are to read these files.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            sample_rate_hz: self.sample_rate_hz,
            ..ReadOptions::default()
        }
    }
}

/// Which part of the record the network sees, and the quality gate.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Window {
    /// Where the window starts in the record, seconds.
    #[arg(long, value_name = "S", default_value_t = 0.0, value_parser = seconds)]
    pub start_secs: f64,
    /// Zero-pad a record shorter than the model's input instead of refusing it.
    #[arg(long)]
    pub allow_padding: bool,
    /// Go on with a record the quality gate calls unusable (said with every result).
    #[arg(long)]
    pub override_quality: bool,
}

impl Window {
    /// The window alone.
    pub fn window(&self) -> WindowOptions {
        WindowOptions {
            start_secs: self.start_secs,
            allow_padding: self.allow_padding,
        }
    }

    /// The analysis options.
    pub fn options(&self) -> Options {
        Options {
            window: self.window(),
            override_quality: self.override_quality,
        }
    }
}

/// The model file and where it runs.
#[derive(Debug, clap::Args)]
pub struct ModelChoice {
    /// A model file (safetensors with ecg_stenosis metadata); without it, the built-in
    /// demonstration model, trained on synthetic ECGs only.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: Option<PathBuf>,
    /// Where the network runs: the GPU when available (auto), the CPU, or the GPU only.
    #[arg(long, value_name = "auto|cpu|gpu", default_value = "auto")]
    pub backend: BackendPreference,
}

/// The demonstration model shipped with the page (`www/models/demo.safetensors`), built into
/// the binary so that `predict FILE` works from anywhere without `--model`.
const DEMO_MODEL: &[u8] = include_bytes!("../../../../www/models/demo.safetensors");

impl ModelChoice {
    /// `--model M`, or the demonstration model.
    pub fn file(&self) -> Result<ModelFile, Failure> {
        match &self.model {
            Some(path) => model_file(path),
            None => ModelFile::from_bytes(DEMO_MODEL)
                .map_err(|e| format!("the built-in demonstration model: {e}").into()),
        }
    }

    /// The model file built on the backend asked for.
    pub fn session(&self) -> Result<Session, Failure> {
        let model = self.file()?;
        let runner = block_on(Runner::choose(self.backend)).map_err(|e| e.to_string())?;
        Session::new(model, runner).map_err(|e| format!("{}: {e}", self.name()).into())
    }

    fn name(&self) -> String {
        self.model.as_ref().map_or_else(
            || "the built-in demonstration model".into(),
            |p| p.display().to_string(),
        )
    }
}

/// A model file from disk; its errors name the file.
pub fn model_file(path: &Path) -> Result<ModelFile, Failure> {
    ModelFile::from_path(path).map_err(|e| {
        let text = e.to_string();
        let shown = path.display().to_string();
        if text.contains(&shown) {
            Failure::Run(text)
        } else {
            Failure::Run(format!("{shown}: {text}"))
        }
    })
}

/// A whole file, or a one-line failure naming it.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()).into())
}

/// Writes a file, or a one-line failure naming it.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()).into())
}

/// One line per unreadable record on stderr: the file(s), the format, the problem with its
/// location, whose fault. True when there was any.
pub fn report_failures(records: &[RecordResult]) -> bool {
    let mut failed = false;
    for record in records {
        if let Err(e) = &record.result {
            eprintln!(
                "ecg-stenosis: {}: {}: {e} ({})",
                record.sources.join(" + "),
                record.format.name(),
                e.kind().name()
            );
            failed = true;
        }
    }
    failed
}

/// 1 when something failed, else 0.
pub fn exit_status(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A number, for clap.
pub fn number(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .map_err(|_| format!("'{text}' is not a number"))
}

/// Seconds ≥ 0, for clap.
pub fn seconds(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or(format!("'{text}' is not a number of seconds ≥ 0"))
}

/// A whole number from 1 to 10 000 000 (steps, batch sizes, case counts), for clap.
pub fn positive(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=10_000_000).contains(n))
        .ok_or(format!("'{text}' is not a positive whole number"))
}

/// How a model file stores its weights, for clap.
pub fn dtype(text: &str) -> Result<ecg_stenosis::model::state::StoredDtype, String> {
    use ecg_stenosis::model::state::StoredDtype;
    match text {
        "f32" => Ok(StoredDtype::F32),
        "f16" => Ok(StoredDtype::F16),
        "bf16" => Ok(StoredDtype::BF16),
        other => Err(format!("'{other}': expected f32, f16 or bf16")),
    }
}
