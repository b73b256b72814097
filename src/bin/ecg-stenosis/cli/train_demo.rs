//! `train-demo`: trains the demonstration model on synthetic ECGs (feature `train`).

use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::model::state::StoredDtype;

use super::common::{Failure, dtype, positive};

/// A number from 0 to 1.
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{text}' is not a number from 0 to 1")),
    }
}

/// Trains the demonstration model on synthetic ECGs (build with --features train).
///
/// Trains the demonstration model on synthetic ECGs (scripts/train-demo.sh), then evaluates it
/// on held-out synthetic ECGs and writes the metrics, strata cut-offs and disclaimer into the
/// file. Needs a build with --features train.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the model file.
    #[arg(long, value_name = "MODEL.safetensors")]
    out: PathBuf,
    /// Optimiser steps.
    #[arg(long, value_name = "N", value_parser = positive)]
    steps: Option<usize>,
    /// ECGs per step.
    #[arg(long, value_name = "B", value_parser = positive)]
    batch: Option<usize>,
    /// Held-out ECGs for the evaluation.
    #[arg(long, value_name = "N", value_parser = positive)]
    validation: Option<usize>,
    /// The seed of the synthetic population.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// A PTB-XL folder (as ../shared/samples/ptbxl/): training lays synthetic territorial
    /// patterns on its records of folds 1–8 without an infarct statement, and the card's
    /// metrics and cut-offs come from its folds 9–10.
    #[arg(long, value_name = "DIR")]
    real_backgrounds: Option<PathBuf>,
    /// Share of each batch laid on real backgrounds (with --real-backgrounds).
    #[arg(long, value_name = "0..1", value_parser = share)]
    real_share: Option<f64>,
    /// Start from this model file's weights (fine-tuning) instead of seeded ones.
    #[arg(long, value_name = "MODEL.safetensors")]
    init: Option<PathBuf>,
    /// Peak learning rate.
    #[arg(long, value_name = "LR", value_parser = share)]
    learning_rate: Option<f64>,
    /// How the weights are stored.
    #[arg(long, value_name = "f32|f16", default_value = "f32", value_parser = dtype)]
    dtype: StoredDtype,
}

/// Runs `train-demo`: without the `train` feature, says how to get it.
#[cfg(not(feature = "train"))]
pub fn run(_: Args) -> Result<ExitCode, Failure> {
    Err("train-demo needs a build with --features train (scripts/train-demo.sh)".into())
}

/// Runs `train-demo`.
#[cfg(feature = "train")]
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    use ecg_stenosis::model::ModelFile;
    use ecg_stenosis::train::{Sources, TrainConfig, read_ptbxl, train};
    let defaults = TrainConfig::default();
    let mut sources = Sources::default();
    if let Some(dir) = &args.real_backgrounds {
        sources.backgrounds = read_ptbxl(dir).map_err(|e| e.to_string())?;
        let training = sources
            .backgrounds
            .iter()
            .filter(|b| b.for_training())
            .count();
        let held_out = sources
            .backgrounds
            .iter()
            .filter(|b| b.for_evaluation())
            .count();
        say!(
            "{} PTB-XL records read: {training} for training, {held_out} held out, {} with an infarct statement left out",
            sources.backgrounds.len(),
            sources.backgrounds.len() - training - held_out
        );
    }
    if let Some(path) = &args.init {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        sources.init =
            Some(ModelFile::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    let steps = args.steps.unwrap_or(defaults.steps);
    let config = TrainConfig {
        seed: args.seed.unwrap_or(defaults.seed),
        steps,
        batch: args.batch.unwrap_or(defaults.batch),
        validation_cases: args.validation.unwrap_or(defaults.validation_cases),
        warmup: defaults.warmup.min(steps / 4).max(1),
        learning_rate: args.learning_rate.unwrap_or(defaults.learning_rate),
        real_share: args.real_share.unwrap_or(defaults.real_share),
        ..defaults
    };
    let started = std::time::Instant::now();
    let mut window = Vec::new();
    let (model, report) = train(&config, &sources, |step, loss| {
        window.push(loss);
        if (step + 1) % 25 == 0 || step + 1 == config.steps {
            let elapsed = started.elapsed().as_secs_f64();
            let eta = elapsed / (step + 1) as f64 * (config.steps - step - 1) as f64;
            eprintln!(
                "step {:>6}/{}  loss {:.4} (mean of the last {})  {:.0} s, about {:.0} s left",
                step + 1,
                config.steps,
                window.iter().sum::<f64>() / window.len() as f64,
                window.len(),
                elapsed,
                eta
            );
            window.clear();
        }
    })
    .map_err(|e| e.to_string())?;
    let bytes = model
        .to_safetensors(args.dtype)
        .map_err(|e| e.to_string())?;
    ModelFile::from_bytes(&bytes).map_err(|e| format!("self-check failed: {e}"))?;
    super::common::write(&args.out, &bytes)?;
    say!(
        "trained {} parameters in {:.0} s ({} steps of {}), evaluated in {:.0} s; loss {:.4} → {:.4}",
        report.parameters,
        report.train_secs,
        config.steps,
        config.batch,
        report.eval_secs,
        report.loss_first_last.0,
        report.loss_first_last.1
    );
    print_card_table(model.metadata());
    say!(
        "wrote {} ({} bytes): {}",
        args.out.display(),
        bytes.len(),
        model.metadata().card.disclaimer
    );
    Ok(ExitCode::SUCCESS)
}

/// The card's figures per vessel as a Markdown table.
#[cfg(feature = "train")]
fn print_card_table(metadata: &ecg_stenosis::model::ModelMetadata) {
    say!(
        "| vessel | positives / cases | AUC (95 % CI) | Brier | rule-out < p (sensitivity) | rule-in ≥ p (specificity) |"
    );
    say!("|---|---:|---|---:|---|---|");
    for vessel in &metadata.outputs {
        let m = &metadata.card.metrics["vessels"][vessel];
        let ci = &m["auc_ci95"];
        let t = metadata.thresholds.get(vessel);
        say!(
            "| {vessel} | {} / {} | {:.3} ({:.3}–{:.3}) | {:.4} | {} | {} |",
            m["positives"],
            m["cases"],
            m["auc"].as_f64().unwrap_or(f64::NAN),
            ci[0].as_f64().unwrap_or(f64::NAN),
            ci[1].as_f64().unwrap_or(f64::NAN),
            m["brier"].as_f64().unwrap_or(f64::NAN),
            t.map_or("–".into(), |t| format!(
                "{:.4} ({:.3})",
                t.rule_out.probability, t.rule_out.sensitivity
            )),
            t.map_or("–".into(), |t| format!(
                "{:.4} ({:.3})",
                t.rule_in.probability, t.rule_in.specificity
            )),
        );
    }
}
