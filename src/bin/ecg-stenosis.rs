//! `ecg-stenosis`: the native command-line tool, thin over the library.
//!
//! ```text
//! ecg-stenosis inspect FILE [--sample-rate-hz R]
//! ecg-stenosis render FILE --out TRACING.svg [--sample-rate-hz R]
//! ```

// The tool reads and writes files: it exists natively only. A wasm32 build of the package
// (the page) gets an empty program so `cargo build --target wasm32-unknown-unknown` works.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::PathBuf;
    use std::process::ExitCode;

    use ecg_stenosis::ecg::Ecg;
    use ecg_stenosis::formats::{CsvOptions, Limits, read_csv};
    use ecg_stenosis::render::{DrawOptions, draw_leads};
    use plotters::drawing::IntoDrawingArea;
    use plotters::prelude::SVGBackend;

    const USAGE: &str = "usage:
      ecg-stenosis inspect FILE [--sample-rate-hz R]
      ecg-stenosis render FILE --out TRACING.svg [--sample-rate-hz R]

    FILE is a CSV/TSV ECG: a header of lead names (I, II, ..., V6), values in mV, and a
    'time (s)' column or --sample-rate-hz.";

    enum Command {
        Inspect,
        Render,
    }

    struct Args {
        command: Command,
        file: PathBuf,
        out: Option<PathBuf>,
        sample_rate_hz: Option<f64>,
    }

    fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let command = match args.next().ok_or("no command given")?.as_str() {
            "inspect" => Command::Inspect,
            "render" => Command::Render,
            other => return Err(format!("unknown command '{other}'")),
        };
        let mut file = None;
        let mut out = None;
        let mut sample_rate_hz = None;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--out" => out = Some(PathBuf::from(args.next().ok_or("--out needs a path")?)),
                "--sample-rate-hz" => {
                    let value = args.next().ok_or("--sample-rate-hz needs a number")?;
                    let rate = value
                        .parse::<f64>()
                        .map_err(|_| format!("--sample-rate-hz: '{value}' is not a number"))?;
                    sample_rate_hz = Some(rate);
                }
                "-h" | "--help" => return Err(String::new()),
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                path if file.is_none() => file = Some(PathBuf::from(path)),
                extra => return Err(format!("unexpected argument '{extra}'")),
            }
        }
        Ok(Args {
            command,
            file: file.ok_or("no FILE given")?,
            out,
            sample_rate_hz,
        })
    }

    fn load(args: &Args) -> Result<Ecg, String> {
        let bytes = std::fs::read(&args.file)
            .map_err(|e| format!("{}: cannot read: {e}", args.file.display()))?;
        let options = CsvOptions {
            sample_rate_hz: args.sample_rate_hz,
        };
        read_csv(&bytes, &options, &Limits::default())
            .map_err(|e| format!("{}: {} ({})", args.file.display(), e, e.kind().name()))
    }

    fn run(args: Args) -> Result<(), String> {
        let ecg = load(&args)?;
        match args.command {
            Command::Inspect => {
                println!("file: {}", args.file.display());
                println!("sample_rate_hz: {}", ecg.sample_rate_hz());
                println!("samples_per_lead: {}", ecg.samples_per_lead());
                println!("duration_secs: {:.3}", ecg.duration_secs());
                for signal in ecg.leads() {
                    let (min, max) = signal
                        .samples_uv
                        .iter()
                        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                            (lo.min(v), hi.max(v))
                        });
                    println!(
                        "lead {:<3} derived={} min_uv={min:.1} max_uv={max:.1}",
                        signal.lead.name(),
                        signal.derived
                    );
                }
                for warning in ecg.warnings() {
                    println!("warning: {warning}");
                }
                Ok(())
            }
            Command::Render => {
                let out = args.out.as_ref().ok_or("render needs --out TRACING.svg")?;
                let area = SVGBackend::new(out, (1600, 1200)).into_drawing_area();
                draw_leads(&area, &ecg, &DrawOptions::default()).map_err(|e| e.to_string())?;
                drop(area);
                println!("wrote {}", out.display());
                Ok(())
            }
        }
    }

    pub fn main() -> ExitCode {
        match parse_args(std::env::args().skip(1)).and_then(run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                if !message.is_empty() {
                    eprintln!("ecg-stenosis: {message}");
                }
                eprintln!("{USAGE}");
                ExitCode::from(2)
            }
        }
    }
}
