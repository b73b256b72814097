//! A batch of reports as one CSV table, for a spreadsheet: the command line's `predict --csv`
//! and the page's exports write the same columns.

use super::Report;

/// The characters with which a spreadsheet starts a formula (or, for tab and carriage return,
/// which some spreadsheets strip before looking for one).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One text field, safe to open in a spreadsheet: a field that would start a formula gets a
/// leading apostrophe (shown as text, never evaluated: OWASP's advice for CSV injection), then
/// RFC 4180 quoting where it holds a comma, a quote or a line break, quotes doubled. File names
/// and texts from inside files (channel descriptions in warnings) pass through here.
fn field(text: &str) -> String {
    let text = if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The header row: file and format, probability and stratum per output, then the quality,
/// the error, the warnings, the model and the backend.
fn header(outputs: &[String]) -> Vec<String> {
    let mut header = vec!["file".to_string(), "format".into()];
    for o in outputs {
        header.push(format!("{o}_probability"));
        header.push(format!("{o}_stratum"));
    }
    header.extend(
        [
            "quality",
            "quality_overridden",
            "error",
            "warnings",
            "model",
            "model_version",
            "demonstration_model",
            "backend",
            "total_ms",
        ]
        .map(String::from),
    );
    header
}

/// One report's row, in the header's order.
fn row(r: &Report, outputs: &[String]) -> Vec<String> {
    let mut row = vec![field(&r.sources.join(" + ")), field(r.format)];
    for o in outputs {
        match r.vessels.iter().find(|v| &v.vessel == o) {
            Some(v) => {
                row.push(format!("{:.6}", v.probability));
                row.push(v.stratum.map_or("", |s| s.name()).to_string());
            }
            None => row.extend([String::new(), String::new()]),
        }
    }
    let warnings: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    row.extend([
        r.quality
            .as_ref()
            .map_or("", |q| q.verdict.name())
            .to_string(),
        r.quality_overridden.to_string(),
        field(r.error.as_ref().map_or("", |e| e.message.as_str())),
        field(&warnings.join("; ")),
        field(&r.model.name),
        field(&r.model.version),
        r.model.demonstration.to_string(),
        r.backend.kind.to_string(),
        format!("{:.1}", r.timing_ms.total),
    ]);
    row
}

/// The columns `predict --context` (and the page's campaign with a context file) add after
/// the others.
const CONTEXT_COLUMNS: [&str; 7] = [
    "esc2019_ptp_percent",
    "esc2019_ptp_category",
    "esc2024_ptp_percent",
    "esc2024_ptp_category",
    "any_vessel_stratum",
    "combined_category",
    "context_notes",
];

/// The context cells of a report: the likelihoods, the stratum for any vessel, the combined
/// category, and the notes (out-of-range reasons included); without a context part, empty
/// cells and a note saying the context file has no row for the record.
fn context_cells(r: &Report) -> Vec<String> {
    let Some(c) = &r.clinical_context else {
        let mut cells = vec![String::new(); CONTEXT_COLUMNS.len() - 1];
        cells.push("no row in the context file for this record".into());
        return cells;
    };
    let mut cells = Vec::new();
    let mut notes: Vec<&str> = Vec::new();
    for l in &c.likelihoods {
        cells.push(l.percent.map_or(String::new(), |p| format!("{p}")));
        cells.push(l.category.map_or("", |k| k.key()).to_string());
        notes.extend(l.out_of_range.as_deref());
    }
    cells.push(c.any_vessel_stratum.map_or("", |s| s.name()).to_string());
    cells.push(
        c.combined
            .as_ref()
            .map_or("", |k| k.combined.key())
            .to_string(),
    );
    notes.extend(c.notes.iter().map(String::as_str));
    cells.push(field(&notes.join("; ")));
    cells
}

/// The header line with the context columns (with its CRLF).
pub fn csv_context_header(outputs: &[String]) -> String {
    let mut header = header(outputs);
    header.extend(CONTEXT_COLUMNS.map(String::from));
    header.join(",") + "\r\n"
}

/// One report's line with the context columns (with its CRLF).
pub fn csv_context_row(report: &Report, outputs: &[String]) -> String {
    let mut row = row(report, outputs);
    row.extend(context_cells(report));
    row.join(",") + "\r\n"
}

/// One header row and one row per report (CRLF line ends, RFC 4180 quoting), so that it opens
/// in a spreadsheet as a table. `outputs` are the model's output names, in order.
pub fn csv_table(reports: &[Report], outputs: &[String]) -> String {
    let mut out = csv_header(outputs);
    for r in reports {
        out += &csv_row(r, outputs);
    }
    out
}

/// The table's header line (with its CRLF), for writing a batch row by row.
pub fn csv_header(outputs: &[String]) -> String {
    header(outputs).join(",") + "\r\n"
}

/// One report's line of the table (with its CRLF).
pub fn csv_row(report: &Report, outputs: &[String]) -> String {
    row(report, outputs).join(",") + "\r\n"
}
