//! The report's plots, one SVG each (plotters' SVG backend, the same natively and in the page's
//! worker): the ROC curve, the reliability diagram with the bin counts, and the decision curve.

use plotters::prelude::*;

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
        let area = SVGBackend::with_string(&mut svg, PLOT_SIZE).into_drawing_area();
        // The SVG backend draws into a String: nothing here can fail but plotters' own
        // geometry, which is fixed; a failure leaves a partial plot, never a panic.
        let _ = draw(&area, report, plot);
        let _ = area.present();
    }
    svg
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
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
    chart
        .draw_series(LineSeries::new(
            report.roc.iter().map(|p| (p.fpr, p.tpr)),
            MODEL.stroke_width(2),
        ))?
        .label(match (report.auc, report.auc_ci95) {
            (Some(a), Some([lo, hi])) => format!("AUC {a:.3} ({lo:.3}–{hi:.3})"),
            (Some(a), None) => format!("AUC {a:.3}"),
            _ => "AUC –".into(),
        })
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], MODEL.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE)
        .border_style(REFERENCE)
        .draw()?;
    Ok(())
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
    chart
        .draw_series(LineSeries::new(
            curve.iter().map(|c| (c.threshold, c.model)),
            MODEL.stroke_width(2),
        ))?
        .label("model")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], MODEL.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            curve
                .iter()
                .filter(|c| c.treat_all >= low)
                .map(|c| (c.threshold, c.treat_all)),
            &TREAT_ALL,
        ))?
        .label("refer all")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], TREAT_ALL));
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (0.5, 0.0)], &REFERENCE))?
        .label("refer none")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], REFERENCE));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE)
        .border_style(REFERENCE)
        .draw()?;
    Ok(())
}
