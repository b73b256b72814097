//! The ECG sheet as readers expect it: millimetre paper, a calibration pulse, the standard
//! 3 × 4 layout with a lead II rhythm strip (or 12 × 1), at a chosen paper speed and gain.
//!
//! Geometry is in millimetres of paper and becomes pixels through one factor, `px_per_mm`
//! (device pixels per millimetre), so 2.5 s at 25 mm/s is 62.5 mm on every screen and the
//! grid stays sharp at any pixel ratio. [`layout`] computes where everything goes without
//! drawing; [`draw_sheet`] draws it on any plotters backend.

use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{IntoFont, RGBAColor, RGBColor, ShapeStyle, TextStyle};

use super::RenderError;
use crate::ecg::{Ecg, Lead};
use crate::signal::Iir;
use crate::signal::beats::{Beats, MEDIAN_BEAT_AFTER_SECS, MEDIAN_BEAT_BEFORE_SECS, median_beat};

const PAPER: RGBColor = RGBColor(255, 255, 255);
const GRID_MINOR: RGBColor = RGBColor(246, 205, 205);
const GRID_MAJOR: RGBColor = RGBColor(226, 140, 140);
const TRACE: RGBColor = RGBColor(0, 0, 0);
const TEXT: RGBColor = RGBColor(30, 30, 30);
/// Outline of a lead the quality check flags; the flag is also written in words.
const FLAG: RGBColor = RGBColor(176, 64, 0);
/// Saliency shading: this colour, more opaque where the attribution is larger.
pub const SALIENCY: RGBColor = RGBColor(0, 110, 220);
/// Opacity of the shading at the largest attribution.
pub const SALIENCY_MAX_ALPHA: f64 = 0.55;

/// Seconds of signal on the sheet: ten, as on a standard resting ECG.
pub const SHEET_SECS: f64 = 10.0;
/// Width of the calibration pulse, seconds.
pub const PULSE_SECS: f64 = 0.2;
/// Height of the band above the grid that carries the sheet's settings, millimetres.
pub const HEADER_MM: f64 = 14.0;
/// Left margin holding the calibration pulses, millimetres (at any speed).
pub const LEFT_MM: f64 = 20.0;
/// Right margin, millimetres.
pub const RIGHT_MM: f64 = 5.0;
/// Bottom margin, millimetres.
pub const BOTTOM_MM: f64 = 5.0;

/// How the twelve leads are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Three rows of four columns (I, II, III | aVR, aVL, aVF | V1–V3 | V4–V6), 2.5 s each,
    /// then a 10 s lead II rhythm strip.
    #[default]
    Standard,
    /// Twelve rows of 10 s each.
    TwelveByOne,
}

impl Layout {
    /// `3x4` or `12x1`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Standard => "3x4",
            Layout::TwelveByOne => "12x1",
        }
    }

    /// From `3x4` / `12x1`.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "3x4" | "standard" => Ok(Layout::Standard),
            "12x1" => Ok(Layout::TwelveByOne),
            other => Err(format!("unknown layout '{other}': use 3x4 or 12x1")),
        }
    }
}

/// Paper speed and gain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paper {
    /// Millimetres per second (25 or 50 on a cart).
    pub speed_mm_per_s: f64,
    /// Millimetres per millivolt (5, 10 or 20 on a cart).
    pub gain_mm_per_mv: f64,
}

impl Default for Paper {
    fn default() -> Self {
        Self {
            speed_mm_per_s: 25.0,
            gain_mm_per_mv: 10.0,
        }
    }
}

impl Paper {
    /// The speeds and gains a cart offers; anything else is refused.
    pub fn new(speed_mm_per_s: f64, gain_mm_per_mv: f64) -> Result<Self, String> {
        if ![25.0, 50.0].contains(&speed_mm_per_s) {
            return Err(format!(
                "paper speed {speed_mm_per_s} mm/s is not offered: use 25 or 50"
            ));
        }
        if ![5.0, 10.0, 20.0].contains(&gain_mm_per_mv) {
            return Err(format!(
                "gain {gain_mm_per_mv} mm/mV is not offered: use 5, 10 or 20"
            ));
        }
        Ok(Self {
            speed_mm_per_s,
            gain_mm_per_mv,
        })
    }

    /// Height of one row of the sheet: ±1.5 mV at the gain, at least 20 mm, in whole 5 mm
    /// squares so that every baseline sits on a major grid line.
    pub fn row_mm(&self) -> f64 {
        ((3.0 * self.gain_mm_per_mv).max(20.0) / 5.0).ceil() * 5.0
    }
}

/// Attribution to shade under the traces: per lead (in [`Lead::ALL`] order, `None` for a lead
/// without a map), on the record's own samples, scaled to 0..=1.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// Says what is shaded ("RCA, input × gradient").
    pub label: String,
    /// One weight per record sample, per lead.
    pub weights: Vec<Option<Vec<f32>>>,
}

impl Overlay {
    /// From a saliency map `[12, samples]` in [`Lead::ALL`] order: the absolute attribution,
    /// smoothed over `smooth_secs` (a moving maximum, so a narrow peak keeps its height), then
    /// divided by its largest value over all leads, so that leads compare.
    pub fn from_map(map: &[f32], samples: usize, sample_rate_hz: f64, label: String) -> Self {
        let half = ((0.02 * sample_rate_hz).round() as usize).max(1);
        let leads = map.len() / samples.max(1);
        let smoothed: Vec<Vec<f32>> = (0..leads)
            .map(|l| {
                let row: Vec<f32> = map[l * samples..(l + 1) * samples]
                    .iter()
                    .map(|v| v.abs())
                    .collect();
                (0..samples)
                    .map(|i| {
                        let (a, b) = (i.saturating_sub(half), (i + half + 1).min(samples));
                        row[a..b].iter().copied().fold(0.0, f32::max)
                    })
                    .collect()
            })
            .collect();
        let top = smoothed
            .iter()
            .flatten()
            .copied()
            .fold(0.0f32, f32::max)
            .max(f32::MIN_POSITIVE);
        let weights = (0..Lead::ALL.len())
            .map(|l| {
                smoothed
                    .get(l)
                    .map(|row| row.iter().map(|v| v / top).collect())
            })
            .collect();
        Self { label, weights }
    }

    fn lead(&self, lead: Lead) -> Option<&[f32]> {
        self.weights.get(lead.index())?.as_deref()
    }
}

/// A lead the quality check flags, and the word that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFlag {
    /// The lead.
    pub lead: Lead,
    /// Short reason written on the sheet ("noise", "clipped").
    pub text: String,
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetOptions {
    /// Arrangement of the leads.
    pub layout: Layout,
    /// Speed and gain.
    pub paper: Paper,
    /// Device pixels per millimetre of paper.
    pub px_per_mm: f64,
    /// Where the 10 s shown start in the record, seconds.
    pub start_secs: f64,
    /// Remove baseline wander for display: a zero-phase 0.5 Hz Butterworth high-pass.
    pub baseline_filter: bool,
    /// Filters the file says the cart applied, stated on the sheet ("not stated" when `None`).
    pub cart_filters: Option<String>,
    /// Saliency shading, if any.
    pub overlay: Option<Overlay>,
    /// Leads to outline, with the reason.
    pub flags: Vec<LeadFlag>,
    /// Lines written under the settings (e.g. a record-wide quality warning).
    pub notes: Vec<String>,
}

impl Default for SheetOptions {
    fn default() -> Self {
        Self {
            layout: Layout::Standard,
            paper: Paper::default(),
            px_per_mm: 4.0,
            start_secs: 0.0,
            baseline_filter: true,
            cart_filters: None,
            overlay: None,
            flags: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Cut-off of the display's baseline filter, Hz (zero phase, so ST levels are not shifted
/// the way a one-way 0.5 Hz filter would shift them).
pub const BASELINE_HZ: f64 = 0.5;

impl SheetOptions {
    /// The filters line written on the sheet.
    pub fn filters_text(&self) -> String {
        let display = if self.baseline_filter {
            format!("display: {BASELINE_HZ} Hz high-pass, zero phase")
        } else {
            "display: none (as recorded)".into()
        };
        let cart = self
            .cart_filters
            .as_deref()
            .unwrap_or("not stated in the file");
        format!("Filters: {display}; cart: {cart}")
    }
}

/// One trace's place on the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetPanel {
    /// The lead.
    pub lead: Lead,
    /// The rhythm strip (the long lead II at the bottom of the 3 × 4 layout).
    pub rhythm: bool,
    /// Whether the record has this lead (a panel without one says so).
    pub recorded: bool,
    /// Left edge, millimetres from the sheet's left edge (where the trace's time starts).
    pub x_mm: f64,
    /// Top edge of the row band, millimetres.
    pub y_mm: f64,
    /// Width, millimetres.
    pub width_mm: f64,
    /// Height of the row band, millimetres.
    pub height_mm: f64,
    /// The 0 mV line, millimetres from the top.
    pub baseline_mm: f64,
    /// First second of the record shown.
    pub start_secs: f64,
    /// Seconds shown.
    pub duration_secs: f64,
}

/// Where everything goes, in millimetres; pixels are `mm × px_per_mm`.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetLayout {
    /// Sheet width, millimetres.
    pub width_mm: f64,
    /// Sheet height, millimetres.
    pub height_mm: f64,
    /// Device pixels per millimetre.
    pub px_per_mm: f64,
    /// The panels, row by row, left to right.
    pub panels: Vec<SheetPanel>,
    /// Top of the grid, millimetres.
    pub grid_top_mm: f64,
}

impl SheetLayout {
    /// Sheet size in device pixels.
    pub fn size_px(&self) -> (u32, u32) {
        (
            (self.width_mm * self.px_per_mm).ceil() as u32,
            (self.height_mm * self.px_per_mm).ceil() as u32,
        )
    }
}

/// Lead for the rhythm strip: II, else the first lead the record has.
fn rhythm_lead(ecg: &Ecg) -> Lead {
    if ecg.lead(Lead::II).is_some() {
        Lead::II
    } else {
        ecg.leads().iter().map(|l| l.lead).min().unwrap_or(Lead::II)
    }
}

/// Computes the sheet's geometry without drawing.
pub fn layout(ecg: &Ecg, options: &SheetOptions) -> SheetLayout {
    let paper = options.paper;
    let row = paper.row_mm();
    let trace_mm = SHEET_SECS * paper.speed_mm_per_s;
    let top = HEADER_MM + if options.notes.is_empty() { 0.0 } else { 5.0 };
    let mut panels = Vec::new();
    let mut place = |lead: Lead, rhythm: bool, r: usize, column: f64, secs: f64, start: f64| {
        let y = top + r as f64 * row;
        panels.push(SheetPanel {
            lead,
            rhythm,
            recorded: ecg.lead(lead).is_some(),
            x_mm: LEFT_MM + column * paper.speed_mm_per_s,
            y_mm: y,
            width_mm: secs * paper.speed_mm_per_s,
            height_mm: row,
            baseline_mm: y + row / 2.0,
            start_secs: start,
            duration_secs: secs,
        });
    };
    let rows = match options.layout {
        Layout::Standard => {
            const COLUMNS: [[Lead; 3]; 4] = [
                [Lead::I, Lead::II, Lead::III],
                [Lead::AVR, Lead::AVL, Lead::AVF],
                [Lead::V1, Lead::V2, Lead::V3],
                [Lead::V4, Lead::V5, Lead::V6],
            ];
            let secs = SHEET_SECS / 4.0;
            for r in 0..3 {
                for (c, column) in COLUMNS.iter().enumerate() {
                    let start = options.start_secs + c as f64 * secs;
                    place(column[r], false, r, c as f64 * secs, secs, start);
                }
            }
            place(
                rhythm_lead(ecg),
                true,
                3,
                0.0,
                SHEET_SECS,
                options.start_secs,
            );
            4
        }
        Layout::TwelveByOne => {
            for (r, &lead) in Lead::ALL.iter().enumerate() {
                place(lead, false, r, 0.0, SHEET_SECS, options.start_secs);
            }
            12
        }
    };
    SheetLayout {
        width_mm: LEFT_MM + trace_mm + RIGHT_MM,
        height_mm: top + rows as f64 * row + BOTTOM_MM,
        px_per_mm: options.px_per_mm,
        panels,
        grid_top_mm: top,
    }
}

/// The samples drawn for `lead`: the record's own, high-passed for display when asked.
fn display_samples(ecg: &Ecg, lead: Lead, baseline_filter: bool) -> Option<Vec<f64>> {
    let signal = ecg.lead(lead)?;
    let raw: Vec<f64> = signal.samples_uv.iter().map(|&v| f64::from(v)).collect();
    if !baseline_filter {
        return Some(raw);
    }
    let filtered = Iir::butter_highpass(2, BASELINE_HZ, ecg.sample_rate_hz())
        .ok()
        .and_then(|filter| filter.filtfilt(&raw).ok());
    // Too short a record for the filter's padding: drawn as recorded (the sheet says
    // the display filter is on; the difference on a record under a second is the offset).
    Some(filtered.unwrap_or(raw))
}

fn font(px: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", px.round().max(6.0)).into_font()).color(&TEXT)
}

/// Draws the sheet; returns its layout. The drawing area should be [`SheetLayout::size_px`]
/// large (from [`layout`] with the same options); anything outside it is cut off.
pub fn draw_sheet<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    options: &SheetOptions,
) -> Result<SheetLayout, RenderError> {
    let fail = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| RenderError {
        message: e.to_string(),
    };
    let sheet = layout(ecg, options);
    let k = options.px_per_mm;
    if !(k.is_finite() && k > 0.5) {
        return Err(RenderError {
            message: format!("{k} pixels per millimetre is too few to draw a sheet"),
        });
    }
    let px = |mm: f64| (mm * k).round() as i32;
    let paper = options.paper;
    area.fill(&PAPER).map_err(fail)?;

    // Grid: 1 mm minor and 5 mm major lines over the whole trace area, counted from the
    // sheet's left edge and the grid's top so that the margins are whole squares too.
    let (grid_top, grid_bottom) = (sheet.grid_top_mm, sheet.height_mm - BOTTOM_MM);
    let (grid_left, grid_right) = (0.0, sheet.width_mm);
    let minor = k >= 2.0;
    let thin = ShapeStyle::from(&GRID_MINOR).stroke_width(1);
    let thick = ShapeStyle::from(&GRID_MAJOR).stroke_width((k / 4.0).round().max(1.0) as u32);
    for pass_major in [false, true] {
        let style = if pass_major { thick } else { thin };
        let mut mm = grid_left;
        let mut i = 0;
        while mm <= grid_right + 1e-9 {
            if (i % 5 == 0) == pass_major && (pass_major || minor) {
                area.draw(&PathElement::new(
                    vec![(px(mm), px(grid_top)), (px(mm), px(grid_bottom))],
                    style,
                ))
                .map_err(fail)?;
            }
            mm += 1.0;
            i += 1;
        }
        let mut mm = grid_top;
        let mut i = 0;
        while mm <= grid_bottom + 1e-9 {
            if (i % 5 == 0) == pass_major && (pass_major || minor) {
                area.draw(&PathElement::new(
                    vec![(px(grid_left), px(mm)), (px(grid_right), px(mm))],
                    style,
                ))
                .map_err(fail)?;
            }
            mm += 1.0;
            i += 1;
        }
    }

    // Settings band.
    let small = font(3.2 * k);
    let header = format!(
        "{} mm/s   {} mm/mV   layout {}   {:.1}–{:.1} s of {:.1} s   {}   * derived lead",
        paper.speed_mm_per_s,
        paper.gain_mm_per_mv,
        options.layout.name(),
        options.start_secs,
        options.start_secs + SHEET_SECS,
        ecg.duration_secs(),
        options.filters_text(),
    );
    let top_left = Pos::new(HPos::Left, VPos::Top);
    area.draw(&Text::new(header, (px(2.0), px(1.5)), small.pos(top_left)))
        .map_err(fail)?;
    if let Some(overlay) = &options.overlay {
        // Legend: a bar from no shading to the strongest, and what it shows.
        let (x0, y0, w, h) = (2.0, 7.0, 30.0, 4.0);
        let steps = 30;
        for s in 0..steps {
            let a = SALIENCY_MAX_ALPHA * (s as f64 + 0.5) / steps as f64;
            let x = x0 + w * s as f64 / steps as f64;
            area.draw(&Rectangle::new(
                [(px(x), px(y0)), (px(x + w / steps as f64) + 1, px(y0 + h))],
                ShapeStyle::from(&RGBAColor(SALIENCY.0, SALIENCY.1, SALIENCY.2, a)).filled(),
            ))
            .map_err(fail)?;
        }
        area.draw(&Rectangle::new(
            [(px(x0), px(y0)), (px(x0 + w), px(y0 + h))],
            ShapeStyle::from(&TEXT).stroke_width(1),
        ))
        .map_err(fail)?;
        let text = format!(
            "Saliency, {}: shading from none (no attribution) to full (largest attribution on this sheet)",
            overlay.label
        );
        area.draw(&Text::new(
            text,
            (px(x0 + w + 2.0), px(y0 + h / 2.0)),
            small.pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(fail)?;
    }
    for (i, note) in options.notes.iter().enumerate() {
        area.draw(&Text::new(
            note.clone(),
            (px(2.0), px(HEADER_MM + 0.5 + 4.5 * i as f64)),
            small.color(&FLAG).pos(top_left),
        ))
        .map_err(fail)?;
    }

    let rate = ecg.sample_rate_hz();
    let mut drawn_rows: Vec<f64> = Vec::new();
    let mut cache: Vec<(Lead, Option<Vec<f64>>)> = Vec::new();
    let label_font = font(3.6 * k);
    for panel in &sheet.panels {
        // Calibration pulse at the start of each row: 1 mV for 0.2 s.
        if !drawn_rows.contains(&panel.y_mm) {
            drawn_rows.push(panel.y_mm);
            let (x0, y) = (
                LEFT_MM - 3.0 - PULSE_SECS * paper.speed_mm_per_s,
                panel.baseline_mm,
            );
            let x1 = x0 + PULSE_SECS * paper.speed_mm_per_s;
            let up = y - paper.gain_mm_per_mv;
            area.draw(&PathElement::new(
                vec![
                    (px(x0 - 2.0), px(y)),
                    (px(x0), px(y)),
                    (px(x0), px(up)),
                    (px(x1), px(up)),
                    (px(x1), px(y)),
                    (px(x1 + 2.0), px(y)),
                ],
                ShapeStyle::from(&TRACE).stroke_width((0.3 * k).round().max(1.0) as u32),
            ))
            .map_err(fail)?;
        }

        let first = ((panel.start_secs * rate).round().max(0.0)) as usize;
        let last = (((panel.start_secs + panel.duration_secs) * rate).round() as usize)
            .min(ecg.samples_per_lead());
        let (x0, band_top, band_bottom) = (panel.x_mm, panel.y_mm, panel.y_mm + panel.height_mm);
        let mm_per_sample = paper.speed_mm_per_s / rate;

        // Saliency shading under the trace, in 0.5 mm strips.
        if let (Some(overlay), true) = (&options.overlay, panel.recorded)
            && let Some(weights) = overlay.lead(panel.lead)
        {
            let strip = 0.5;
            let strips = (panel.width_mm / strip).ceil() as usize;
            for s in 0..strips {
                let t0 = panel.start_secs + s as f64 * strip / paper.speed_mm_per_s;
                let t1 = t0 + strip / paper.speed_mm_per_s;
                let (a, b) = (
                    (t0 * rate) as usize,
                    ((t1 * rate).ceil() as usize).min(last),
                );
                let w = weights
                    .get(a.min(weights.len())..b.min(weights.len()))
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .fold(0.0f32, f32::max);
                if w <= 0.02 {
                    continue;
                }
                let xa = x0 + s as f64 * strip;
                area.draw(&Rectangle::new(
                    [
                        (px(xa), px(band_top) + 1),
                        (px(xa + strip), px(band_bottom) - 1),
                    ],
                    ShapeStyle::from(&RGBAColor(
                        SALIENCY.0,
                        SALIENCY.1,
                        SALIENCY.2,
                        SALIENCY_MAX_ALPHA * f64::from(w.min(1.0)),
                    ))
                    .filled(),
                ))
                .map_err(fail)?;
            }
        }

        // Column boundary tick, as carts print it.
        if !panel.rhythm && panel.x_mm > LEFT_MM {
            area.draw(&PathElement::new(
                vec![
                    (px(x0), px(panel.baseline_mm - 4.0)),
                    (px(x0), px(panel.baseline_mm + 4.0)),
                ],
                ShapeStyle::from(&TRACE).stroke_width((0.25 * k).round().max(1.0) as u32),
            ))
            .map_err(fail)?;
        }

        let mut label = panel.lead.name().to_string();
        if ecg.lead(panel.lead).is_some_and(|l| l.derived) {
            label.push('*');
        }
        if !panel.recorded {
            label.push_str(": not in the file");
        }
        area.draw(&Text::new(
            label,
            (px(x0 + 1.5), px(band_top + 1.0)),
            label_font.pos(top_left),
        ))
        .map_err(fail)?;

        if panel.recorded {
            let samples = match cache.iter().find(|(l, _)| *l == panel.lead) {
                Some((_, s)) => s.clone(),
                None => {
                    let s = display_samples(ecg, panel.lead, options.baseline_filter);
                    cache.push((panel.lead, s.clone()));
                    s
                }
            };
            if let Some(samples) = samples
                && first < last
            {
                let (low, high) = (px(band_top), px(band_bottom));
                let points: Vec<(i32, i32)> = samples[first..last]
                    .iter()
                    .enumerate()
                    .map(|(i, &uv)| {
                        let x = x0 + i as f64 * mm_per_sample;
                        let y = panel.baseline_mm - uv / 1000.0 * paper.gain_mm_per_mv;
                        (px(x), px(y).clamp(low, high))
                    })
                    .collect();
                area.draw(&PathElement::new(
                    points,
                    ShapeStyle::from(&TRACE).stroke_width((0.25 * k).round().max(1.0) as u32),
                ))
                .map_err(fail)?;
            }
        }

        if let Some(flag) = options.flags.iter().find(|f| f.lead == panel.lead) {
            let inset = 0.4;
            area.draw(&Rectangle::new(
                [
                    (px(x0 + inset), px(band_top + inset)),
                    (px(x0 + panel.width_mm - inset), px(band_bottom - inset)),
                ],
                ShapeStyle::from(&FLAG).stroke_width((0.5 * k).round().max(2.0) as u32),
            ))
            .map_err(fail)?;
            area.draw(&Text::new(
                format!("{}: {}", panel.lead.name(), flag.text),
                (px(x0 + panel.width_mm - 1.5), px(band_top + 1.0)),
                small.color(&FLAG).pos(Pos::new(HPos::Right, VPos::Top)),
            ))
            .map_err(fail)?;
        }
    }
    area.present().map_err(fail)?;
    Ok(sheet)
}

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
    let beat_mm = (MEDIAN_BEAT_BEFORE_SECS + MEDIAN_BEAT_AFTER_SECS) * 50.0;
    (6.0 * (beat_mm + 4.0) + 4.0, 2.0 * paper.row_mm() + 10.0)
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
    let fail = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| RenderError {
        message: e.to_string(),
    };
    let k = options.px_per_mm;
    let px = |mm: f64| (mm * k).round() as i32;
    let paper = options.paper;
    let rate = ecg.sample_rate_hz();
    let speed = 50.0;
    let before = (MEDIAN_BEAT_BEFORE_SECS * rate).round() as usize;
    let after = (MEDIAN_BEAT_AFTER_SECS * rate).round() as usize;
    let beat_mm = (before + after + 1) as f64 / rate * speed;
    let (width, height) = beats_size_mm(&paper);
    let row = paper.row_mm();
    area.fill(&PAPER).map_err(fail)?;
    let thin = ShapeStyle::from(&GRID_MINOR).stroke_width(1);
    let thick = ShapeStyle::from(&GRID_MAJOR).stroke_width((k / 4.0).round().max(1.0) as u32);
    let top = 5.0;
    let mut mm = 0.0;
    while mm <= width {
        let style = if (mm as i64) % 5 == 0 { thick } else { thin };
        area.draw(&PathElement::new(
            vec![(px(mm), px(top)), (px(mm), px(height))],
            style,
        ))
        .map_err(fail)?;
        mm += 1.0;
    }
    let mut mm = top;
    while mm <= height {
        let style = if ((mm - top) as i64) % 5 == 0 {
            thick
        } else {
            thin
        };
        area.draw(&PathElement::new(
            vec![(px(0.0), px(mm)), (px(width), px(mm))],
            style,
        ))
        .map_err(fail)?;
        mm += 1.0;
    }
    let caption = match &options.overlay {
        Some(overlay) => format!(
            "Median beats, 50 mm/s, {} mm/mV; shading: {}, averaged over the beats",
            paper.gain_mm_per_mv, overlay.label
        ),
        None => format!("Median beats, 50 mm/s, {} mm/mV", paper.gain_mm_per_mv),
    };
    area.draw(&Text::new(
        caption,
        (px(2.0), px(0.8)),
        font(3.2 * k).pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(fail)?;
    let beats = Beats {
        r_peaks: r_peaks.to_vec(),
        sample_rate_hz: rate,
    };
    let usable: Vec<usize> = r_peaks
        .iter()
        .copied()
        .filter(|&r| r >= before && r + after < ecg.samples_per_lead())
        .collect();
    let mut panels = Vec::new();
    for (i, &lead) in Lead::ALL.iter().enumerate() {
        let x0 = 4.0 + (i % 6) as f64 * (beat_mm + 4.0);
        let y0 = top + (i / 6) as f64 * row;
        let baseline = y0 + row / 2.0;
        panels.push(BeatPanel {
            lead,
            x_mm: x0,
            y_mm: y0,
            width_mm: beat_mm,
            height_mm: row,
        });
        let mut label = lead.name().to_string();
        if ecg.lead(lead).is_some_and(|s| s.derived) {
            label.push('*');
        }
        let Some(samples) = display_samples(ecg, lead, options.baseline_filter) else {
            label.push_str(": not in the file");
            area.draw(&Text::new(
                label,
                (px(x0), px(y0 + 1.0)),
                font(3.4 * k).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(fail)?;
            continue;
        };
        if let (Some(overlay), false) = (&options.overlay, usable.is_empty())
            && let Some(weights) = overlay.lead(lead)
        {
            let strip_samples = ((0.01 * rate).round() as usize).max(1);
            let mut offset = 0;
            while offset <= before + after {
                let end = (offset + strip_samples).min(before + after + 1);
                let mut sum = 0.0f64;
                for &r in &usable {
                    let a = r - before + offset;
                    let b = r - before + end;
                    sum += weights
                        .get(a..b.min(weights.len()))
                        .unwrap_or(&[])
                        .iter()
                        .copied()
                        .fold(0.0f32, f32::max) as f64;
                }
                let w = sum / usable.len() as f64;
                if w > 0.02 {
                    let xa = x0 + offset as f64 / rate * speed;
                    let xb = x0 + end as f64 / rate * speed;
                    area.draw(&Rectangle::new(
                        [(px(xa), px(y0) + 1), (px(xb), px(y0 + row) - 1)],
                        ShapeStyle::from(&RGBAColor(
                            SALIENCY.0,
                            SALIENCY.1,
                            SALIENCY.2,
                            SALIENCY_MAX_ALPHA * w.min(1.0),
                        ))
                        .filled(),
                    ))
                    .map_err(fail)?;
                }
                offset = end;
            }
        }
        area.draw(&Text::new(
            label,
            (px(x0), px(y0 + 1.0)),
            font(3.4 * k).pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(fail)?;
        let samples: Vec<f32> = samples.iter().map(|&v| v as f32).collect();
        let Some(median) = median_beat(&samples, &beats) else {
            area.draw(&Text::new(
                "no complete beat",
                (px(x0), px(baseline)),
                font(3.0 * k).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(fail)?;
            continue;
        };
        let (low, high) = (px(y0), px(y0 + row));
        let points: Vec<(i32, i32)> = median
            .iter()
            .enumerate()
            .map(|(j, &uv)| {
                let x = x0 + j as f64 / rate * speed;
                let y = baseline - f64::from(uv) / 1000.0 * paper.gain_mm_per_mv;
                (px(x), px(y).clamp(low, high))
            })
            .collect();
        area.draw(&PathElement::new(
            points,
            ShapeStyle::from(&TRACE).stroke_width((0.25 * k).round().max(1.0) as u32),
        ))
        .map_err(fail)?;
    }
    area.present().map_err(fail)?;
    Ok(panels)
}

// Natively only: the SVG backend is a native dependency (the browser test draws on a canvas).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::ecg::LeadSignal;
    use plotters::drawing::IntoDrawingArea;
    use plotters::prelude::SVGBackend;

    const RATE: f64 = 500.0;

    /// 12 leads (III derived) of 12 s: a 1 Hz, 1 mV sine, so every trace spans its panel.
    fn record(leads: &[Lead]) -> Ecg {
        let signals = leads
            .iter()
            .map(|&lead| LeadSignal {
                lead,
                samples_uv: (0..6000)
                    .map(|i| (i as f32 / RATE as f32 * std::f32::consts::TAU).sin() * 1000.0)
                    .collect(),
                derived: lead == Lead::III,
            })
            .collect();
        Ecg::new(signals, RATE, vec![]).unwrap()
    }

    fn svg(ecg: &Ecg, options: &SheetOptions) -> (String, SheetLayout) {
        let mut out = String::new();
        let sheet = {
            let size = layout(ecg, options).size_px();
            let area = SVGBackend::with_string(&mut out, size).into_drawing_area();
            draw_sheet(&area, ecg, options).unwrap()
        };
        (out, sheet)
    }

    /// Every `<polyline>` with the given stroke colour, as its points.
    fn polylines(svg: &str, stroke: &str) -> Vec<Vec<(f64, f64)>> {
        svg.split("<polyline")
            .skip(1)
            .filter(|element| element.contains(&format!("stroke=\"{stroke}\"")))
            .map(|element| {
                let points = element.split("points=\"").nth(1).unwrap();
                let points = &points[..points.find('"').unwrap()];
                points
                    .split_whitespace()
                    .map(|pair| {
                        let (x, y) = pair.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_standard_layout_has_three_rows_of_four_and_a_rhythm_strip() {
        let ecg = record(&Lead::ALL);
        let options = SheetOptions::default();
        let sheet = layout(&ecg, &options);
        let names: Vec<&str> = sheet.panels.iter().map(|p| p.lead.name()).collect();
        assert_eq!(
            names,
            [
                "I", "aVR", "V1", "V4", "II", "aVL", "V2", "V5", "III", "aVF", "V3", "V6", "II"
            ]
        );
        let row = options.paper.row_mm();
        assert_eq!(row, 30.0, "±1.5 mV at 10 mm/mV");
        for (i, panel) in sheet.panels[..12].iter().enumerate() {
            let (r, c) = (i / 4, i % 4);
            assert_eq!(panel.x_mm, LEFT_MM + 62.5 * c as f64, "{}", panel.lead);
            assert_eq!(panel.y_mm, sheet.grid_top_mm + row * r as f64);
            assert_eq!(panel.width_mm, 62.5);
            assert_eq!(panel.start_secs, 2.5 * c as f64);
            assert_eq!(panel.baseline_mm, panel.y_mm + 15.0);
            assert!(!panel.rhythm);
        }
        let strip = &sheet.panels[12];
        assert!(strip.rhythm);
        assert_eq!(
            (strip.x_mm, strip.width_mm, strip.duration_secs),
            (LEFT_MM, 250.0, 10.0)
        );
        assert_eq!(strip.y_mm, sheet.grid_top_mm + 3.0 * row);
        assert_eq!(sheet.width_mm, LEFT_MM + 250.0 + RIGHT_MM);
        assert_eq!(sheet.height_mm, sheet.grid_top_mm + 4.0 * row + BOTTOM_MM);
    }

    #[test]
    fn two_and_a_half_seconds_span_62_5_mm_at_25_mm_per_s_on_the_drawn_sheet() {
        let ecg = record(&Lead::ALL);
        for (px_per_mm, speed, span_mm) in
            [(4.0, 25.0, 62.5), (6.0, 25.0, 62.5), (4.0, 50.0, 125.0)]
        {
            let options = SheetOptions {
                px_per_mm,
                paper: Paper::new(speed, 10.0).unwrap(),
                ..SheetOptions::default()
            };
            let (out, sheet) = svg(&ecg, &options);
            let traces: Vec<_> = polylines(&out, "#000000")
                .into_iter()
                .filter(|points| points.len() > 100)
                .collect();
            assert_eq!(traces.len(), 13, "13 traces");
            let sample_mm = speed / RATE;
            for (trace, panel) in traces.iter().zip(&sheet.panels) {
                let first = trace.first().unwrap().0;
                let last = trace.last().unwrap().0;
                // The last sample starts one sample before the panel's end.
                let span = (last - first) / px_per_mm + sample_mm;
                let expected = if panel.rhythm { 4.0 * span_mm } else { span_mm };
                assert!(
                    (span - expected).abs() <= 1.0 / px_per_mm,
                    "{} at {speed} mm/s, {px_per_mm} px/mm: {span} mm, expected {expected}",
                    panel.lead
                );
                assert!((first / px_per_mm - panel.x_mm).abs() <= 0.5 / px_per_mm);
            }
            // Major grid lines every 5 mm, minor every 1 mm, from the sheet's left edge.
            let verticals = |colour: &str| -> Vec<f64> {
                let mut xs: Vec<f64> = polylines(&out, colour)
                    .into_iter()
                    .filter(|p| p.len() == 2 && p[0].0 == p[1].0)
                    .map(|p| p[0].0)
                    .collect();
                xs.sort_by(f64::total_cmp);
                xs
            };
            let major = verticals("#E28C8C");
            assert_eq!(major.len(), (sheet.width_mm / 5.0).floor() as usize + 1);
            for pair in major.windows(2) {
                assert!(
                    ((pair[1] - pair[0]) - 5.0 * px_per_mm).abs() <= 1.0,
                    "{pair:?}"
                );
            }
            let minor = verticals("#F6CDCD");
            assert_eq!(
                minor.len() + major.len(),
                sheet.width_mm.floor() as usize + 1
            );
        }
    }

    #[test]
    fn the_calibration_pulse_is_one_millivolt_for_a_fifth_of_a_second() {
        let ecg = record(&Lead::ALL);
        for gain in [5.0, 10.0, 20.0] {
            let options = SheetOptions {
                paper: Paper::new(25.0, gain).unwrap(),
                ..SheetOptions::default()
            };
            let (out, sheet) = svg(&ecg, &options);
            let pulses: Vec<_> = polylines(&out, "#000000")
                .into_iter()
                .filter(|points| points.len() == 6)
                .collect();
            assert_eq!(pulses.len(), 4, "one per row");
            for (pulse, row) in pulses.iter().zip([0, 4, 8, 12]) {
                let k = options.px_per_mm;
                let height = (pulse[1].1 - pulse[2].1) / k;
                let width = (pulse[3].0 - pulse[2].0) / k;
                assert!(
                    (height - gain).abs() <= 0.5 / k,
                    "{height} mm at {gain} mm/mV"
                );
                assert!((width - 5.0).abs() <= 0.5 / k, "{width} mm");
                assert!((pulse[0].1 / k - sheet.panels[row].baseline_mm).abs() <= 0.5 / k);
                assert!(pulse[5].0 / k <= LEFT_MM, "the pulse sits in the margin");
            }
        }
    }

    #[test]
    fn twelve_by_one_stacks_ten_second_rows_and_rows_grow_with_the_gain() {
        let ecg = record(&Lead::ALL);
        let options = SheetOptions {
            layout: Layout::TwelveByOne,
            paper: Paper::new(25.0, 20.0).unwrap(),
            ..SheetOptions::default()
        };
        let sheet = layout(&ecg, &options);
        assert_eq!(sheet.panels.len(), 12);
        assert_eq!(options.paper.row_mm(), 60.0);
        for (i, (panel, lead)) in sheet.panels.iter().zip(Lead::ALL).enumerate() {
            assert_eq!(panel.lead, lead);
            assert_eq!((panel.x_mm, panel.width_mm), (LEFT_MM, 250.0));
            assert_eq!(panel.y_mm, sheet.grid_top_mm + 60.0 * i as f64);
        }
        assert_eq!(Paper::new(25.0, 5.0).unwrap().row_mm(), 20.0);
        assert!(Paper::new(30.0, 10.0).is_err() && Paper::new(25.0, 7.0).is_err());
    }

    #[test]
    fn the_sheet_states_its_settings_filters_and_derived_and_missing_leads() {
        let ecg = record(&[Lead::I, Lead::II, Lead::III, Lead::V1]);
        let options = SheetOptions {
            cart_filters: Some("high-pass 0.56 Hz, low-pass 150 Hz".into()),
            ..SheetOptions::default()
        };
        let (out, _) = svg(&ecg, &options);
        for text in [
            "25 mm/s",
            "10 mm/mV",
            "Filters: display: 0.5 Hz high-pass, zero phase; cart: high-pass 0.56 Hz, low-pass 150 Hz",
            "\nIII*\n",
            "V2: not in the file",
            "* derived lead",
        ] {
            assert!(out.contains(text), "missing {text:?}");
        }
        let options = SheetOptions {
            baseline_filter: false,
            ..SheetOptions::default()
        };
        let (out, _) = svg(&ecg, &options);
        assert!(out.contains("display: none (as recorded); cart: not stated in the file"));
    }

    #[test]
    fn an_overlay_shades_where_the_attribution_is_and_a_flag_outlines_its_lead() {
        let ecg = record(&Lead::ALL);
        // Attribution only in V2, between 5.5 and 5.7 s (V2's panel shows 5.0–7.5 s).
        let samples = ecg.samples_per_lead();
        let mut map = vec![0.0f32; 12 * samples];
        for i in 2750..2850 {
            map[Lead::V2.index() * samples + i] = if i % 2 == 0 { 1.0 } else { -0.5 };
        }
        let overlay = Overlay::from_map(&map, samples, RATE, "LAD, input × gradient".into());
        assert_eq!(overlay.lead(Lead::V2).unwrap()[2800], 1.0);
        assert_eq!(overlay.lead(Lead::V1).unwrap()[2800], 0.0);
        let options = SheetOptions {
            overlay: Some(overlay),
            flags: vec![LeadFlag {
                lead: Lead::V5,
                text: "noise".into(),
            }],
            ..SheetOptions::default()
        };
        let (out, sheet) = svg(&ecg, &options);
        let k = options.px_per_mm;
        let v2 = sheet.panels.iter().find(|p| p.lead == Lead::V2).unwrap();
        // Shaded strips: 0.2 s (5 mm) plus the 20 ms smoothing either side, all inside V2's
        // panel.
        let shaded: Vec<(f64, f64)> = out
            .split("<rect")
            .skip(1)
            .filter(|r| r.contains("fill=\"#006EDC\""))
            .map(|r| {
                let attr = |name: &str| -> f64 {
                    let v = r.split(&format!(" {name}=\"")).nth(1).unwrap();
                    v[..v.find('"').unwrap()].parse().unwrap()
                };
                (attr("x") / k, attr("y") / k)
            })
            .filter(|&(_, y)| y > sheet.grid_top_mm)
            .collect();
        assert!(!shaded.is_empty());
        for (x, y) in &shaded {
            assert!(
                *y >= v2.y_mm && *y < v2.y_mm + v2.height_mm,
                "strip at y {y}"
            );
            let t = (x - v2.x_mm) / 25.0 + v2.start_secs;
            assert!((5.47..5.73).contains(&t), "strip at {t} s");
        }
        assert!(out.contains("LAD, input × gradient"), "legend");
        assert!(out.contains("V5: noise"), "flag in words");
        assert!(out.contains("stroke=\"#B04000\""), "flag outline");
    }

    #[test]
    fn median_beats_are_drawn_for_every_lead_with_the_overlay() {
        let ecg = record(&Lead::ALL);
        let r_peaks: Vec<usize> = (1..11).map(|s| s * 500 + 125).collect();
        let samples = ecg.samples_per_lead();
        let map = vec![1.0f32; 12 * samples];
        let options = SheetOptions {
            overlay: Some(Overlay::from_map(&map, samples, RATE, "RCA".into())),
            ..SheetOptions::default()
        };
        let (w, h) = beats_size_mm(&options.paper);
        let mut out = String::new();
        let panels = {
            let size = (
                (w * options.px_per_mm).ceil() as u32,
                (h * options.px_per_mm).ceil() as u32,
            );
            let area = SVGBackend::with_string(&mut out, size).into_drawing_area();
            draw_median_beats(&area, &ecg, &r_peaks, &options).unwrap()
        };
        assert_eq!(panels.len(), 12);
        assert_eq!(
            polylines(&out, "#000000").len(),
            12,
            "a median beat per lead"
        );
        for p in &panels {
            assert!(p.x_mm + p.width_mm <= w && p.y_mm + p.height_mm <= h);
            assert!((p.width_mm - 40.05).abs() < 0.1, "0.8 s at 50 mm/s");
        }
        assert!(out.contains("fill=\"#006EDC\""));
    }
}
