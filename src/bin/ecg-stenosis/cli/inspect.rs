//! `inspect`: what a file holds, as the readers see it.

use std::process::ExitCode;

use ecg_stenosis::ecg::Ecg;
use ecg_stenosis::formats::RecordResult;
use ecg_stenosis::pipeline::quality_gate;
use ecg_stenosis::signal::beats::{Beats, detect_in_recorded};
use ecg_stenosis::signal::quality::Quality;
use ecg_stenosis::signal::{InputShape, Preprocessing};
use serde_json::{Value, json};

use super::common::{Failure, Inputs, exit_status, report_failure};

/// What the files hold: format, rate, leads, channels, warnings; beats and quality on request.
///
/// Lists each record's format, rate, leads with their ranges, other channels, acquisition and
/// warnings; with --beats the R peaks and rhythm, with --quality the quality gate's findings
/// for a 10 s model input.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// One JSON document: every record with its samples in µV.
    #[arg(long)]
    json: bool,
    /// Detect the R peaks (Pan–Tompkins) and describe the rhythm.
    #[arg(long)]
    beats: bool,
    /// Run the quality gate.
    #[arg(long)]
    quality: bool,
    /// With --quality: a record shorter than 10 s is judged as if it were zero-padded.
    #[arg(long)]
    allow_padding: bool,
}

/// Runs `inspect`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let mut failed = false;
    let mut documents = Vec::new();
    for record in args.inputs.records() {
        let record = &record;
        failed |= report_failure(record);
        let Ok(ecg) = &record.result else { continue };
        let beats = (args.beats || args.quality).then(|| detect_in_recorded(ecg));
        let quality = match (&beats, args.quality) {
            (Some(beats), true) => Some(quality_gate(
                ecg,
                beats,
                InputShape::default(),
                // Net1D's recipe (model-spec §4), the shipped model's: no model file is given here.
                Preprocessing::Ecgfounder,
                args.allow_padding,
            )),
            _ => None,
        };
        let beats = beats.filter(|_| args.beats);
        if args.json {
            documents.push(document(record, ecg, beats.as_ref(), quality.as_ref())?);
        } else {
            print_record(record, ecg, beats.as_ref(), quality.as_ref());
        }
    }
    if args.json {
        say!("{}", json!({ "records": documents }));
    }
    Ok(exit_status(failed))
}

/// One record as JSON.
fn document(
    record: &RecordResult,
    ecg: &Ecg,
    beats: Option<&Beats>,
    quality: Option<&Quality>,
) -> Result<Value, Failure> {
    let mut entry = json!({
        "sources": record.sources,
        "format": record.format.name(),
        "sample_rate_hz": ecg.sample_rate_hz(),
        "duration_secs": ecg.duration_secs(),
        "leads": ecg.leads().iter().map(|l| json!({
            "name": l.lead.name(),
            "derived": l.derived,
            "uv": l.samples_uv,
        })).collect::<Vec<_>>(),
        "other_channels": ecg.other_channels().iter().map(|c| json!({
            "name": c.name,
            "uv": c.samples_uv,
        })).collect::<Vec<_>>(),
        "warnings": ecg.warnings().iter()
            .map(|w| json!({"kind": w.kind(), "message": w.to_string()}))
            .collect::<Vec<_>>(),
        "acquisition": {
            "device": ecg.info().device,
            "acquired": ecg.info().acquired,
            "cart_filters": ecg.info().cart_filters,
        },
    });
    if let Some(beats) = beats {
        let rhythm = beats.rhythm();
        entry["beats"] = json!({
            "r_peaks": beats.r_peaks,
            "heart_rate_bpm": rhythm.map(|r| r.heart_rate_bpm),
            "rr_cv": rhythm.map(|r| r.rr_cv),
            "rmssd_secs": rhythm.map(|r| r.rmssd_secs),
            "regular": rhythm.map(|r| r.regular),
        });
    }
    if let Some(quality) = quality {
        entry["quality"] = serde_json::to_value(quality).map_err(|e| e.to_string())?;
    }
    Ok(entry)
}

/// One record as lines of `name: value`.
fn print_record(
    record: &RecordResult,
    ecg: &Ecg,
    beats: Option<&Beats>,
    quality: Option<&Quality>,
) {
    say!("record: {}", record.sources.join(" + "));
    say!("format: {}", record.format.name());
    say!("sample_rate_hz: {}", ecg.sample_rate_hz());
    say!("samples_per_lead: {}", ecg.samples_per_lead());
    say!("duration_secs: {:.3}", ecg.duration_secs());
    let info = ecg.info();
    for (name, value) in [
        ("device", &info.device),
        ("acquired", &info.acquired),
        ("cart_filters", &info.cart_filters),
    ] {
        if let Some(value) = value {
            say!("{name}: {value}");
        }
    }
    for signal in ecg.leads() {
        let (min, max) = signal
            .samples_uv
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        say!(
            "lead {:<3} derived={} min_uv={min:.1} max_uv={max:.1}",
            signal.lead.name(),
            signal.derived
        );
    }
    for channel in ecg.other_channels() {
        say!(
            "channel '{}' (not a standard lead, kept): {} samples",
            channel.name,
            channel.samples_uv.len()
        );
    }
    for warning in ecg.warnings() {
        say!("warning: {warning}");
    }
    if let Some(beats) = beats {
        say!("beats: {}", beats.r_peaks.len());
        if let Some(r) = beats.rhythm() {
            say!(
                "heart_rate_bpm: {:.1} (RR CV {:.3}, {})",
                r.heart_rate_bpm,
                r.rr_cv,
                if r.regular { "regular" } else { "irregular" }
            );
        }
    }
    if let Some(quality) = quality {
        say!("quality: {}", quality.verdict.name());
        for finding in &quality.findings {
            say!("  {}: {}", finding.severity.name(), finding.message);
        }
    }
}
