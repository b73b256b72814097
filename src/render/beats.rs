//! The median beat of every lead on the same paper as the sheet, at 50 mm/s.

use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::RenderError;
use super::layout::{Paper, SheetOptions};
use super::paper::{PAPER, TRACE, display_samples, draw_grid, fail, font, px, shade, stroke};
use crate::ecg::{Ecg, Lead};
use crate::signal::beats::{Beats, MEDIAN_BEAT_AFTER_SECS, MEDIAN_BEAT_BEFORE_SECS, median_beat};

/// Paper speed of the median beats, mm/s.
const SPEED: f64 = 50.0;
/// Top of the grid, below the caption, mm.
const TOP_MM: f64 = 5.0;

/// Where one median beat was drawn, in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct BeatPanel {
    /// The lead.
    pub lead: Lead,
    /// Left edge.
    pub x_mm: f64,
    /// Top edge.
    pub y_mm: f64,
    /// Width.
    pub width_mm: f64,
    /// Height.
    pub height_mm: f64,
}

/// Size of the median-beat sheet: two rows of six beats at 50 mm/s and the sheet's gain.
pub fn beats_size_mm(paper: &Paper) -> (f64, f64) {
    let beat_mm = (MEDIAN_BEAT_BEFORE_SECS + MEDIAN_BEAT_AFTER_SECS) * SPEED;
    (6.0 * (beat_mm + 4.0) + 4.0, 2.0 * paper.row_mm() + 10.0)
}

/// The beats' window in samples of the record, and the beats whole inside the record.
struct Window {
    before: usize,
    after: usize,
    usable: Vec<usize>,
    rate: f64,
}

/// Draws the median beat of every lead (two rows of six, at 50 mm/s and the sheet's gain) on
/// the same paper, with the overlay averaged over the beats at the same place. `beats` are
/// the R peaks on the record's samples.
pub fn draw_median_beats<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    r_peaks: &[usize],
    options: &SheetOptions,
) -> Result<Vec<BeatPanel>, RenderError> {
    let k = options.px_per_mm;
    let paper = options.paper;
    let rate = ecg.sample_rate_hz();
    let before = (MEDIAN_BEAT_BEFORE_SECS * rate).round() as usize;
    let after = (MEDIAN_BEAT_AFTER_SECS * rate).round() as usize;
    let beat_mm = (before + after + 1) as f64 / rate * SPEED;
    let (width, height) = beats_size_mm(&paper);
    let row = paper.row_mm();
    area.fill(&PAPER).map_err(fail)?;
    draw_grid(area, k, [0.0, TOP_MM, width, height])?;
    let caption = match &options.overlay {
        Some(overlay) => format!(
            "Median beats, 50 mm/s, {} mm/mV; shading: {}, averaged over the beats",
            paper.gain_mm_per_mv, overlay.label
        ),
        None => format!("Median beats, 50 mm/s, {} mm/mV", paper.gain_mm_per_mv),
    };
    area.draw(&Text::new(
        caption,
        (px(2.0, k), px(0.8, k)),
        font(3.2 * k).pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(fail)?;
    let window = Window {
        before,
        after,
        usable: r_peaks
            .iter()
            .copied()
            .filter(|&r| r >= before && r + after < ecg.samples_per_lead())
            .collect(),
        rate,
    };
    let beats = Beats {
        r_peaks: r_peaks.to_vec(),
        sample_rate_hz: rate,
    };
    let mut panels = Vec::new();
    for (i, &lead) in Lead::ALL.iter().enumerate() {
        let panel = BeatPanel {
            lead,
            x_mm: 4.0 + (i % 6) as f64 * (beat_mm + 4.0),
            y_mm: TOP_MM + (i / 6) as f64 * row,
            width_mm: beat_mm,
            height_mm: row,
        };
        draw_beat(area, ecg, options, &panel, &beats, &window)?;
        panels.push(panel);
    }
    area.present().map_err(fail)?;
    Ok(panels)
}

/// One lead's median beat, its label and its shading.
fn draw_beat<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    options: &SheetOptions,
    panel: &BeatPanel,
    beats: &Beats,
    window: &Window,
) -> Result<(), RenderError> {
    let k = options.px_per_mm;
    let (x0, y0, row) = (panel.x_mm, panel.y_mm, panel.height_mm);
    let baseline = y0 + row / 2.0;
    let mut label = panel.lead.name().to_string();
    if ecg.lead(panel.lead).is_some_and(|s| s.derived) {
        label.push('*');
    }
    let label_style = font(3.4 * k).pos(Pos::new(HPos::Left, VPos::Top));
    let Some(samples) = display_samples(ecg, panel.lead, options.baseline_filter) else {
        label.push_str(": not in the file");
        area.draw(&Text::new(label, (px(x0, k), px(y0 + 1.0, k)), label_style))
            .map_err(fail)?;
        return Ok(());
    };
    if let (Some(overlay), false) = (&options.overlay, window.usable.is_empty())
        && let Some(weights) = overlay.lead(panel.lead)
    {
        shade_beat(area, panel, weights, window, k)?;
    }
    area.draw(&Text::new(label, (px(x0, k), px(y0 + 1.0, k)), label_style))
        .map_err(fail)?;
    let samples: Vec<f32> = samples.iter().map(|&v| v as f32).collect();
    let Some(median) = median_beat(&samples, beats) else {
        area.draw(&Text::new(
            "no complete beat",
            (px(x0, k), px(baseline, k)),
            font(3.0 * k).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(fail)?;
        return Ok(());
    };
    let (low, high) = (px(y0, k), px(y0 + row, k));
    let points: Vec<(i32, i32)> = median
        .iter()
        .enumerate()
        .map(|(j, &uv)| {
            let x = x0 + j as f64 / window.rate * SPEED;
            let y = baseline - f64::from(uv) / 1000.0 * options.paper.gain_mm_per_mv;
            (px(x, k), px(y, k).clamp(low, high))
        })
        .collect();
    area.draw(&PathElement::new(points, stroke(&TRACE, 0.25, k, 1.0)))
        .map_err(fail)?;
    Ok(())
}

/// The overlay averaged over the beats, in 10 ms strips: each strip as strong as the mean,
/// over the beats, of the largest weight it covers.
fn shade_beat<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &BeatPanel,
    weights: &[f32],
    window: &Window,
    k: f64,
) -> Result<(), RenderError> {
    let (before, after, rate) = (window.before, window.after, window.rate);
    let strip_samples = ((0.01 * rate).round() as usize).max(1);
    let mut offset = 0;
    while offset <= before + after {
        let end = (offset + strip_samples).min(before + after + 1);
        let mut sum = 0.0f64;
        for &r in &window.usable {
            let a = r - before + offset;
            let b = r - before + end;
            sum += weights
                .get(a..b.min(weights.len()))
                .unwrap_or(&[])
                .iter()
                .copied()
                .fold(0.0f32, f32::max) as f64;
        }
        let w = sum / window.usable.len() as f64;
        if w > 0.02 {
            let xa = panel.x_mm + offset as f64 / rate * SPEED;
            let xb = panel.x_mm + end as f64 / rate * SPEED;
            area.draw(&Rectangle::new(
                [
                    (px(xa, k), px(panel.y_mm, k) + 1),
                    (px(xb, k), px(panel.y_mm + panel.height_mm, k) - 1),
                ],
                shade(w),
            ))
            .map_err(fail)?;
        }
        offset = end;
    }
    Ok(())
}
