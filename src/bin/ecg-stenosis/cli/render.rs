//! `render`: the ECG sheet as SVG.

use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::pipeline::quality_gate;
use ecg_stenosis::render::{Layout, Paper, SheetOptions, draw_sheet, layout, quality_marks};
use ecg_stenosis::signal::beats::detect_in_recorded;
use ecg_stenosis::signal::{InputShape, Preprocessing};
use plotters::drawing::IntoDrawingArea;
use plotters::prelude::SVGBackend;

use super::common::{Failure, Inputs, number, report_failures, seconds};

/// Draws one record on calibrated ECG paper as SVG.
///
/// Draws one record on calibrated ECG paper (1 mm and 5 mm grid, calibration pulse, lead
/// labels, derived and missing leads marked, the cart's and the display's filters stated) as
/// an SVG file. Leads the quality gate flags are outlined and named, as on the page.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Where to write the sheet (.svg).
    #[arg(long, value_name = "SHEET.svg")]
    out: PathBuf,
    /// 3x4 with a lead II rhythm strip, or 12x1.
    #[arg(long, value_name = "3x4|12x1", default_value = "3x4", value_parser = Layout::parse)]
    layout: Layout,
    /// Paper speed, mm/s: 25 or 50.
    #[arg(long, value_name = "MM_PER_S", default_value_t = 25.0, value_parser = number)]
    speed: f64,
    /// Gain, mm/mV: 5, 10 or 20.
    #[arg(long, value_name = "MM_PER_MV", default_value_t = 10.0, value_parser = number)]
    gain: f64,
    /// Where the sheet starts in the record, seconds.
    #[arg(long, value_name = "S", default_value_t = 0.0, value_parser = seconds)]
    start_secs: f64,
}

/// Runs `render`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let paper = Paper::new(args.speed, args.gain).map_err(Failure::Usage)?;
    let records: Vec<_> = args.inputs.records().collect();
    if report_failures(&records) {
        return Ok(ExitCode::from(1));
    }
    let mut ecgs = records.into_iter().filter_map(|r| r.result.ok());
    let (Some(ecg), None) = (ecgs.next(), ecgs.next()) else {
        return Err(Failure::Usage(
            "render draws one record: give one file (or a WFDB header with its signal files)"
                .into(),
        ));
    };
    let quality = quality_gate(
        &ecg,
        &detect_in_recorded(&ecg),
        InputShape::default(),
        // Net1D's recipe (model-spec §4), the shipped model's: no model file is given here.
        Preprocessing::Ecgfounder,
        false,
    );
    let (flags, notes) = quality_marks(&quality);
    let options = SheetOptions {
        layout: args.layout,
        flags,
        notes,
        paper,
        start_secs: args.start_secs,
        cart_filters: ecg.info().cart_filters.clone(),
        ..SheetOptions::default()
    };
    let size = layout(&ecg, &options).size_px();
    let area = SVGBackend::new(&args.out, size).into_drawing_area();
    draw_sheet(&area, &ecg, &options).map_err(|e| format!("{}: {e}", args.out.display()))?;
    drop(area);
    say!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
