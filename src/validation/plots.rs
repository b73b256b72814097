//! The report's plots, one SVG each (plotters' SVG backend, the same natively and in the page's
//! worker): the ROC curve, the reliability diagram with the bin counts, and the decision curve.

use std::ops::Range;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::report::VesselReport;

/// Width and height of every plot, px.
pub const PLOT_SIZE: (u32, u32) = (420, 380);

const MODEL: RGBColor = RGBColor(0x1f, 0x4e, 0x9a);
const REFERENCE: RGBColor = RGBColor(0x70, 0x70, 0x70);
const TREAT_ALL: RGBColor = RGBColor(0xb0, 0x3a, 0x2e);

/// Which plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plot {
    /// Sensitivity against 1 − specificity.
    Roc,
    /// Observed share against mean predicted probability per bin.
    Calibration,
    /// Net benefit against the threshold probability.
    DecisionCurve,
}

impl Plot {
    /// Every plot, in the report's order.
    pub const ALL: [Plot; 3] = [Plot::Roc, Plot::Calibration, Plot::DecisionCurve];

    /// The file name's part: `roc`, `calibration`, `decision-curve`.
    pub fn slug(self) -> &'static str {
        match self {
            Plot::Roc => "roc",
            Plot::Calibration => "calibration",
            Plot::DecisionCurve => "decision-curve",
        }
    }
}

/// A plot of one output as an SVG document. Nothing is drawn for an output whose report has no
/// points (a single class): the SVG then says why.
pub fn plot_svg(report: &VesselReport, plot: Plot) -> String {
    let mut svg = String::new();
    {
        let area = Svg(SVGBackend::with_string(&mut svg, PLOT_SIZE)).into_drawing_area();
        // The SVG backend draws into a String: nothing here can fail but plotters' own
        // geometry, which is fixed; a failure leaves a partial plot, never a panic.
        let _ = draw(&area, report, plot);
        let _ = area.present();
    }
    svg
}

use svg::Svg;

type Area<'a> = DrawingArea<Svg<'a>, plotters::coord::Shift>;

type Drawn = Result<(), Box<dyn std::error::Error>>;

fn draw(area: &Area, report: &VesselReport, plot: Plot) -> Drawn {
    area.fill(&WHITE)?;
    let title = match plot {
        Plot::Roc => format!("{}: ROC curve", report.vessel),
        Plot::Calibration => format!("{}: calibration", report.vessel),
        Plot::DecisionCurve => format!("{}: decision curve", report.vessel),
    };
    let empty = match plot {
        Plot::Roc => report.roc.is_empty(),
        Plot::Calibration => report.reliability.is_empty(),
        Plot::DecisionCurve => report.decision_curve.is_empty(),
    };
    if empty {
        area.draw(&Text::new(
            format!("{title}: not enough cases of both classes"),
            (12, 24),
            ("sans-serif", 14).into_font(),
        ))?;
        return Ok(());
    }
    match plot {
        Plot::Roc => roc(area, report, &title),
        Plot::Calibration => calibration(area, report, &title),
        Plot::DecisionCurve => decision(area, report, &title),
    }
}

fn roc(area: &Area, report: &VesselReport, title: &str) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("1 − specificity")
        .y_desc("sensitivity")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], &REFERENCE))?;
    chart.draw_series(LineSeries::new(
        report.roc.iter().map(|p| (p.fpr, p.tpr)),
        MODEL.stroke_width(2),
    ))?;
    let auc = match (report.auc, report.auc_ci95) {
        (Some(a), Some([lo, hi])) => format!("AUC {a:.3} ({lo:.3}–{hi:.3})"),
        (Some(a), None) => format!("AUC {a:.3}"),
        _ => "AUC –".into(),
    };
    let inside = chart.plotting_area().get_pixel_range();
    legend(
        area,
        inside,
        Corner::LowerRight,
        &[(&auc, MODEL.stroke_width(2))],
    )
}

fn calibration(area: &Area, report: &VesselReport, title: &str) -> Drawn {
    let top = report
        .reliability
        .iter()
        .map(|b| b.mean_predicted.max(b.observed))
        .fold(0.1f64, f64::max)
        .min(1.0);
    let top = (top * 10.0).ceil() / 10.0;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0.0..top, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("mean predicted probability")
        .y_desc("observed share")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (top, top)], &REFERENCE))?;
    chart.draw_series(LineSeries::new(
        report
            .reliability
            .iter()
            .map(|b| (b.mean_predicted, b.observed)),
        MODEL.stroke_width(2),
    ))?;
    chart.draw_series(
        report
            .reliability
            .iter()
            .map(|b| Circle::new((b.mean_predicted, b.observed), 3, MODEL.filled())),
    )?;
    // The count of each bin beside its point.
    chart.draw_series(report.reliability.iter().map(|b| {
        Text::new(
            format!("n={}", b.count),
            (b.mean_predicted, b.observed),
            ("sans-serif", 11).into_font().color(&BLACK),
        )
    }))?;
    Ok(())
}

fn decision(area: &Area, report: &VesselReport, title: &str) -> Drawn {
    let curve = &report.decision_curve;
    let high = curve
        .iter()
        .map(|c| c.model.max(c.treat_all))
        .fold(0.01f64, f64::max);
    let low = -high * 0.25;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0.0..0.5, low..high * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("threshold probability")
        .y_desc("net benefit")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(LineSeries::new(
        curve.iter().map(|c| (c.threshold, c.model)),
        MODEL.stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        curve
            .iter()
            .filter(|c| c.treat_all >= low)
            .map(|c| (c.threshold, c.treat_all)),
        &TREAT_ALL,
    ))?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (0.5, 0.0)], &REFERENCE))?;
    let inside = chart.plotting_area().get_pixel_range();
    legend(
        area,
        inside,
        Corner::UpperRight,
        &[
            ("model", MODEL.stroke_width(2)),
            ("refer all", TREAT_ALL.into()),
            ("refer none", REFERENCE.into()),
        ],
    )
}

/// Which corner of the plotting area a legend goes in.
enum Corner {
    UpperRight,
    LowerRight,
}

/// A legend (a line of each series' style and its words, in a bordered box) in a corner of
/// the plotting area (`inside`, pixels), drawn here rather than by plotters'
/// `configure_series_labels`, which measures its text in the browser's `document`: the page's
/// worker has none.
fn legend(
    area: &Area,
    inside: (Range<i32>, Range<i32>),
    corner: Corner,
    entries: &[(&str, ShapeStyle)],
) -> Drawn {
    const SIZE: f64 = 13.0;
    const ROW: i32 = 16;
    const SWATCH: i32 = 16;
    const PAD: i32 = 6;
    let widest = entries
        .iter()
        .map(|(text, _)| svg::text_size(text, SIZE).0)
        .max()
        .unwrap_or(0);
    let width = 3 * PAD + SWATCH + i32::try_from(widest).unwrap_or(i32::MAX / 4);
    let height = 2 * PAD + ROW * entries.len() as i32;
    let (xs, ys) = inside;
    let x0 = xs.end - width - PAD;
    let y0 = match corner {
        Corner::UpperRight => ys.start + PAD,
        Corner::LowerRight => ys.end - height - PAD,
    };
    let corners = [(x0, y0), (x0 + width, y0 + height)];
    area.draw(&Rectangle::new(corners, WHITE.filled()))?;
    area.draw(&Rectangle::new(corners, REFERENCE))?;
    let words = ("sans-serif", SIZE)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (row, (text, style)) in entries.iter().enumerate() {
        let y = y0 + PAD + ROW * row as i32 + ROW / 2;
        area.draw(&PathElement::new(
            [(x0 + PAD, y), (x0 + PAD + SWATCH, y)],
            *style,
        ))?;
        area.draw(&Text::new(*text, (x0 + 2 * PAD + SWATCH, y), &words))?;
    }
    Ok(())
}

mod svg {
    use plotters::prelude::{DrawingBackend, SVGBackend};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
    };

    /// plotters' SVG backend with text measured by a fixed rule: in the browser plotters measures
    /// text in the `document`, which the page's worker does not have (and a measure that depends
    /// on the browser's fonts would make the page's plots differ from the command line's). The
    /// rule is plotters' own estimate for SVG: per character 0.7 em wide, 1.24 em high, the em
    /// being the size over 1.24².
    pub(super) struct Svg<'a>(pub(super) SVGBackend<'a>);

    type Failed<'a> = DrawingErrorKind<<SVGBackend<'a> as DrawingBackend>::ErrorType>;

    impl<'a> DrawingBackend for Svg<'a> {
        type ErrorType = <SVGBackend<'a> as DrawingBackend>::ErrorType;

        fn get_size(&self) -> (u32, u32) {
            self.0.get_size()
        }

        fn ensure_prepared(&mut self) -> Result<(), Failed<'a>> {
            self.0.ensure_prepared()
        }

        fn present(&mut self) -> Result<(), Failed<'a>> {
            self.0.present()
        }

        fn draw_pixel(
            &mut self,
            point: BackendCoord,
            color: BackendColor,
        ) -> Result<(), Failed<'a>> {
            self.0.draw_pixel(point, color)
        }

        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> Result<(), Failed<'a>> {
            self.0.draw_line(from, to, style)
        }

        fn draw_rect<S: BackendStyle>(
            &mut self,
            upper_left: BackendCoord,
            bottom_right: BackendCoord,
            style: &S,
            fill: bool,
        ) -> Result<(), Failed<'a>> {
            self.0.draw_rect(upper_left, bottom_right, style, fill)
        }

        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> Result<(), Failed<'a>> {
            self.0.draw_path(path, style)
        }

        fn draw_circle<S: BackendStyle>(
            &mut self,
            center: BackendCoord,
            radius: u32,
            style: &S,
            fill: bool,
        ) -> Result<(), Failed<'a>> {
            self.0.draw_circle(center, radius, style, fill)
        }

        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> Result<(), Failed<'a>> {
            self.0.fill_polygon(vert, style)
        }

        fn draw_text<S: BackendTextStyle>(
            &mut self,
            text: &str,
            style: &S,
            pos: BackendCoord,
        ) -> Result<(), Failed<'a>> {
            self.0.draw_text(text, style, pos)
        }

        fn estimate_text_size<S: BackendTextStyle>(
            &self,
            text: &str,
            style: &S,
        ) -> Result<(u32, u32), Failed<'a>> {
            Ok(text_size(text, style.size()))
        }
    }

    /// The width and height of `text` at `size` (plotters' size, as its styles give it), px.
    pub(super) fn text_size(text: &str, size: f64) -> (u32, u32) {
        let em = size / 1.24 / 1.24;
        let width = em * 0.7 * text.chars().count() as f64;
        (width.round() as u32, (em * 1.24).round() as u32)
    }
}
