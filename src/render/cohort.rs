//! The cohort view of a campaign: per output, the average median beat of every lead over the
//! records at high risk (red) against those at low risk (blue), on ECG paper at 50 mm/s. Plain
//! numbers in (the means on the cohort grid and their counts), so that the drawing knows
//! nothing of models.

use plotters::coord::Shift;
use plotters::element::{PathElement, Text};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::RenderError;
use super::layout::Paper;
use super::paper::{PAPER, draw_grid, fail, font, px, stroke};
use crate::ecg::Lead;

/// Paper speed of the averaged beats, mm/s.
const SPEED: f64 = 50.0;
/// Height of the sheet's header (title and up to [`NOTICE_LINES`] of notice), mm.
const HEADER_MM: f64 = 20.0;
/// Lines of notice the header holds.
const NOTICE_LINES: usize = 3;
/// Characters per line of notice (3 mm text on the sheet's 268 mm).
const NOTICE_CHARS: usize = 150;
/// Height of an output's caption, mm.
const CAPTION_MM: f64 = 7.0;
/// Space between panels and around the sheet, mm.
const GAP_MM: f64 = 4.0;

/// The high-risk group's trace.
pub const HIGH: RGBColor = RGBColor(180, 0, 0);
/// The low-risk group's trace.
pub const LOW: RGBColor = RGBColor(0, 70, 190);

/// A group's mean beat of one lead: µV on the cohort grid, and the records it averages.
pub type MeanBeat = Option<(Vec<f64>, u64)>;

/// One output's averaged beats.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortPanel<'a> {
    /// The output's name (`RCA`).
    pub name: &'a str,
    /// Records in the high-risk group.
    pub high_records: u64,
    /// Records in the low-risk group.
    pub low_records: u64,
    /// Per lead in [`Lead::ALL`] order, the high-risk group's mean beat.
    pub high: Vec<MeanBeat>,
    /// The same for the low-risk group.
    pub low: Vec<MeanBeat>,
}

/// The grid the means are on: its rate and its samples per beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatGrid {
    /// Samples per second.
    pub rate_hz: f64,
    /// Samples per beat.
    pub samples: usize,
}

fn beat_mm(grid: BeatGrid) -> f64 {
    grid.samples.saturating_sub(1) as f64 / grid.rate_hz * SPEED
}

/// Size of the cohort sheet for `outputs` outputs, mm: per output a caption and two rows of
/// six beats at 50 mm/s and the paper's gain.
pub fn cohort_size_mm(paper: &Paper, grid: BeatGrid, outputs: usize) -> (f64, f64) {
    (
        6.0 * (beat_mm(grid) + GAP_MM) + GAP_MM,
        HEADER_MM + outputs.max(1) as f64 * (CAPTION_MM + 2.0 * paper.row_mm()) + GAP_MM,
    )
}

/// Draws the cohort sheet at `px_per_mm` (the area should be [`cohort_size_mm`] × that):
/// `notice` (the model's standing: a demonstration model must say so) and the legend on top,
/// then per output its caption with the group sizes and 12 panels, each with both groups'
/// mean beats of that lead.
pub fn draw_cohort<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[CohortPanel],
    grid: BeatGrid,
    paper: &Paper,
    px_per_mm: f64,
    notice: &str,
) -> Result<(), RenderError> {
    let k = px_per_mm;
    let (width, _) = cohort_size_mm(paper, grid, panels.len());
    let row = paper.row_mm();
    let beat = beat_mm(grid);
    area.fill(&PAPER).map_err(fail)?;
    let left = Pos::new(HPos::Left, VPos::Top);
    area.draw(&Text::new(
        format!(
            "Average median beats, 50 mm/s, {} mm/mV: high risk in red, low risk in blue",
            paper.gain_mm_per_mv
        ),
        (px(GAP_MM, k), px(1.0, k)),
        font(3.4 * k).pos(left),
    ))
    .map_err(fail)?;
    for (i, line) in wrap(notice, NOTICE_CHARS, NOTICE_LINES).iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (px(GAP_MM, k), px(6.0 + 4.0 * i as f64, k)),
            font(3.0 * k).pos(left),
        ))
        .map_err(fail)?;
    }
    for (o, panel) in panels.iter().enumerate() {
        let top = HEADER_MM + o as f64 * (CAPTION_MM + 2.0 * row);
        area.draw(&Text::new(
            format!(
                "{}: {} records at high risk, {} at low risk",
                panel.name, panel.high_records, panel.low_records
            ),
            (px(GAP_MM, k), px(top + 1.5, k)),
            font(3.4 * k).pos(left),
        ))
        .map_err(fail)?;
        let grid_top = top + CAPTION_MM;
        draw_grid(area, k, [0.0, grid_top, width, grid_top + 2.0 * row])?;
        for (i, lead) in Lead::ALL.iter().enumerate() {
            let x0 = GAP_MM + (i % 6) as f64 * (beat + GAP_MM);
            let y0 = grid_top + (i / 6) as f64 * row;
            area.draw(&Text::new(
                lead.name(),
                (px(x0, k), px(y0 + 1.0, k)),
                font(3.4 * k).pos(left),
            ))
            .map_err(fail)?;
            let mut drawn = false;
            for (means, colour) in [(&panel.low, LOW), (&panel.high, HIGH)] {
                let Some(Some((mean, _))) = means.get(i) else {
                    continue;
                };
                let (low, high) = (px(y0, k), px(y0 + row, k));
                let baseline = y0 + row / 2.0;
                let points: Vec<(i32, i32)> = mean
                    .iter()
                    .enumerate()
                    .map(|(j, &uv)| {
                        let x = x0 + j as f64 / grid.rate_hz * SPEED;
                        let y = baseline - uv / 1000.0 * paper.gain_mm_per_mv;
                        (px(x, k), px(y, k).clamp(low, high))
                    })
                    .collect();
                area.draw(&PathElement::new(points, stroke(&colour, 0.3, k, 1.0)))
                    .map_err(fail)?;
                drawn = true;
            }
            if !drawn {
                area.draw(&Text::new(
                    "no record",
                    (px(x0, k), px(y0 + row / 2.0, k)),
                    font(3.0 * k).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(fail)?;
            }
        }
    }
    area.present().map_err(fail)?;
    Ok(())
}

/// `text` in lines of at most `width` characters, broken at spaces (and at its own line
/// breaks); a word longer than a line is cut. At most `lines` lines, the last ending in "…"
/// when text is left over.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let word: String = word.chars().take(width).collect();
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        out.push(line);
    }
    if out.len() > lines {
        out.truncate(lines);
        if let Some(last) = out.last_mut() {
            let kept: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{kept}…");
        }
    }
    out
}

// plotters' SVG backend is a native-only feature (Cargo.toml).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use plotters::prelude::{IntoDrawingArea, SVGBackend};

    #[test]
    fn notices_wrap_at_spaces_and_stop_at_the_lines_given() {
        assert_eq!(wrap("a bb ccc\ndd", 4, 5), vec!["a bb", "ccc", "dd"]);
        assert_eq!(wrap("abcdefgh ij", 4, 5), vec!["abcd", "ij"]);
        assert_eq!(wrap("a b c d e f", 1, 2), vec!["a", "…"]);
        assert!(wrap("", 10, 2).is_empty());
    }

    #[test]
    fn each_output_has_its_caption_and_both_groups_traced_where_they_have_beats() {
        let grid = BeatGrid {
            rate_hz: 250.0,
            samples: 201,
        };
        let beat = Some((vec![100.0; 201], 3));
        let mut low = vec![beat.clone(); 12];
        low[3] = None;
        let panels = [
            CohortPanel {
                name: "RCA",
                high_records: 3,
                low_records: 5,
                high: vec![beat.clone(); 12],
                low,
            },
            CohortPanel {
                name: "LM",
                high_records: 0,
                low_records: 0,
                high: vec![None; 12],
                low: vec![None; 12],
            },
        ];
        let paper = Paper::new(25.0, 10.0).unwrap();
        let (w, h) = cohort_size_mm(&paper, grid, panels.len());
        let mut svg = String::new();
        {
            let size = ((w * 2.0).ceil() as u32, (h * 2.0).ceil() as u32);
            let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            draw_cohort(&area, &panels, grid, &paper, 2.0, "Demonstration model").unwrap();
        }
        assert!(
            svg.contains("RCA: 3 records at high risk, 5 at low risk"),
            "{svg}"
        );
        assert!(svg.contains("LM: 0 records at high risk, 0 at low risk"));
        assert!(svg.contains("Demonstration model"));
        assert_eq!(svg.matches("no record").count(), 12);
        // RCA: 12 red traces, 11 blue (aVR has no low-risk beat).
        assert_eq!(svg.matches(r##"stroke="#B40000""##).count(), 12, "{svg}");
        assert_eq!(svg.matches(r##"stroke="#0046BE""##).count(), 11);
    }
}
