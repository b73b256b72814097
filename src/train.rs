//! Training and evaluating the demonstration model on synthetic ECGs (feature `train`, native
//! only): this crate's own Net1D under burn's autodiff on the CPU, so the trained network is the
//! one the page runs, with no conversion in between.
//!
//! - **Data**: every training step draws a fresh batch from [`crate::synth`] (no case is seen
//!   twice), from an *enriched* population (more stenoses, and LM more often, than a screening
//!   population) so the rare vessels have enough examples; each case goes through the same
//!   preprocessing recipe the model file declares.
//! - **Loss**: binary cross-entropy with logits, one output per vessel; Adam with a linear
//!   warm-up and a cosine decay.
//! - **Calibration**: the enrichment shifts the prior of each vessel, so the logits are moved back
//!   to the screening prevalence (prior-shift correction: `logit − ln odds(train) + ln
//!   odds(screening)`) by adjusting the dense head's bias, before any evaluation.
//! - **Evaluation**: a held-out split drawn at the screening prevalence (seeds disjoint from
//!   training): AUC with a bootstrap 95 % CI, Brier score, reliability table per vessel; the
//!   strata cut-offs for a target sensitivity (rule-out) and specificity (rule-in). All of it is
//!   written into the model file's card and thresholds.

use std::time::Instant;

use burn::module::Param;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use serde_json::json;

use crate::ecg::Lead;
use crate::evaluation::{
    auc, auc_bootstrap_ci, brier, reliability, rule_in_cutoff, rule_out_cutoff,
};
use crate::model::ModelFile;
use crate::model::metadata::{
    Architecture, Card, ClinicalContextRule, InputSpec, ModelMetadata, RuleIn, RuleOut, Thresholds,
};
use crate::model::net1d::{Net1d, Net1dConfig};
use crate::model::seeded::SeededInit;
use crate::rng::SplitMix64;
use crate::signal::{InputShape, Preprocessing, WindowOptions, prepare};
use crate::synth::{
    Drawn, GENERATOR_VERSION, HELD_OUT_FOLDS, SynthConfig, TRAIN_SEED_BASE, VESSELS, draw_patterns,
    draw_stenosis, generate, has_infarct_statement, overlay_patterns,
};

/// The sentence shown next to every probability of the demonstration model.
pub const DEMO_DISCLAIMER: &str = "Demonstration model trained on synthetic ECGs and on \
    synthetic patterns added to real recordings, never on any patient's coronary results: its \
    probabilities are not clinically validated and must not guide any decision about a patient.";

/// Everything that determines the demonstration model.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Seed of the weights and of the training stream.
    pub seed: u64,
    /// Optimiser steps.
    pub steps: usize,
    /// Cases per step.
    pub batch: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Warm-up steps.
    pub warmup: usize,
    /// The network.
    pub net: Net1dConfig,
    /// The preprocessing the file declares and training uses.
    pub recipe: Preprocessing,
    /// The population training cases are drawn from (enriched).
    pub train_population: SynthConfig,
    /// The population the model is evaluated on and calibrated to (screening).
    pub screening_population: SynthConfig,
    /// Held-out cases for evaluation and cut-offs.
    pub validation_cases: usize,
    /// Bootstrap resamples for the AUC intervals.
    pub bootstrap: usize,
    /// Target sensitivity of the rule-out cut-off.
    pub rule_out_sensitivity: f64,
    /// Target specificity of the rule-in cut-off.
    pub rule_in_specificity: f64,
    /// Share of each batch taken from real backgrounds (when [`Sources::backgrounds`] has
    /// any): a training background with patterns drawn from the training population on it.
    pub real_share: f64,
}

/// A real recording a pattern is laid on (PTB-XL, read from `../shared`; nothing derived from
/// its samples is written anywhere but into the trained weights).
#[derive(Debug, Clone)]
pub struct Background {
    /// PTB-XL's `ecg_id`.
    pub id: u32,
    /// Its stratified fold (1–10).
    pub fold: u8,
    /// It carries an infarct statement ([`crate::synth::INFARCT_STATEMENTS`]).
    pub infarct: bool,
    /// The record as the readers give it.
    pub ecg: crate::ecg::Ecg,
    /// Its detected R peaks.
    pub r_peaks: Vec<usize>,
}

impl Background {
    /// Training may use it: not in a held-out fold, and no infarct of its own (an unlabelled
    /// real pattern would teach the network that a pattern means nothing).
    pub fn for_training(&self) -> bool {
        !HELD_OUT_FOLDS.contains(&self.fold) && !self.infarct
    }

    /// The held-out split the card is evaluated on: a held-out fold and no infarct statement.
    pub fn for_evaluation(&self) -> bool {
        HELD_OUT_FOLDS.contains(&self.fold) && !self.infarct
    }
}

/// What training starts from besides the configuration.
#[derive(Debug, Default)]
pub struct Sources {
    /// Weights to start from (fine-tuning), of the configuration's architecture.
    pub init: Option<ModelFile>,
    /// Real recordings (see [`read_ptbxl`]); empty: synthetic ECGs only.
    pub backgrounds: Vec<Background>,
}

/// The PTB-XL records of a folder laid out as `../shared/samples/ptbxl/` is
/// (`ptbxl_database.csv`, `records500/*/NNNNN_hr.{hea,dat}`): every record with a row in the
/// table, with its fold and whether it has an infarct statement. A record that cannot be read,
/// or has fewer than four beats, is an error naming it.
pub fn read_ptbxl(dir: &std::path::Path) -> Result<Vec<Background>, TrainError> {
    use crate::formats::{InputFile, Limits, ReadOptions, read_files};
    let bad = |what: String| TrainError::Backgrounds(what);
    let table = dir.join("ptbxl_database.csv");
    let mut reader =
        csv::Reader::from_path(&table).map_err(|e| bad(format!("{}: {e}", table.display())))?;
    let header = reader
        .headers()
        .map_err(|e| bad(format!("{}: {e}", table.display())))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("{} has no {name} column", table.display())))
    };
    let (id_col, fold_col, scp_col, file_col) = (
        column("ecg_id")?,
        column("strat_fold")?,
        column("scp_codes")?,
        column("filename_hr")?,
    );
    let mut out = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| bad(format!("{} row {}: {e}", table.display(), line + 2)))?;
        let field = |k: usize| row.get(k).unwrap_or("").trim();
        let id: u32 = field(id_col)
            .parse()
            .map_err(|_| bad(format!("{} row {}: ecg_id", table.display(), line + 2)))?;
        let fold: u8 = field(fold_col)
            .parse()
            .map_err(|_| bad(format!("{} row {}: strat_fold", table.display(), line + 2)))?;
        let stem = dir.join(field(file_col));
        let files = ["hea", "dat"]
            .iter()
            .map(|ext| {
                let path = stem.with_extension(ext);
                std::fs::read(&path)
                    .map(|bytes| InputFile {
                        name: path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        bytes,
                    })
                    .map_err(|e| bad(format!("record {id}: {}: {e}", path.display())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ecg = read_files(&files, &ReadOptions::default(), &Limits::default())
            .into_iter()
            .next()
            .ok_or_else(|| bad(format!("record {id}: nothing read")))?
            .result
            .map_err(|e| bad(format!("record {id}: {e}")))?;
        let r_peaks = crate::signal::beats::detect_in_recorded(&ecg).r_peaks;
        if r_peaks.len() < 4 {
            return Err(bad(format!(
                "record {id}: {} beats detected",
                r_peaks.len()
            )));
        }
        out.push(Background {
            id,
            fold,
            infarct: has_infarct_statement(field(scp_col)),
            ecg,
            r_peaks,
        });
    }
    Ok(out)
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            seed: 20_251_205,
            steps: 1200,
            batch: 32,
            learning_rate: 1e-3,
            warmup: 50,
            net: Net1dConfig {
                use_bn: false,
                ..Net1dConfig::small(4)
            },
            recipe: Preprocessing::Ecgfounder,
            train_population: SynthConfig {
                any_stenosis: 0.55,
                vessel_weights: [0.28, 0.16, 0.34, 0.22],
                ..SynthConfig::default()
            },
            screening_population: SynthConfig::default(),
            validation_cases: 2000,
            bootstrap: 1000,
            rule_out_sensitivity: 0.9,
            rule_in_specificity: 0.9,
            real_share: 0.5,
        }
    }
}

/// Why training could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The network configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::model::net1d::ConfigError),
    /// A generated case could not be preprocessed (a generator bug).
    #[error("synthetic case {seed}: {message}")]
    Prepare {
        /// The case's seed.
        seed: u64,
        /// What went wrong.
        message: String,
    },
    /// The model file could not be assembled.
    #[error("model file: {0}")]
    ModelFile(String),
    /// The real recordings could not be read.
    #[error("real backgrounds: {0}")]
    Backgrounds(String),
    /// The weights to start from do not fit the configuration.
    #[error("initial weights: {0}")]
    Init(String),
    /// The loss stopped being a number.
    #[error("step {step}: the loss is {loss}")]
    Diverged {
        /// The step.
        step: usize,
        /// The loss.
        loss: f64,
    },
}

/// Model inputs and labels of the cases with these seeds, drawn from `population`.
pub fn batch_of(
    seeds: impl Iterator<Item = u64>,
    population: &SynthConfig,
    recipe: Preprocessing,
) -> Result<(Vec<f32>, Vec<[bool; 4]>), TrainError> {
    let mut inputs = Vec::new();
    let mut labels = Vec::new();
    for seed in seeds {
        let case = generate(seed, population);
        let input = prepare(
            &case.ecg,
            recipe,
            InputShape::default(),
            WindowOptions::default(),
        )
        .map_err(|e| TrainError::Prepare {
            seed,
            message: e.to_string(),
        })?;
        inputs.extend_from_slice(&input.values);
        labels.push(case.stenosis);
    }
    Ok((inputs, labels))
}

/// Model inputs and labels of cases laid on real backgrounds: case `seed` takes the background
/// `backgrounds[seed-drawn index]` and patterns drawn from `population` (seeded).
pub fn real_batch_of(
    seeds: impl Iterator<Item = u64>,
    backgrounds: &[&Background],
    population: &SynthConfig,
    recipe: Preprocessing,
) -> Result<(Vec<f32>, Vec<[bool; 4]>), TrainError> {
    let cases = seeds.map(|seed| {
        let mut rng = SplitMix64::new(seed ^ 0x00EA_1BAC_6E0D);
        let index = (rng.next_u64() % backgrounds.len() as u64) as usize;
        (index, rng)
    });
    real_cases(cases, backgrounds, population, recipe)
}

/// Inputs and labels of cases `(background index, the case's random stream)`.
fn real_cases(
    cases: impl Iterator<Item = (usize, SplitMix64)>,
    backgrounds: &[&Background],
    population: &SynthConfig,
    recipe: Preprocessing,
) -> Result<(Vec<f32>, Vec<[bool; 4]>), TrainError> {
    let mut inputs = Vec::new();
    let mut labels = Vec::new();
    for (index, mut rng) in cases {
        let (input, stenosis) = real_case(backgrounds[index], population, recipe, &mut rng)?;
        inputs.extend_from_slice(&input);
        labels.push(stenosis);
    }
    Ok((inputs, labels))
}

/// One case on a real background: its model input and labels.
fn real_case(
    background: &Background,
    population: &SynthConfig,
    recipe: Preprocessing,
    rng: &mut SplitMix64,
) -> Result<(Vec<f32>, [bool; 4]), TrainError> {
    let Drawn {
        stenosis,
        patterns,
        q_waves,
    } = draw_patterns(population, rng);
    let failed =
        |message: String| TrainError::Backgrounds(format!("record {}: {message}", background.id));
    let ecg = overlay_patterns(
        &background.ecg,
        &background.r_peaks,
        patterns,
        q_waves,
        rng.next_u64(),
    )
    .map_err(|e| failed(e.to_string()))?;
    let input = prepare(
        &ecg,
        recipe,
        InputShape::default(),
        WindowOptions::default(),
    )
    .map_err(|e| failed(e.to_string()))?;
    Ok((input.values, stenosis))
}

/// Held-out cases on real backgrounds: case `i` lies on `backgrounds[i % len]` with patterns
/// drawn from `population` (seed `i`), so every background is used equally often.
pub fn real_evaluation_cases(
    cases: usize,
    backgrounds: &[&Background],
    population: &SynthConfig,
    recipe: Preprocessing,
) -> Result<(Vec<f32>, Vec<[bool; 4]>), TrainError> {
    let cases = (0..cases).map(|i| {
        (
            i % backgrounds.len(),
            SplitMix64::new(i as u64 ^ 0x0E7A_1BAC_6E0D),
        )
    });
    real_cases(cases, backgrounds, population, recipe)
}

/// Binary cross-entropy with logits, averaged over cases and outputs (the numerically stable
/// form `max(z, 0) − z·y + ln(1 + e^−|z|)`).
fn bce_with_logits(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    let stable = logits.clone().clamp_min(0.0) - logits.clone() * targets
        + logits.abs().neg().exp().add_scalar(1.0).log();
    stable.mean()
}

/// Per-vessel prevalence of a population, by drawing `draws` stenosis patterns (seeded).
pub fn prevalence(population: &SynthConfig, draws: usize, seed: u64) -> [f64; 4] {
    let mut rng = SplitMix64::new(seed);
    let mut counts = [0usize; 4];
    for _ in 0..draws {
        let s = draw_stenosis(population, &mut rng);
        for v in 0..4 {
            counts[v] += usize::from(s[v]);
        }
    }
    counts.map(|c| c as f64 / draws as f64)
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Sigmoid probabilities `[cases][4]` of a network on a plain (non-autodiff) device.
pub fn probabilities(net: &Net1d, inputs: &[f32], device: &Device) -> Vec<[f64; 4]> {
    let per_case = 12 * 5000;
    let cases = inputs.len() / per_case;
    let mut out = Vec::with_capacity(cases);
    for chunk in inputs.chunks(per_case * 32) {
        let n = chunk.len() / per_case;
        let x = Tensor::<3>::from_data(TensorData::new(chunk.to_vec(), [n, 12, 5000]), device);
        let logits: Vec<f32> = net
            .forward(x)
            .into_data()
            .try_to_vec::<f32>()
            .expect("float logits");
        for row in logits.chunks(4) {
            let mut p = [0.0; 4];
            for (v, &z) in row.iter().enumerate() {
                p[v] = 1.0 / (1.0 + (-f64::from(z)).exp());
            }
            out.push(p);
        }
    }
    out
}

/// What training printed, for the closing report.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Seconds spent in training steps (generation included).
    pub train_secs: f64,
    /// Seconds spent evaluating.
    pub eval_secs: f64,
    /// Mean loss of the first and last 50 steps.
    pub loss_first_last: (f64, f64),
    /// Trainable parameters.
    pub parameters: usize,
}

/// Trains, calibrates, evaluates and returns the model file (f32 weights) and a report.
/// `progress(step, loss)` is called after every step. With real backgrounds in `sources`, a
/// share [`TrainConfig::real_share`] of each batch lies on the training backgrounds, and the
/// card's metrics and the strata cut-offs come from held-out ones
/// ([`Background::for_evaluation`]); the synthetic evaluation is kept beside them.
pub fn train(
    config: &TrainConfig,
    sources: &Sources,
    mut progress: impl FnMut(usize, f64),
) -> Result<(ModelFile, TrainReport), TrainError> {
    let started = Instant::now();
    let device = Device::flex().autodiff();
    // Prior shift from the enriched training population to the screening one, in the head.
    let train_prior = prevalence(&config.train_population, 1_000_000, 1);
    let screening_prior = prevalence(&config.screening_population, 1_000_000, 2);
    let shift: Vec<f32> = (0..4)
        .map(|v| (logit(screening_prior[v]) - logit(train_prior[v])) as f32)
        .collect();
    let mut net = initial_net(config, sources.init.as_ref(), &shift, &device)?;
    let training: Vec<&Background> = sources
        .backgrounds
        .iter()
        .filter(|b| b.for_training())
        .collect();
    let held_out: Vec<&Background> = sources
        .backgrounds
        .iter()
        .filter(|b| b.for_evaluation())
        .collect();
    if !sources.backgrounds.is_empty() && (training.is_empty() || held_out.is_empty()) {
        return Err(TrainError::Backgrounds(format!(
            "{} records, {} for training and {} held out: both are needed",
            sources.backgrounds.len(),
            training.len(),
            held_out.len()
        )));
    }
    let real_per_batch = if training.is_empty() {
        0
    } else {
        ((config.batch as f64 * config.real_share).round() as usize).min(config.batch)
    };
    let mut optimiser = AdamConfig::new().init();
    let mut losses = Vec::with_capacity(config.steps);
    for step in 0..config.steps {
        let first = TRAIN_SEED_BASE + (config.seed << 24) + (step * config.batch) as u64;
        let (mut inputs, mut labels) = real_batch_of(
            first..first + real_per_batch as u64,
            &training,
            &config.train_population,
            config.recipe,
        )?;
        let (synthetic, synthetic_labels) = batch_of(
            first + real_per_batch as u64..first + config.batch as u64,
            &config.train_population,
            config.recipe,
        )?;
        inputs.extend(synthetic);
        labels.extend(synthetic_labels);
        let x = Tensor::<3>::from_data(TensorData::new(inputs, [config.batch, 12, 5000]), &device);
        let targets: Vec<f32> = labels
            .iter()
            .flat_map(|l| l.map(|s| f32::from(u8::from(s))))
            .collect();
        let y = Tensor::<2>::from_data(TensorData::new(targets, [config.batch, 4]), &device);
        let loss = bce_with_logits(net.forward(x), y);
        let value = f64::from(
            loss.clone()
                .into_data()
                .try_to_vec::<f32>()
                .expect("a float loss")[0],
        );
        if !value.is_finite() {
            return Err(TrainError::Diverged { step, loss: value });
        }
        losses.push(value);
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        let lr = learning_rate(config, step);
        net = optimiser.step(lr, net, grads);
        progress(step, value);
    }
    let train_secs = started.elapsed().as_secs_f64();
    net = shift_head_bias(net, &shift);

    let split = RealSplit {
        training: training.len(),
        held_out: held_out.len(),
        real_per_batch,
        init: sources.init.as_ref().map(|f| f.metadata().version.clone()),
    };
    let metadata = |thresholds, metrics| demo_metadata(config, &split, thresholds, metrics);
    let provisional = ModelFile::from_net(&net, metadata(Default::default(), json!({})))
        .map_err(|e| TrainError::ModelFile(e.to_string()))?;
    let plain = Device::flex();
    let eval_net = provisional
        .build(&plain)
        .map_err(|e| TrainError::ModelFile(e.to_string()))?;

    let eval_started = Instant::now();
    let (thresholds, mut metrics) = evaluate_held_out(config, &eval_net, &held_out)?;
    metrics["prevalence_train_population"] = json!(train_prior);
    metrics["prevalence_screening_population"] = json!(screening_prior);
    metrics["prior_shift_logits"] = json!(shift);
    metrics["loss_first_50_steps"] = json!(mean(&losses[..losses.len().min(50)]));
    metrics["loss_last_50_steps"] = json!(mean(&losses[losses.len().saturating_sub(50)..]));
    let eval_secs = eval_started.elapsed().as_secs_f64();
    let file = ModelFile::from_net(&net, metadata(thresholds, metrics))
        .map_err(|e| TrainError::ModelFile(e.to_string()))?;
    let report = TrainReport {
        train_secs,
        eval_secs,
        loss_first_last: (
            mean(&losses[..losses.len().min(50)]),
            mean(&losses[losses.len().saturating_sub(50)..]),
        ),
        parameters: file.parameter_count(),
    };
    Ok((file, report))
}

/// The weights training starts from: seeded, or `init`'s (of the configuration's architecture)
/// with the prior shift `shift` taken out of its head.
fn initial_net(
    config: &TrainConfig,
    init: Option<&ModelFile>,
    shift: &[f32],
    device: &Device,
) -> Result<Net1d, TrainError> {
    Ok(match init {
        None => SeededInit::apply(config.net.init(device)?, config.seed, device),
        Some(file) => {
            let want = Architecture::from(&config.net);
            if file.metadata().architecture != want {
                return Err(TrainError::Init(format!(
                    "its architecture {:?} is not the configuration's {want:?}",
                    file.metadata().architecture
                )));
            }
            // A demonstration model's head carries the prior shift: take it out again, so that
            // training on the enriched population starts where it left off.
            let unshift: Vec<f32> = shift.iter().map(|s| -s).collect();
            shift_head_bias(file.build(device)?, &unshift)
        }
    })
}

/// The held-out evaluation: synthetic ECGs at the screening prevalence, and, with held-out real
/// backgrounds, cases laid on them, which then give the cut-offs and the card's headline
/// metrics (the synthetic ones kept under `synthetic`).
fn evaluate_held_out(
    config: &TrainConfig,
    net: &Net1d,
    held_out: &[&Background],
) -> Result<
    (
        std::collections::BTreeMap<String, Thresholds>,
        serde_json::Value,
    ),
    TrainError,
> {
    let plain = Device::flex();
    let (inputs, labels) = batch_of(
        0..config.validation_cases as u64,
        &config.screening_population,
        config.recipe,
    )?;
    let probs = probabilities(net, &inputs, &plain);
    let (synthetic_thresholds, metrics) = evaluate(config, &probs, &labels);
    if held_out.is_empty() {
        return Ok((synthetic_thresholds, metrics));
    }
    let (inputs, labels) = real_evaluation_cases(
        config.validation_cases,
        held_out,
        &config.screening_population,
        config.recipe,
    )?;
    let probs = probabilities(net, &inputs, &plain);
    let (real_thresholds, mut real) = evaluate(config, &probs, &labels);
    real["split"] = json!(format!(
        "held-out real backgrounds: synthetic territorial patterns at the screening \
         prevalence laid on {} PTB-XL records of folds {HELD_OUT_FOLDS:?} without an \
         infarct statement, each used equally often",
        held_out.len()
    ));
    real["backgrounds"] = json!(held_out.iter().map(|b| b.id).collect::<Vec<_>>());
    real["synthetic"] = metrics;
    Ok((real_thresholds, real))
}

/// How the real recordings were used, for the card.
struct RealSplit {
    training: usize,
    held_out: usize,
    real_per_batch: usize,
    init: Option<String>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// Linear warm-up, then cosine decay to 1 % of the peak.
fn learning_rate(config: &TrainConfig, step: usize) -> f64 {
    let peak = config.learning_rate;
    if step < config.warmup {
        return peak * (step + 1) as f64 / config.warmup as f64;
    }
    let progress = (step - config.warmup) as f64 / (config.steps - config.warmup).max(1) as f64;
    peak * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()))
}

/// Adds `shift` to the dense head's bias.
fn shift_head_bias(mut net: Net1d, shift: &[f32]) -> Net1d {
    if let Some(bias) = net.dense.bias.take() {
        let device = bias.val().device();
        let delta = Tensor::<1>::from_data(TensorData::new(shift.to_vec(), [shift.len()]), &device);
        net.dense.bias = Some(Param::from_tensor((bias.val() + delta).detach()));
    }
    net
}

/// Metrics per vessel and the strata cut-offs, from held-out probabilities.
pub fn evaluate(
    config: &TrainConfig,
    probs: &[[f64; 4]],
    labels: &[[bool; 4]],
) -> (
    std::collections::BTreeMap<String, Thresholds>,
    serde_json::Value,
) {
    let mut thresholds = std::collections::BTreeMap::new();
    let mut per_vessel = serde_json::Map::new();
    for (v, name) in VESSELS.iter().enumerate() {
        let p: Vec<f64> = probs.iter().map(|row| row[v]).collect();
        let l: Vec<bool> = labels.iter().map(|row| row[v]).collect();
        let positives = l.iter().filter(|&&x| x).count();
        let auc_value = auc(&p, &l);
        let ci = auc_bootstrap_ci(&p, &l, config.bootstrap, 7 + v as u64);
        let out = rule_out_cutoff(&p, &l, config.rule_out_sensitivity);
        let inn = rule_in_cutoff(&p, &l, config.rule_in_specificity);
        if let (Some((mut low, sensitivity)), Some((high, specificity))) = (out, inn) {
            // A weak model can put the rule-out cut-off above the rule-in one: the strata must
            // not overlap, so rule-out then yields (lower sensitivity is reported as measured).
            if low > high {
                low = high;
            }
            let achieved = p.iter().zip(&l).filter(|(p, l)| **l && **p >= low).count() as f64
                / positives.max(1) as f64;
            thresholds.insert(
                name.to_string(),
                Thresholds {
                    rule_out: RuleOut {
                        probability: low,
                        sensitivity: if low == high { achieved } else { sensitivity },
                    },
                    rule_in: RuleIn {
                        probability: high,
                        specificity,
                    },
                },
            );
        }
        per_vessel.insert(
            name.to_string(),
            json!({
                "cases": l.len(),
                "positives": positives,
                "auc": auc_value,
                "auc_ci95": ci.map(|(a, b)| [a, b]),
                "brier": brier(&p, &l),
                "reliability": reliability(&p, &l, 10),
            }),
        );
    }
    let metrics = json!({
        "split": "held-out synthetic ECGs at the screening prevalence",
        "validation_seeds": [0, config.validation_cases],
        "bootstrap_resamples": config.bootstrap,
        "vessels": per_vessel,
    });
    (thresholds, metrics)
}

/// The model file's metadata for the demonstration model.
fn demo_metadata(
    config: &TrainConfig,
    split: &RealSplit,
    thresholds: std::collections::BTreeMap<String, Thresholds>,
    metrics: serde_json::Value,
) -> ModelMetadata {
    let real = split.training > 0;
    let mut card_extra = serde_json::Map::new();
    card_extra.insert(
        "generator".into(),
        json!({
            "name": "ecg-stenosis synth",
            "version": GENERATOR_VERSION,
            "train_seed": config.seed,
            "steps": config.steps,
            "batch": config.batch,
            "learning_rate": config.learning_rate,
        }),
    );
    if real {
        card_extra.insert(
            "real_backgrounds".into(),
            json!({
                "dataset": "PTB-XL v1.0.3 (Wagner et al., Scientific Data 7, 154, 2020; CC BY 4.0), records 1–250",
                "training_records": split.training,
                "training_folds": "1–8, records without an infarct statement",
                "held_out_records": split.held_out,
                "held_out_folds": HELD_OUT_FOLDS,
                "per_batch": split.real_per_batch,
                "labels": "the synthetic patterns laid on each record, never the record's own findings",
            }),
        );
    }
    if let Some(init) = &split.init {
        card_extra.insert("initialised_from".into(), json!(init));
    }
    let steps_text = format!("{} steps of {}", config.steps, config.batch);
    let training_data = if real {
        format!(
            "{steps_text}, {} cases each laid on real backgrounds: synthetic territorial patterns \
             (ecg-stenosis generator v{GENERATOR_VERSION}) added, beat by beat, onto {} PTB-XL \
             recordings (folds 1–8, no infarct statement), and {} fresh synthetic 12-lead ECGs; \
             drawn from an enriched population and recalibrated to a screening prevalence{}. \
             Evaluated on {} cases laid on {} held-out PTB-XL recordings (folds 9–10) and on {} \
             held-out synthetic ECGs. The labels are the invented patterns, never a patient's \
             findings or coronary results.",
            split.real_per_batch,
            split.training,
            config.batch - split.real_per_batch,
            split
                .init
                .as_ref()
                .map_or(String::new(), |v| format!("; fine-tuned from {v}")),
            config.validation_cases,
            split.held_out,
            config.validation_cases,
        )
    } else {
        format!(
            "{} synthetic 12-lead ECGs ({steps_text}) from the ecg-stenosis generator \
             v{GENERATOR_VERSION}, drawn from an enriched population and recalibrated to a \
             screening prevalence; evaluated on {} held-out synthetic ECGs.",
            config.steps * config.batch,
            config.validation_cases
        )
    };
    ModelMetadata {
        format_version: 1,
        name: if real {
            "ecg-stenosis demonstration (real backgrounds)".into()
        } else {
            "ecg-stenosis demonstration (synthetic data)".into()
        },
        version: if real {
            format!("synth-v{GENERATOR_VERSION}-ptbxl-seed{}", config.seed)
        } else {
            format!("synth-v{GENERATOR_VERSION}-seed{}", config.seed)
        },
        architecture: Architecture::from(&config.net),
        outputs: VESSELS.iter().map(|v| v.to_string()).collect(),
        input: InputSpec {
            sample_rate_hz: 500.0,
            samples: 5000,
            leads: Lead::ALL.iter().map(|l| l.name().to_string()).collect(),
            preprocessing: config.recipe,
            extra: serde_json::Map::new(),
        },
        thresholds,
        recalibration: Default::default(),
        card: Card {
            intended_use: "Demonstration of the software only: it exercises probabilities, risk \
                strata and saliency on any ECG. It is not a medical device; it has never seen a \
                patient's coronary result, and its labels are invented patterns."
                .into(),
            training_data,
            metrics,
            demonstration: true,
            disclaimer: DEMO_DISCLAIMER.into(),
            extra: card_extra,
        },
        clinical_context: Some(ClinicalContextRule::demonstration()),
        extra: serde_json::Map::new(),
    }
}
