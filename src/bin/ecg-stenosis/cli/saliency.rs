//! `saliency`: where the network looked for one vessel.

use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::ecg::Lead;
use ecg_stenosis::formats::write_npy_f32;
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::pipeline::{Analysis, BackendSummary, Explanation, ModelSummary, WindowSummary};
use ecg_stenosis::saliency::{Method, Summary};

use super::common::{Failure, Inputs, ModelChoice, Window, positive, write};

/// Where the network looked for one vessel: a saliency map and its shares.
///
/// Explains one vessel's logit: S.npy is [12, samples] float32 on the record's own time base
/// (zero outside the 10 s the network saw), with the lead and beat-phase shares. Integrated
/// gradients take --steps (default 32), SmoothGrad --steps noisy copies (default 16).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The vessel whose logit is explained.
    #[arg(long, value_name = "RCA|LM|LAD|LCX")]
    vessel: String,
    /// Where to write the map (.npy).
    #[arg(long, value_name = "S.npy")]
    out: PathBuf,
    /// The attribution method: grad-x-input, integrated-gradients or smoothgrad.
    #[arg(long, value_name = "METHOD", default_value = "grad-x-input")]
    method: String,
    /// Gradient passes of integrated gradients or SmoothGrad.
    #[arg(long, value_name = "N", value_parser = positive)]
    steps: Option<usize>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelChoice,
    #[command(flatten)]
    window: Window,
}

/// Runs `saliency`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let method = Method::parse(&args.method, args.steps)
        .map_err(|e| Failure::Usage(format!("--method: {e}")))?;
    let session = args.model.session()?;
    let mut records: Vec<_> = args.inputs.records().collect();
    if records.len() != 1 {
        return Err(Failure::Usage(format!(
            "saliency takes one record; these files form {}",
            records.len()
        )));
    }
    let analysis = block_on(session.analyse(records.remove(0), args.window.options()));
    let quiet = args.json;
    let mut progress = |done: usize, total: usize| {
        if !quiet && total > 1 {
            eprint!("\rgradient passes: {done}/{total}");
            if done == total {
                eprintln!();
            }
        }
    };
    let explanation = block_on(session.explain(&analysis, &args.vessel, method, &mut progress))
        .map_err(|e| format!("{}: {e}", analysis.report.sources.join(" + ")))?;
    let shape = [
        explanation.record_map.len() / explanation.record_samples.max(1),
        explanation.record_samples,
    ];
    write(&args.out, write_npy_f32(&shape, &explanation.record_map))?;
    if args.json {
        print_json(&args, &analysis, &explanation, shape)?;
    } else {
        print_text(&args, &analysis, &explanation, shape);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json(
    args: &Args,
    analysis: &Analysis,
    explanation: &Explanation,
    shape: [usize; 2],
) -> Result<(), Failure> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        #[serde(flatten)]
        summary: &'a Summary,
        out: String,
        shape: [usize; 2],
        elapsed_ms: f64,
        window: &'a Option<WindowSummary>,
        model: &'a ModelSummary,
        backend: &'a BackendSummary,
    }
    let document = Document {
        summary: &explanation.summary,
        out: args.out.display().to_string(),
        shape,
        elapsed_ms: explanation.elapsed_ms,
        window: &analysis.report.window,
        model: &analysis.report.model,
        backend: &analysis.report.backend,
    };
    say!(
        "{}",
        serde_json::to_string(&document).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn print_text(args: &Args, analysis: &Analysis, explanation: &Explanation, shape: [usize; 2]) {
    let summary = &explanation.summary;
    say!(
        "wrote {} ([{}, {}] float32, the record's own time base)",
        args.out.display(),
        shape[0],
        shape[1]
    );
    let passes = if summary.steps == 1 { "pass" } else { "passes" };
    say!(
        "{} by {} ({} gradient {passes})",
        summary.vessel,
        summary.method,
        summary.steps
    );
    if let Some(shares) = &summary.lead_share {
        let cells: Vec<String> = Lead::ALL
            .iter()
            .zip(shares)
            .map(|(l, s)| format!("{} {:.3}", l.name(), s))
            .collect();
        say!("lead share: {}", cells.join(", "));
    }
    if let Some(p) = &summary.phase_share {
        say!(
            "phase share: P {:.3}, QRS {:.3}, ST-T {:.3} ({:.0} % of the attribution lies in these windows)",
            p.shares[0],
            p.shares[1],
            p.shares[2],
            p.coverage * 100.0
        );
    }
    if analysis.report.model.demonstration {
        say!("note: {}", analysis.report.model.disclaimer);
    }
}
