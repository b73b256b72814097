//! Where everything on the sheet goes, in millimetres of paper, without drawing: the paper's
//! speed and gain, the arrangement of the leads, and what the caller asks to be drawn.

use crate::ecg::{Ecg, Lead};

use super::overlay::{LeadFlag, Overlay};

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

/// Width of a sheet at this paper speed: the pulse margin, ten seconds, the right margin.
pub fn sheet_width_mm(paper: &Paper) -> f64 {
    LEFT_MM + SHEET_SECS * paper.speed_mm_per_s + RIGHT_MM
}

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
        width_mm: sheet_width_mm(&paper),
        height_mm: top + rows as f64 * row + BOTTOM_MM,
        px_per_mm: options.px_per_mm,
        panels,
        grid_top_mm: top,
    }
}
