//! `preprocess`: exactly the model input, as a float32 NumPy file.

use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::ecg::Lead;
use ecg_stenosis::formats::write_npy_f32;
use ecg_stenosis::pipeline::quality_gate;
use ecg_stenosis::signal::beats::detect_in_recorded;
use ecg_stenosis::signal::quality::Verdict;
use ecg_stenosis::signal::{InputShape, Preprocessing, prepare};

use super::common::{Failure, Inputs, Window, model_file, report_failures, write};

/// Writes the exact model input of each record as a float32 NumPy file.
///
/// Writes the model input of every record: [12, 5000] float32 for one record, [N, 12, 5000]
/// for several (500 Hz, the first 10 s unless --start-secs), with the recipe given or the one
/// the model file declares. A record the quality gate calls unusable is refused unless
/// --override-quality (the override is printed). Nothing is written unless every record is
/// prepared, so that row i of the tensor is record i.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("recipe_source").required(true).args(["recipe", "model"]))]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The preprocessing recipe.
    #[arg(long, value_name = "ecgfounder|per_lead_zscore")]
    recipe: Option<Preprocessing>,
    /// Take the recipe and input shape a model file declares.
    #[arg(long, value_name = "MODEL.safetensors")]
    model: Option<PathBuf>,
    /// Where to write the tensor (.npy).
    #[arg(long, value_name = "X.npy")]
    out: PathBuf,
    #[command(flatten)]
    window: Window,
}

/// Runs `preprocess`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let (recipe, shape) = match (&args.recipe, &args.model) {
        (Some(recipe), _) => (*recipe, InputShape::default()),
        (None, Some(path)) => {
            let model = model_file(path)?;
            let input = &model.metadata().input;
            (input.preprocessing, input.shape())
        }
        (None, None) => return Err(Failure::Usage("give --recipe or --model".into())),
    };
    let records: Vec<_> = args.inputs.records().collect();
    if report_failures(&records) {
        eprintln!(
            "ecg-stenosis: nothing written: every record must be readable, so that row i of the tensor is record i"
        );
        return Ok(ExitCode::from(1));
    }
    let mut values = Vec::new();
    let mut failed = false;
    for record in &records {
        let Ok(ecg) = &record.result else { continue };
        let sources = record.sources.join(" + ");
        let input = match prepare(ecg, recipe, shape, args.window.window()) {
            Ok(input) => input,
            Err(e) => {
                eprintln!("ecg-stenosis: {sources}: {e}");
                failed = true;
                continue;
            }
        };
        let beats = detect_in_recorded(ecg);
        let quality = quality_gate(ecg, &beats, shape, recipe, args.window.allow_padding);
        if quality.verdict == Verdict::Unusable {
            let reasons = quality.unusable_reasons();
            if !args.window.override_quality {
                eprintln!(
                    "ecg-stenosis: {sources}: the quality gate calls this ECG unusable ({reasons}); give --override-quality to prepare it anyway"
                );
                failed = true;
                continue;
            }
            say!(
                "{sources}: quality override: unusable ECG prepared at the user's request ({reasons})"
            );
        }
        say!(
            "{sources}: window {:.3}–{:.3} s, quality {}",
            input.start_secs,
            input.start_secs + shape.duration_secs(),
            quality.verdict.name()
        );
        for warning in &input.warnings {
            say!("  warning: {warning}");
        }
        for finding in &quality.findings {
            say!("  {}: {}", finding.severity.name(), finding.message);
        }
        values.extend(input.values);
    }
    if failed {
        eprintln!("ecg-stenosis: nothing written");
        return Ok(ExitCode::from(1));
    }
    let n = records.len();
    let dims: Vec<usize> = if n == 1 {
        vec![Lead::ALL.len(), shape.samples]
    } else {
        vec![n, Lead::ALL.len(), shape.samples]
    };
    write(&args.out, write_npy_f32(&dims, &values))?;
    say!(
        "wrote {}: float32 {dims:?}, recipe {}",
        args.out.display(),
        recipe.name()
    );
    Ok(ExitCode::SUCCESS)
}
