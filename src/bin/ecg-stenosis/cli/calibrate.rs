//! `calibrate`: a site's own cut-offs (and optionally a recalibration) written into a new
//! model file with the same weights (README, "Local validation").

use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::validation::{Targets, calibrate};

use super::common::{Failure, write};
use super::evaluate::Sources;

/// New strata cut-offs chosen on a site's labelled ECGs, written into a new model file.
///
/// Per output with labels: the rule-out cut-off is the highest that keeps at least the target
/// sensitivity on these cases, the rule-in cut-off the lowest that keeps at least the target
/// specificity. With --recalibrate, a logistic recalibration (intercept and slope on the
/// logit) is fitted first and stored in the file, and the cut-offs apply to the recalibrated
/// probability. The new file has the same weights, the new cut-offs and a `validation` entry
/// in its card (site, date, cases, AUCs with their intervals, the targets); the page and the
/// command line show it. Computed on this machine; nothing is sent anywhere.
#[derive(Debug, clap::Args)]
#[command(mut_arg("files", |a| a.required(false).required_unless_present("from_csv")))]
pub struct Args {
    #[command(flatten)]
    sources: Sources,
    /// The rule-out cut-off's sensitivity on these cases (at least).
    #[arg(long, value_name = "S", default_value_t = 0.9, value_parser = unit)]
    sensitivity: f64,
    /// The rule-in cut-off's specificity on these cases (at least).
    #[arg(long, value_name = "S", default_value_t = 0.9, value_parser = unit)]
    specificity: f64,
    /// Also fit and store a logistic recalibration of each output's probability.
    #[arg(long)]
    recalibrate: bool,
    /// The site's name, written into the card (e.g. "Cardiology, St Elsewhere").
    #[arg(long, value_name = "NAME")]
    site: String,
    /// The date written into the card (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// The new model file.
    #[arg(long, value_name = "M2.safetensors")]
    out: PathBuf,
}

/// A number strictly between 0 and 1, for clap.
fn unit(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!("'{text}' is not a number strictly between 0 and 1")),
    }
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (days since 1970 to a civil date:
/// the proleptic Gregorian calendar).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Howard Hinnant's civil-from-days, in eras of 400 years.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Runs `calibrate`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let given = args.sources.given()?;
    let metadata = given.model.metadata();
    let per_output = given.evidence.cases_per_output(metadata);
    let targets = Targets {
        sensitivity: args.sensitivity,
        specificity: args.specificity,
        recalibrate: args.recalibrate,
        site: args.site.clone(),
        date: args.date.clone().unwrap_or_else(today),
    };
    let (calibrated, done) = calibrate(metadata, &per_output, &targets, &args.sources.options())
        .map_err(|e| e.to_string())?;
    let file = given
        .model
        .with_metadata(calibrated)
        .map_err(|e| format!("the calibrated metadata: {e}"))?;
    let bytes = file
        .to_safetensors_as_stored()
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    write(&args.out, bytes)?;
    for d in &done {
        for line in d.describe() {
            say!("{line}");
        }
    }
    say!(
        "wrote {} (same weights; version {}; calibrated locally at {} on {})",
        args.out.display(),
        file.metadata().version,
        targets.site.trim(),
        targets.date
    );
    Ok(ExitCode::SUCCESS)
}
