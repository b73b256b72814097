//! `synth`: invented 12-lead ECGs with known truth, for demonstrations and tests.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::synth::{Case, Confounder, SynthConfig, VESSELS, generate};

use super::common::{Failure, write};

/// Writes invented 12-lead ECGs with their truth (demonstration data, not patients).
///
/// Writes N invented 12-lead ECGs (seeds S, S+1, …) as DIR/synthetic-SEED.csv (time in s,
/// leads in mV, 500 Hz, 10 s) and their truth as DIR/labels.csv: severe stenosis per vessel,
/// the severity of each territorial pattern drawn, the confounder. Demonstration data from a
/// model of the ECG, not patient recordings.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first seed.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// How many ECGs.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    count: u64,
    /// The directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out_dir: PathBuf,
    /// Draw only the territorial patterns given (RCA, LM, LAD or LCX, severity 0–1).
    #[arg(long, value_name = "VESSEL=SEVERITY", value_parser = pattern)]
    pattern: Vec<(usize, f64)>,
    /// Add one confounder: lvh_strain, lbbb, rbbb, early_repolarisation, nonspecific_st_t.
    #[arg(long, value_name = "NAME")]
    confounder: Option<Confounder>,
    /// Leave out noise and artefacts.
    #[arg(long)]
    clean: bool,
}

/// `VESSEL=SEVERITY` as the vessel's index and the severity.
fn pattern(text: &str) -> Result<(usize, f64), String> {
    let bad = || {
        format!(
            "'{text}': expected VESSEL=SEVERITY, VESSEL one of RCA, LM, LAD, LCX and SEVERITY from 0 to 1"
        )
    };
    let (vessel, severity) = text.split_once('=').ok_or_else(bad)?;
    let index = VESSELS
        .iter()
        .position(|v| v.eq_ignore_ascii_case(vessel))
        .ok_or_else(bad)?;
    let severity = severity
        .parse::<f64>()
        .ok()
        .filter(|s| (0.0..=1.0).contains(s))
        .ok_or_else(bad)?;
    Ok((index, severity))
}

/// Runs `synth`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let mut config = SynthConfig {
        nuisances: !args.clean,
        ..SynthConfig::default()
    };
    if !args.pattern.is_empty() || args.confounder.is_some() {
        let mut patterns = [0.0; 4];
        for &(index, severity) in &args.pattern {
            patterns[index] = severity;
        }
        config.forced_patterns = Some(patterns);
        config.forced_confounder = args.confounder;
    }
    let mut labels = String::from("file,seed");
    for v in VESSELS {
        let _ = write!(labels, ",{v}");
    }
    for v in VESSELS {
        let _ = write!(labels, ",{v}_pattern");
    }
    labels.push_str(",confounder,heart_rate_bpm\n");
    for k in 0..args.count {
        let seed = args
            .seed
            .checked_add(k)
            .ok_or(Failure::Usage("--seed plus --count passes 2^64 − 1".into()))?;
        let case = generate(seed, &config);
        let name = format!("synthetic-{seed}.csv");
        write(&dir.join(&name), case_csv(&case))?;
        let _ = write!(labels, "{name},{seed}");
        for s in case.stenosis {
            let _ = write!(labels, ",{}", u8::from(s));
        }
        for p in case.patterns {
            let _ = write!(labels, ",{p:.3}");
        }
        let confounder = case.confounder.map_or("", |c| c.name());
        let _ = writeln!(labels, ",{confounder},{:.1}", case.heart_rate_bpm);
    }
    write(&dir.join("labels.csv"), &labels)?;
    say!(
        "wrote {} synthetic ECG(s) and labels.csv to {} (invented data, not patients)",
        args.count,
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One case as CSV: a time column in seconds, the leads in mV.
fn case_csv(case: &Case) -> String {
    let ecg = &case.ecg;
    let mut csv = String::from("time (s)");
    for lead in ecg.leads() {
        let _ = write!(csv, ",{} (mV)", lead.lead.name());
    }
    csv.push('\n');
    for i in 0..ecg.samples_per_lead() {
        let _ = write!(csv, "{:.4}", i as f64 / ecg.sample_rate_hz());
        for lead in ecg.leads() {
            let _ = write!(csv, ",{:.4}", lead.samples_uv[i] / 1000.0);
        }
        csv.push('\n');
    }
    csv
}
