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
use plotters::style::{ShapeStyle, TextStyle};

use super::RenderError;
use super::layout::{
    BOTTOM_MM, HEADER_MM, LEFT_MM, PULSE_SECS, Paper, SHEET_SECS, SheetLayout, SheetOptions,
    SheetPanel, layout,
};
use super::overlay::Overlay;
use super::paper::{
    FLAG, PAPER, TEXT, TRACE, display_samples, draw_grid, fail, font, px, shade, stroke,
};
use crate::ecg::{Ecg, Lead};

/// Draws the sheet; returns its layout. The drawing area should be [`SheetLayout::size_px`]
/// large (from [`layout`] with the same options); anything outside it is cut off.
pub fn draw_sheet<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    options: &SheetOptions,
) -> Result<SheetLayout, RenderError> {
    let sheet = layout(ecg, options);
    let k = options.px_per_mm;
    if !(k.is_finite() && k > 0.5) {
        return Err(RenderError {
            message: format!("{k} pixels per millimetre is too few to draw a sheet"),
        });
    }
    area.fill(&PAPER).map_err(fail)?;
    draw_grid(
        area,
        k,
        [
            0.0,
            sheet.grid_top_mm,
            sheet.width_mm,
            sheet.height_mm - BOTTOM_MM,
        ],
    )?;
    draw_header(area, ecg, options)?;
    let mut drawn_rows: Vec<f64> = Vec::new();
    let mut cache: Vec<(Lead, Option<Vec<f64>>)> = Vec::new();
    for panel in &sheet.panels {
        if !drawn_rows.contains(&panel.y_mm) {
            drawn_rows.push(panel.y_mm);
            draw_pulse(area, &options.paper, panel.baseline_mm, k)?;
        }
        let samples = if panel.recorded {
            match cache.iter().find(|(l, _)| *l == panel.lead) {
                Some((_, s)) => s.clone(),
                None => {
                    let s = display_samples(ecg, panel.lead, options.baseline_filter);
                    cache.push((panel.lead, s.clone()));
                    s
                }
            }
        } else {
            None
        };
        draw_panel(area, ecg, options, panel, samples.as_deref())?;
    }
    area.present().map_err(fail)?;
    Ok(sheet)
}

/// The settings line, the saliency legend and the notes above the grid.
fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    options: &SheetOptions,
) -> Result<(), RenderError> {
    let k = options.px_per_mm;
    let paper = options.paper;
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
    area.draw(&Text::new(
        header,
        (px(2.0, k), px(1.5, k)),
        small.pos(top_left),
    ))
    .map_err(fail)?;
    if let Some(overlay) = &options.overlay {
        draw_legend(area, overlay, k, &small)?;
    }
    for (i, note) in options.notes.iter().enumerate() {
        area.draw(&Text::new(
            note.clone(),
            (px(2.0, k), px(HEADER_MM + 0.5 + 4.5 * i as f64, k)),
            small.color(&FLAG).pos(top_left),
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// Legend: a bar from no shading to the strongest, and what it shows.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    overlay: &Overlay,
    k: f64,
    small: &TextStyle,
) -> Result<(), RenderError> {
    let (x0, y0, w, h) = (2.0, 7.0, 30.0, 4.0);
    let steps = 30;
    for s in 0..steps {
        let x = x0 + w * s as f64 / steps as f64;
        area.draw(&Rectangle::new(
            [
                (px(x, k), px(y0, k)),
                (px(x + w / steps as f64, k) + 1, px(y0 + h, k)),
            ],
            shade((s as f64 + 0.5) / steps as f64),
        ))
        .map_err(fail)?;
    }
    area.draw(&Rectangle::new(
        [(px(x0, k), px(y0, k)), (px(x0 + w, k), px(y0 + h, k))],
        ShapeStyle::from(&TEXT).stroke_width(1),
    ))
    .map_err(fail)?;
    let text = format!(
        "Saliency, {}: shading from none (no attribution) to full (largest attribution on this sheet)",
        overlay.label
    );
    area.draw(&Text::new(
        text,
        (px(x0 + w + 2.0, k), px(y0 + h / 2.0, k)),
        small.pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(fail)?;
    Ok(())
}

/// Calibration pulse at the start of a row: 1 mV for 0.2 s, in the left margin.
fn draw_pulse<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    paper: &Paper,
    baseline_mm: f64,
    k: f64,
) -> Result<(), RenderError> {
    let (x0, y) = (
        LEFT_MM - 3.0 - PULSE_SECS * paper.speed_mm_per_s,
        baseline_mm,
    );
    let x1 = x0 + PULSE_SECS * paper.speed_mm_per_s;
    let up = y - paper.gain_mm_per_mv;
    let corners = [
        (x0 - 2.0, y),
        (x0, y),
        (x0, up),
        (x1, up),
        (x1, y),
        (x1 + 2.0, y),
    ];
    area.draw(&PathElement::new(
        corners.map(|(x, y)| (px(x, k), px(y, k))).to_vec(),
        stroke(&TRACE, 0.3, k, 1.0),
    ))
    .map_err(fail)?;
    Ok(())
}

/// One panel: its shading, the column tick, the label, the trace and the quality flag.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    options: &SheetOptions,
    panel: &SheetPanel,
    samples: Option<&[f64]>,
) -> Result<(), RenderError> {
    let k = options.px_per_mm;
    let paper = options.paper;
    let rate = ecg.sample_rate_hz();
    let first = ((panel.start_secs * rate).round().max(0.0)) as usize;
    let last = (((panel.start_secs + panel.duration_secs) * rate).round() as usize)
        .min(ecg.samples_per_lead());
    let (x0, band_top, band_bottom) = (panel.x_mm, panel.y_mm, panel.y_mm + panel.height_mm);
    if let (Some(overlay), true) = (&options.overlay, panel.recorded)
        && let Some(weights) = overlay.lead(panel.lead)
    {
        shade_panel(area, panel, weights, &paper, rate, last, k)?;
    }
    // Column boundary tick, as carts print it.
    if !panel.rhythm && panel.x_mm > LEFT_MM {
        area.draw(&PathElement::new(
            vec![
                (px(x0, k), px(panel.baseline_mm - 4.0, k)),
                (px(x0, k), px(panel.baseline_mm + 4.0, k)),
            ],
            stroke(&TRACE, 0.25, k, 1.0),
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
        (px(x0 + 1.5, k), px(band_top + 1.0, k)),
        font(3.6 * k).pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(fail)?;
    if let Some(samples) = samples
        && first < last
    {
        let mm_per_sample = paper.speed_mm_per_s / rate;
        let (low, high) = (px(band_top, k), px(band_bottom, k));
        let points: Vec<(i32, i32)> = samples[first..last]
            .iter()
            .enumerate()
            .map(|(i, &uv)| {
                let x = x0 + i as f64 * mm_per_sample;
                let y = panel.baseline_mm - uv / 1000.0 * paper.gain_mm_per_mv;
                (px(x, k), px(y, k).clamp(low, high))
            })
            .collect();
        area.draw(&PathElement::new(points, stroke(&TRACE, 0.25, k, 1.0)))
            .map_err(fail)?;
    }
    if let Some(flag) = options.flags.iter().find(|f| f.lead == panel.lead) {
        let inset = 0.4;
        area.draw(&Rectangle::new(
            [
                (px(x0 + inset, k), px(band_top + inset, k)),
                (
                    px(x0 + panel.width_mm - inset, k),
                    px(band_bottom - inset, k),
                ),
            ],
            stroke(&FLAG, 0.5, k, 2.0),
        ))
        .map_err(fail)?;
        area.draw(&Text::new(
            format!("{}: {}", panel.lead.name(), flag.text),
            (px(x0 + panel.width_mm - 1.5, k), px(band_top + 1.0, k)),
            font(3.2 * k)
                .color(&FLAG)
                .pos(Pos::new(HPos::Right, VPos::Top)),
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// Saliency shading under a panel's trace, in 0.5 mm strips: each strip as strong as the
/// largest weight of the samples it covers.
fn shade_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &SheetPanel,
    weights: &[f32],
    paper: &Paper,
    rate: f64,
    last: usize,
    k: f64,
) -> Result<(), RenderError> {
    let strip = 0.5;
    let strips = (panel.width_mm / strip).ceil() as usize;
    let (band_top, band_bottom) = (panel.y_mm, panel.y_mm + panel.height_mm);
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
        let xa = panel.x_mm + s as f64 * strip;
        area.draw(&Rectangle::new(
            [
                (px(xa, k), px(band_top, k) + 1),
                (px(xa + strip, k), px(band_bottom, k) - 1),
            ],
            shade(f64::from(w)),
        ))
        .map_err(fail)?;
    }
    Ok(())
}

// Natively only: the SVG backend is a native dependency (the browser test draws on a canvas).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::ecg::LeadSignal;
    use crate::render::*;
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
