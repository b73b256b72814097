//! `report.html`: the validation report as one self-contained page (its plots inline as SVG,
//! its style inline, no script, nothing fetched), for a site's records and a printer.

use std::fmt::Write as _;

use super::context::ContextValidation;
use super::plots::{Plot, plot_svg};
use super::report::{StrataReport, TestPerformance, ValidationReport, VesselReport};

/// Text for HTML: `& < > " '` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{:.1} %", v * 100.0))
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;\
color:#111;padding:0 1em}h1{font-size:1.5em}h2{font-size:1.25em;border-top:1px solid #999;\
padding-top:.6em;margin-top:2em}table{border-collapse:collapse;margin:.6em 0}th,td{border:1px \
solid #bbb;padding:.2em .5em;text-align:right}th:first-child,td:first-child{text-align:left}\
.plots{display:flex;flex-wrap:wrap;gap:.5em}.plots svg{max-width:100%;height:auto}\
.warning{background:#fff3cd;border:1px solid #b58a00;padding:.6em}\
@media print{h2{break-before:page}.plots svg{width:32%}}";

/// The report as HTML.
pub fn report_html(report: &ValidationReport) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Local validation: {model}</title><style>{STYLE}</style></head><body>\
         <h1>Local validation of {model} {version}</h1>",
        model = escape(&report.model),
        version = escape(&report.model_version),
    );
    if report.demonstration_model {
        let _ = write!(
            h,
            "<p class=\"warning\"><strong>Demonstration model.</strong> {}</p>",
            escape(&report.disclaimer)
        );
    } else {
        let _ = write!(h, "<p class=\"warning\">{}</p>", escape(&report.disclaimer));
    }
    let r = &report.records;
    let _ = write!(
        h,
        "<p>Computed on this device by ecg-stenosis {tool}: nothing was sent anywhere. \
         {given} record(s) given, {labelled} labelled, of which {without} without an estimate \
         (unreadable or unusable: left out of every number below); {unlabelled} without a label. \
         AUC intervals: percentile bootstrap, {boot} resamples, seed {seed}. Reliability: \
         {bins} equal-width bins. Calibration intercept and slope: logistic fits on the logit \
         of the probability.</p>",
        tool = env!("CARGO_PKG_VERSION"),
        given = r.given,
        labelled = r.labelled,
        without = r.labelled_without_estimate,
        unlabelled = r.unlabelled,
        boot = report.options.bootstrap_resamples,
        seed = report.options.seed,
        bins = report.options.reliability_bins,
    );
    if !report.ignored_columns.is_empty() {
        let names: Vec<String> = report.ignored_columns.iter().map(|c| escape(c)).collect();
        let _ = write!(
            h,
            "<p>Columns of the labels file not used: {}.</p>",
            names.join(", ")
        );
    }
    summary_table(&mut h, report);
    if let Some(c) = &report.clinical_context {
        context_section(&mut h, c);
    }
    for vessel in &report.vessels {
        vessel_section(&mut h, vessel);
    }
    h.push_str("</body></html>\n");
    h
}

/// Grey zone and reclassification of the model file's combination rule.
fn context_section(h: &mut String, c: &ContextValidation) {
    let interval = |ci: Option<[f64; 2]>, scale: f64| {
        ci.map_or_else(
            || "–".into(),
            |[a, b]| format!("{:.1}–{:.1}", a * scale, b * scale),
        )
    };
    let rule = if c.rule_demonstration {
        "the model file's combination rule, <strong>a demonstration that no validation \
         established</strong>"
    } else {
        "the model file's combination rule"
    };
    let _ = write!(
        h,
        "<h2>Clinical context</h2><p>The {guideline} categories alone against the categories \
         after combining them with the ECG's stratum for any vessel by {rule}: {n} patient(s) \
         with a context, an estimate and a likelihood ({events} with a severe stenosis in any \
         labelled vessel, {nonevents} without); {out} left out because the table has no cell \
         for them. Grey zone: {grey}. Intervals: percentile bootstrap.</p>\
         <table><tr><th>measure</th><th>value</th><th>95 % CI</th></tr>\
         <tr><td>in the grey zone before</td><td>{gb} ({gbc})</td><td>{gbi} %</td></tr>\
         <tr><td>in the grey zone after</td><td>{ga} ({gac})</td><td>{gai} %</td></tr>\
         <tr><td>NRI, events (up {eu}, down {ed})</td><td>{ne:.3}</td><td>{nei}</td></tr>\
         <tr><td>NRI, non-events (down {nd}, up {nu})</td><td>{nn:.3}</td><td>{nni}</td></tr>\
         <tr><td>NRI, total</td><td>{nt:.3}</td><td>{nti}</td></tr></table>",
        guideline = escape(c.guideline.title()),
        n = c.n,
        events = c.events,
        nonevents = c.nonevents,
        out = c.out_of_range,
        grey = escape(c.grey_zone.words()),
        gb = percent(Some(c.grey_zone_before.share)),
        gbc = c.grey_zone_before.count,
        gbi = interval(c.grey_zone_before.ci95, 100.0),
        ga = percent(Some(c.grey_zone_after.share)),
        gac = c.grey_zone_after.count,
        gai = interval(c.grey_zone_after.ci95, 100.0),
        eu = c.moves.events_up,
        ed = c.moves.events_down,
        nd = c.moves.nonevents_down,
        nu = c.moves.nonevents_up,
        ne = c.nri_events.value,
        nei = interval3(c.nri_events.ci95),
        nn = c.nri_nonevents.value,
        nni = interval3(c.nri_nonevents.ci95),
        nt = c.nri_total.value,
        nti = interval3(c.nri_total.ci95),
    );
}

fn interval3(ci: Option<[f64; 2]>) -> String {
    ci.map_or_else(|| "–".into(), |[a, b]| format!("{a:.3} to {b:.3}"))
}

fn summary_table(h: &mut String, report: &ValidationReport) {
    h.push_str(
        "<table><caption>Summary</caption><tr><th>output</th><th>n</th><th>positives</th>\
         <th>AUC</th><th>95 % CI</th><th>Brier</th><th>calibration intercept</th>\
         <th>calibration slope</th><th>intermediate stratum</th></tr>",
    );
    for v in &report.vessels {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&v.vessel),
            v.n,
            v.positives,
            number(v.auc, 3),
            v.auc_ci95
                .map_or_else(|| "–".into(), |[a, b]| format!("{a:.3}–{b:.3}")),
            v.brier,
            number(v.calibration_intercept, 3),
            number(v.calibration_fit.map(|f| f.slope), 3),
            percent(v.strata.as_ref().map(|s| s.intermediate_share)),
        );
    }
    h.push_str("</table>");
}

fn vessel_section(h: &mut String, v: &VesselReport) {
    let _ = write!(
        h,
        "<h2>{name}</h2><p>{n} case(s), {pos} positive. AUC {auc} (95 % CI {ci}). Brier {brier:.4}. \
         Calibration intercept {cil} (slope held at 1); logistic fit intercept {a}, slope {b}.</p>\
         <div class=\"plots\">",
        name = escape(&v.vessel),
        n = v.n,
        pos = v.positives,
        auc = number(v.auc, 3),
        ci = v
            .auc_ci95
            .map_or_else(|| "–".into(), |[a, b]| format!("{a:.3}–{b:.3}")),
        brier = v.brier,
        cil = number(v.calibration_intercept, 3),
        a = number(v.calibration_fit.map(|f| f.intercept), 3),
        b = number(v.calibration_fit.map(|f| f.slope), 3),
    );
    for plot in Plot::ALL {
        let svg = plot_svg(v, plot);
        // The SVG without its XML declaration, inline.
        let body = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
        h.push_str(body);
    }
    h.push_str("</div>");
    if let Some(strata) = &v.strata {
        strata_table(h, strata);
    } else {
        h.push_str("<p>The model file has no cut-offs for this output: no strata.</p>");
    }
    h.push_str(
        "<table><caption>Reliability</caption><tr><th>bin</th><th>n</th>\
         <th>mean predicted</th><th>observed</th></tr>",
    );
    for b in &v.reliability {
        let _ = write!(
            h,
            "<tr><td>{:.2}–{:.2}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            b.from, b.to, b.count, b.mean_predicted, b.observed
        );
    }
    h.push_str("</table>");
    if !v.subgroups.is_empty() {
        h.push_str(
            "<table><caption>Subgroups</caption><tr><th>by</th><th>group</th><th>n</th>\
             <th>positives</th><th>AUC</th><th>95 % CI</th></tr>",
        );
        for s in &v.subgroups {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&s.by),
                escape(&s.group),
                s.n,
                s.positives,
                number(s.auc, 3),
                s.auc_ci95
                    .map_or_else(|| "–".into(), |[a, b]| format!("{a:.3}–{b:.3}")),
            );
        }
        h.push_str("</table>");
    }
}

fn strata_table(h: &mut String, s: &StrataReport) {
    let _ = write!(
        h,
        "<table><caption>Strata at the model file's cut-offs (rule-out {:.4}, rule-in {:.4})\
         </caption><tr><th>stratum</th><th>n</th><th>share</th><th>positives</th>\
         <th>observed prevalence</th></tr>",
        s.thresholds.rule_out.probability, s.thresholds.rule_in.probability
    );
    for row in &s.strata {
        let _ = write!(
            h,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.stratum.symbol(),
            row.stratum.words(),
            row.n,
            percent(Some(row.share)),
            row.positives,
            percent(row.prevalence),
        );
    }
    h.push_str(
        "</table><table><caption>The cut-offs as tests</caption><tr><th>test positive</th>\
         <th>sensitivity</th><th>specificity</th><th>PPV</th><th>NPV</th></tr>",
    );
    let line = |h: &mut String, name: &str, t: &TestPerformance| {
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            percent(t.sensitivity),
            percent(t.specificity),
            percent(t.ppv),
            percent(t.npv)
        );
    };
    line(h, "not low (≥ rule-out)", &s.rule_out);
    line(h, "high (≥ rule-in)", &s.rule_in);
    h.push_str("</table>");
}
