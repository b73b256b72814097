//! What several commands share: the input files, the analysis window, the model and backend,
//! reading, and how failures are reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::io::Read;

use ecg_stenosis::formats::{
    Format, HEAD_BYTES, Limits, ReadError, ReadOptions, RecordResult, detect, group_records,
};
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::model::{BackendPreference, ModelFile, Runner};
use ecg_stenosis::pipeline::{CampaignRead, Options, Session, read_campaign_record};
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
    /// form one record. A folder stands for every file under it (recursively, in path order;
    /// a file that is no ECG gets its own error).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The sample rate of files that do not state one (a CSV without a time column, NumPy).
    #[arg(long, value_name = "HZ", value_parser = number)]
    pub sample_rate_hz: Option<f64>,
}

/// The records a command's inputs form, planned before any is read whole: the files (folders
/// walked), and which of them form each record.
pub struct Plan {
    files: Vec<Listed>,
    /// Each record's files, with what had to be read already.
    pub groups: Vec<Group>,
}

/// One planned record's files: indices into the plan's files, each with its bytes when they
/// had to be read while planning (a FIFO or standard input, which cannot be read twice).
pub type Group = Vec<(usize, Option<Result<Vec<u8>, ReadError>>)>;

/// A file to read, or why a folder could not be listed.
struct Listed {
    path: PathBuf,
    fault: Option<String>,
}

impl Inputs {
    /// The records these files form (a WFDB header and its signal files form one), read one
    /// record at a time, in the order of the files: memory holds one record's files, never the
    /// whole batch. A file that cannot be read, or is over the byte limit, is a record with that
    /// error in its place, and the others are still read.
    pub fn records(&self) -> impl Iterator<Item = RecordResult> + '_ {
        let plan = self.plan();
        let options = self.read_options();
        let Plan { files, groups } = plan;
        groups
            .into_iter()
            .flat_map(move |group| read_group(&files, group, &options))
            .map(|read| read.record)
    }

    /// The files (every folder walked: its files sorted by path) and the records they form.
    /// Only WFDB headers are held whole while planning; of every other file only its first
    /// [`HEAD_BYTES`] are looked at, and dropped.
    pub fn plan(&self) -> Plan {
        let limits = Limits::default();
        let mut files = Vec::new();
        for path in &self.files {
            walk(path, &mut files);
        }
        let mut heads: Vec<(String, Head)> = files
            .iter()
            .map(|f| {
                let head = match f.fault {
                    Some(_) => Head::Prefix(Vec::new()),
                    None => head(&f.path, &limits),
                };
                (f.path.display().to_string(), head)
            })
            .collect();
        let named: Vec<(&str, &[u8])> = heads
            .iter()
            .map(|(name, head)| (name.as_str(), head.bytes()))
            .collect();
        let groups = group_records(&named);
        let mut kept: Vec<Option<Result<Vec<u8>, ReadError>>> = heads
            .iter_mut()
            .map(
                |(_, head)| match std::mem::replace(head, Head::Prefix(Vec::new())) {
                    Head::Whole(bytes) => Some(bytes),
                    Head::Prefix(_) => None,
                },
            )
            .collect();
        let groups = groups
            .into_iter()
            .map(|group| group.into_iter().map(|i| (i, kept[i].take())).collect())
            .collect();
        Plan { files, groups }
    }

    /// How the readers are to read these files.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            sample_rate_hz: self.sample_rate_hz,
            ..ReadOptions::default()
        }
    }
}

impl Plan {
    /// Reads the records of one planned group ([`read_group`]).
    pub fn read(&self, group: Group, options: &ReadOptions) -> Vec<CampaignRead> {
        read_group(&self.files, group, options)
    }
}

/// Reads one planned group's files and the record(s) they form ([`read_campaign_record`]).
fn read_group(files: &[Listed], group: Group, options: &ReadOptions) -> Vec<CampaignRead> {
    let limits = Limits::default();
    let had = group
        .into_iter()
        .map(|(i, kept)| {
            let listed = &files[i];
            let bytes = match (&listed.fault, kept) {
                (Some(fault), _) => Err(ReadError::Io(fault.clone())),
                (None, Some(kept)) => kept,
                (None, None) => read_bounded(&listed.path, &limits),
            };
            (listed.path.display().to_string(), bytes)
        })
        .collect();
    read_campaign_record(had, options, &limits)
}

/// `path`, or every file under it when it is a folder (recursively, sorted by path), onto
/// `files`. Links to files are followed; a link to a folder is not (it could loop), and is
/// listed as a file that cannot be read; a folder that cannot be listed is listed with why.
fn walk(path: &Path, files: &mut Vec<Listed>) {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        files.push(Listed {
            path: path.to_path_buf(),
            fault: None,
        });
        return;
    }
    let mut found = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) => {
                found.push(Listed {
                    path: folder,
                    fault: Some(format!("the folder cannot be listed: {e}")),
                });
                continue;
            }
        };
        for entry in entries {
            match entry {
                Ok(entry) if entry.file_type().is_ok_and(|t| t.is_dir()) => {
                    folders.push(entry.path());
                }
                Ok(entry) => found.push(Listed {
                    path: entry.path(),
                    fault: None,
                }),
                Err(e) => found.push(Listed {
                    path: folder.clone(),
                    fault: Some(format!("the folder cannot be listed: {e}")),
                }),
            }
        }
    }
    // Byte order of the path as printed (`str`'s order), each key made once.
    found.sort_by_cached_key(|listed| listed.path.display().to_string());
    files.extend(found);
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

/// A whole file within the byte limit, or a one-line failure naming it.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    read_bounded(path, &Limits::default()).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Writes a file, or a one-line failure naming it.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()).into())
}

/// A file's bytes, never more than `limits.max_bytes`: the size a regular file declares is
/// checked before reading, and anything else (a FIFO, standard input, `/dev/zero`) is read
/// only up to the limit and then refused.
pub fn read_bounded(path: &Path, limits: &Limits) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    read_open(file, limits)
}

/// [`read_bounded`] on a file already open.
fn read_open(file: std::fs::File, limits: &Limits) -> Result<Vec<u8>, ReadError> {
    let io = |e: std::io::Error| ReadError::Io(e.to_string());
    let metadata = file.metadata().map_err(io)?;
    if metadata.is_dir() {
        return Err(ReadError::Io("it is a directory".into()));
    }
    let declared = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    limits.check_bytes(declared).map_err(ReadError::TooLarge)?;
    let mut bytes = Vec::with_capacity(if metadata.is_file() { declared } else { 0 });
    file.take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    limits
        .check_bytes(bytes.len())
        .map_err(ReadError::TooLarge)?;
    Ok(bytes)
}

/// What [`Inputs::records`] looks at before reading a batch.
enum Head {
    /// A WFDB header, whole (it names its signal files), to group the batch into records;
    /// empty for any other file (only [`HEAD_BYTES`] of it were looked at) or one that cannot
    /// be opened (reading it later says why).
    Prefix(Vec<u8>),
    /// All of something that can be read only once (a FIFO, standard input), within the limit.
    Whole(Result<Vec<u8>, ReadError>),
}

impl Head {
    fn bytes(&self) -> &[u8] {
        match self {
            Head::Prefix(bytes) | Head::Whole(Ok(bytes)) => bytes,
            Head::Whole(Err(_)) => &[],
        }
    }
}

fn head(path: &Path, limits: &Limits) -> Head {
    let Ok(file) = std::fs::File::open(path) else {
        return Head::Prefix(Vec::new());
    };
    match file.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(m) if m.is_dir() => return Head::Prefix(Vec::new()),
        _ => return Head::Whole(read_open(file, limits)),
    }
    let mut bytes = Vec::new();
    if file
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return Head::Prefix(Vec::new());
    }
    match detect(&bytes) {
        Format::Wfdb if bytes.len() == HEAD_BYTES => {
            Head::Prefix(read_bounded(path, limits).unwrap_or(bytes))
        }
        Format::Wfdb => Head::Prefix(bytes),
        // Only a WFDB header's bytes matter to the grouping: the others are not held while a
        // batch of thousands is planned (empty bytes are never taken for a header).
        _ => Head::Prefix(Vec::new()),
    }
}

/// One line on stderr when `record` could not be read: the file(s), the format, the problem
/// with its location, whose fault. True when it could not.
pub fn report_failure(record: &RecordResult) -> bool {
    let Err(e) = &record.result else {
        return false;
    };
    // A file never handed to a reader has no format to name.
    let format = match e {
        ReadError::Io(_) | ReadError::TooLarge(_) => String::new(),
        _ => format!("{}: ", record.format.name()),
    };
    eprintln!(
        "ecg-stenosis: {}: {format}{e} ({})",
        record.sources.join(" + "),
        e.kind().name()
    );
    true
}

/// [`report_failure`] for each record; true when any could not be read.
pub fn report_failures(records: &[RecordResult]) -> bool {
    records
        .iter()
        .fold(false, |failed, r| report_failure(r) | failed)
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
