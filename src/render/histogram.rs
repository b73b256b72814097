//! A campaign's probabilities per output as histograms, with the model file's two cut-offs
//! drawn on each: the summary of the page's campaign view. Plain numbers in, so that the
//! drawing knows nothing of models.

use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::{RGBColor, ShapeStyle};

use super::RenderError;
use super::paper::{PAPER, TEXT, fail, font};

/// Bars per histogram: probabilities in steps of 0.05.
pub const HISTOGRAM_BINS: usize = 20;

const BAR: RGBColor = RGBColor(90, 110, 140);
const RULE_OUT: RGBColor = RGBColor(0, 110, 60);
const RULE_IN: RGBColor = RGBColor(170, 30, 30);

/// One output's histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramPanel<'a> {
    /// The output's name (`RCA`).
    pub name: &'a str,
    /// The probabilities of the records that have one.
    pub probabilities: &'a [f64],
    /// The rule-out and rule-in cut-offs, when the model file has them.
    pub cutoffs: Option<(f64, f64)>,
}

/// How many of `probabilities` fall in each of [`HISTOGRAM_BINS`] equal bins of [0, 1] (1.0
/// counts in the last); a value outside [0, 1] or not a number is not counted.
pub fn histogram_counts(probabilities: &[f64]) -> [usize; HISTOGRAM_BINS] {
    let mut counts = [0; HISTOGRAM_BINS];
    for &p in probabilities {
        if (0.0..=1.0).contains(&p) {
            let bin = ((p * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
            counts[bin] += 1;
        }
    }
    counts
}

/// Draws the panels side by side in two columns on `area` (any size): per panel the bars, a
/// probability axis from 0 to 1, the count of the tallest bar, and the cut-offs as vertical
/// lines named in a caption.
pub fn draw_histograms<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[HistogramPanel],
) -> Result<(), RenderError> {
    area.fill(&PAPER).map_err(fail)?;
    let (width, height) = area.dim_in_pixel();
    let columns = 2usize;
    let rows = panels.len().div_ceil(columns).max(1);
    let cell_w = f64::from(width) / columns as f64;
    let cell_h = f64::from(height) / rows as f64;
    let text_px = (cell_h / 14.0).clamp(8.0, 16.0);
    for (i, panel) in panels.iter().enumerate() {
        let x0 = (i % columns) as f64 * cell_w;
        let y0 = (i / columns) as f64 * cell_h;
        draw_panel(area, panel, (x0, y0, cell_w, cell_h), text_px)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &HistogramPanel,
    (x0, y0, w, h): (f64, f64, f64, f64),
    text_px: f64,
) -> Result<(), RenderError> {
    let left = x0 + 3.0 * text_px;
    let right = x0 + w - text_px;
    let top = y0 + 2.5 * text_px;
    let bottom = y0 + h - 3.5 * text_px;
    let at = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    let x_of = |p: f64| left + p * (right - left);
    let counts = histogram_counts(panel.probabilities);
    let tallest = counts.iter().copied().max().unwrap_or(0).max(1);
    area.draw(&Text::new(
        format!("{}: {} records", panel.name, panel.probabilities.len()),
        at(x0 + text_px, y0 + 0.5 * text_px),
        font(text_px * 1.1),
    ))
    .map_err(fail)?;
    for (bin, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let bar_top = bottom - (bottom - top) * count as f64 / tallest as f64;
        let from = x_of(bin as f64 / HISTOGRAM_BINS as f64);
        let to = x_of((bin + 1) as f64 / HISTOGRAM_BINS as f64);
        area.draw(&Rectangle::new(
            [at(from + 1.0, bar_top), at(to - 1.0, bottom)],
            ShapeStyle::from(&BAR).filled(),
        ))
        .map_err(fail)?;
    }
    let axis = ShapeStyle::from(&TEXT).stroke_width(1);
    area.draw(&PathElement::new(
        vec![at(left, bottom), at(right, bottom)],
        axis,
    ))
    .map_err(fail)?;
    area.draw(&PathElement::new(
        vec![at(left, top), at(left, bottom)],
        axis,
    ))
    .map_err(fail)?;
    for tick in 0..=4 {
        let p = f64::from(tick) / 4.0;
        area.draw(&PathElement::new(
            vec![at(x_of(p), bottom), at(x_of(p), bottom + 0.4 * text_px)],
            axis,
        ))
        .map_err(fail)?;
        area.draw(&Text::new(
            format!("{p}"),
            at(x_of(p) - 0.6 * text_px, bottom + 0.6 * text_px),
            font(text_px),
        ))
        .map_err(fail)?;
    }
    area.draw(&Text::new(
        format!("{tallest}"),
        at(x0 + 0.3 * text_px, top - 0.5 * text_px),
        font(text_px),
    ))
    .map_err(fail)?;
    let caption = match panel.cutoffs {
        Some((rule_out, rule_in)) => {
            for (p, colour) in [(rule_out, RULE_OUT), (rule_in, RULE_IN)] {
                let style = ShapeStyle::from(&colour).stroke_width(2);
                area.draw(&PathElement::new(
                    vec![
                        at(x_of(p.clamp(0.0, 1.0)), top),
                        at(x_of(p.clamp(0.0, 1.0)), bottom),
                    ],
                    style,
                ))
                .map_err(fail)?;
            }
            format!("probability · rule-out {rule_out:.3} (green) · rule-in {rule_in:.3} (red)")
        }
        None => "probability · the model file states no cut-offs".to_string(),
    };
    area.draw(&Text::new(
        caption,
        at(left, bottom + 2.0 * text_px),
        font(text_px),
    ))
    .map_err(fail)?;
    Ok(())
}

// plotters' SVG backend is a native-only feature (Cargo.toml).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use plotters::prelude::{IntoDrawingArea, SVGBackend};

    #[test]
    fn counts_fall_in_twentieths_with_one_in_the_last_and_nonsense_left_out() {
        let counts = histogram_counts(&[0.0, 0.049, 0.05, 0.5, 0.999, 1.0, -0.1, 1.5, f64::NAN]);
        assert_eq!(counts[0], 2);
        assert_eq!(counts[1], 1);
        assert_eq!(counts[10], 1);
        assert_eq!(counts[19], 2);
        assert_eq!(counts.iter().sum::<usize>(), 6);
    }

    #[test]
    fn each_panel_has_its_bars_cut_offs_and_caption() {
        let probabilities = [0.1, 0.12, 0.8];
        let panels = [
            HistogramPanel {
                name: "RCA",
                probabilities: &probabilities,
                cutoffs: Some((0.05, 0.3)),
            },
            HistogramPanel {
                name: "LM",
                probabilities: &[],
                cutoffs: None,
            },
        ];
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (800, 300)).into_drawing_area();
            draw_histograms(&area, &panels).unwrap();
            area.present().unwrap();
        }
        assert!(svg.contains("RCA: 3 records"), "{svg}");
        assert!(svg.contains("LM: 0 records"));
        assert!(svg.contains("rule-out 0.050 (green) · rule-in 0.300 (red)"));
        assert!(svg.contains("states no cut-offs"));
        // Two bins hold records (0.10–0.15 twice, 0.80–0.85 once): two bars.
        let bars = svg.matches(r##"fill="#5A6E8C""##).count();
        assert_eq!(bars, 2, "{svg}");
    }
}
