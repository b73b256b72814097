//! The two tables a validation reads: the site's labels (`file`, one 0/1/empty column per
//! model output, optional `age` and `sex`) and a campaign's prediction table (the `predict
//! --csv` / page export columns). Both are RFC 4180 CSV; every error names the line (1-based,
//! the header is line 1) and the column.

use std::collections::{BTreeMap, HashMap};

use thiserror::Error;

use crate::clinical::ClinicalContext;

/// Labels or predictions cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct TableError(pub String);

fn fail<T>(message: String) -> Result<T, TableError> {
    Err(TableError(message))
}

/// One row of the labels file.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow {
    /// Line of the file (the header is line 1).
    pub line: u64,
    /// The record, as the `file` column names it.
    pub file: String,
    /// Per output of the model, in the model's order: severe (true), not (false), or unknown.
    pub outcomes: Vec<Option<bool>>,
    /// Age in years, when the file has an `age` column and the cell is filled.
    pub age: Option<f64>,
    /// Sex as written (trimmed), when the file has a `sex` column and the cell is filled.
    pub sex: Option<String>,
    /// The clinical context (age, sex, symptoms, risk factors), when the file has a
    /// `symptoms` column and the row fills it.
    pub context: Option<ClinicalContext>,
}

/// The labels file.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// The rows, in file order.
    pub rows: Vec<LabelRow>,
    /// The model outputs the file has a column for.
    pub labelled_outputs: Vec<String>,
    /// Columns that are neither `file`, an output, `age` nor `sex` (not used).
    pub ignored_columns: Vec<String>,
}

/// A cell as the user meant it: trimmed, and without the apostrophe a spreadsheet-safe export
/// puts before a cell that would start a formula.
fn cell(raw: &str) -> &str {
    let text = raw.trim();
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// A record's cells and its line.
type Row = (u64, Vec<String>);

/// The header row and the records of a CSV text, each record with its line.
fn records(text: &str, what: &str) -> Result<(Vec<String>, Vec<Row>), TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| cell(c).to_string()).collect(),
        Err(e) => return fail(format!("{what}: line 1: {}", csv_error(&e))),
    };
    if header.iter().all(String::is_empty) {
        return fail(format!("{what}: empty (no header row)"));
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = lines.at(e.position().map_or(0, csv::Position::byte));
            TableError(format!("{what}: line {line}: {}", csv_error(&e)))
        })?;
        let line = lines.at(record.position().map_or(0, csv::Position::byte));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok((header, rows))
}

/// The line (1-based) of a record from its byte offset, counted forward as the records come.
/// The CSV parser's own line numbers are one short after a CRLF (it stops at the `\r`), so
/// the newlines are counted here, the offset first moved past line endings to the record.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn at(&mut self, byte: u64) -> u64 {
        let mut to = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while to < self.text.len() && matches!(self.text[to], b'\r' | b'\n') {
            to += 1;
        }
        if to >= self.at {
            self.line += self.text[self.at..to]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.at = to;
        }
        self.line
    }
}

/// A CSV parser's error in words, without the record's content.
fn csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => "not a CSV table".into(),
    }
}

/// The column named `name` (case-insensitive), if any; an error when two columns carry it.
fn column(header: &[String], name: &str, what: &str) -> Result<Option<usize>, TableError> {
    let found: Vec<usize> = (0..header.len())
        .filter(|&i| header[i].eq_ignore_ascii_case(name))
        .collect();
    match found[..] {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => fail(format!(
            "{what}: line 1: the column '{name}' appears {} times (columns {})",
            found.len(),
            found
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Reads a labels file for a model with `outputs` (README, "Local validation"). Refused with
/// the line and column: no `file` column, no column for any output, a value other than `0`,
/// `1` or empty, an age that is not a number of years from 0 to 130, an empty or repeated
/// file name, a file without a single row.
pub fn parse_labels(text: &str, outputs: &[String]) -> Result<Labels, TableError> {
    const WHAT: &str = "labels";
    let (header, rows) = records(text, WHAT)?;
    let Some(file_col) = column(&header, "file", WHAT)? else {
        return fail(format!(
            "{WHAT}: line 1: no 'file' column (the header is: {})",
            quote_list(&header)
        ));
    };
    let mut output_cols = Vec::new();
    for o in outputs {
        output_cols.push(column(&header, o, WHAT)?);
    }
    if output_cols.iter().all(Option::is_none) {
        return fail(format!(
            "{WHAT}: line 1: no column for any of the model's outputs ({}); the header is: {}",
            outputs.join(", "),
            quote_list(&header)
        ));
    }
    let age_col = column(&header, "age", WHAT)?;
    let sex_col = column(&header, "sex", WHAT)?;
    let symptoms_col = column(&header, "symptoms", WHAT)?;
    let factors_col = column(&header, "risk_factors", WHAT)?;
    let used: Vec<usize> = [Some(file_col), age_col, sex_col, symptoms_col, factors_col]
        .into_iter()
        .chain(output_cols.iter().copied())
        .flatten()
        .collect();
    let ignored_columns = (0..header.len())
        .filter(|i| !used.contains(i))
        .map(|i| header[i].clone())
        .collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut parsed = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let file = cell(&row[file_col]).to_string();
        if file.is_empty() {
            return fail(format!("{WHAT}: line {line}, column 'file': empty"));
        }
        if let Some(first) = seen.insert(file.clone(), line) {
            return fail(format!(
                "{WHAT}: line {line}, column 'file': '{file}' is labelled twice (lines {first} and {line})"
            ));
        }
        let mut outcomes = Vec::with_capacity(outputs.len());
        for (o, col) in outputs.iter().zip(&output_cols) {
            outcomes.push(match col.map(|c| cell(&row[c])) {
                None | Some("") => None,
                Some("0") => Some(false),
                Some("1") => Some(true),
                Some(other) => {
                    return fail(format!(
                        "{WHAT}: line {line}, column '{o}': '{}' is not 0, 1 or empty",
                        shorten(other)
                    ));
                }
            });
        }
        let age = match age_col.map(|c| cell(&row[c])) {
            None | Some("") => None,
            Some(text) => match text.parse::<f64>() {
                Ok(years) if (0.0..=130.0).contains(&years) => Some(years),
                _ => {
                    return fail(format!(
                        "{WHAT}: line {line}, column 'age': '{}' is not an age in years (0 to 130)",
                        shorten(text)
                    ));
                }
            },
        };
        let sex = sex_col
            .map(|c| cell(&row[c]))
            .filter(|s| !s.is_empty())
            .map(|s| shorten(s).to_string());
        let at = |c: Option<usize>| c.map_or("", |c| cell(&row[c]));
        let context = match symptoms_col.map(|c| cell(&row[c])) {
            None | Some("") => None,
            Some(symptoms) => Some(context_of(
                WHAT,
                line,
                [at(age_col), at(sex_col), symptoms, at(factors_col)],
            )?),
        };
        parsed.push(LabelRow {
            line,
            file,
            outcomes,
            age,
            sex,
            context,
        });
    }
    if parsed.is_empty() {
        return fail(format!("{WHAT}: no rows under the header"));
    }
    let labelled_outputs = outputs
        .iter()
        .zip(&output_cols)
        .filter(|(_, c)| c.is_some())
        .map(|(o, _)| o.clone())
        .collect();
    Ok(Labels {
        rows: parsed,
        labelled_outputs,
        ignored_columns,
    })
}

/// A row's clinical context from its `age`, `sex`, `symptoms` and `risk_factors` cells, or the
/// error with the line and the column.
fn context_of(what: &str, line: u64, cells: [&str; 4]) -> Result<ClinicalContext, TableError> {
    let [age, sex, symptoms, factors] = cells;
    ClinicalContext::parse(age, sex, symptoms, factors).map_err(|e| {
        TableError(format!(
            "{what}: line {line}, column '{}': {}",
            e.field, e.message
        ))
    })
}

/// One row of a context file.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextRow {
    /// Line of the file (the header is line 1).
    pub line: u64,
    /// The record, as the `file` column names it.
    pub file: String,
    /// What the row says of the patient.
    pub context: ClinicalContext,
}

/// A context file (`predict --context`, the page's campaign view): `file`, `age`, `sex`,
/// `symptoms` and optionally `risk_factors` (README, "Clinical context").
#[derive(Debug, Clone, PartialEq)]
pub struct ContextTable {
    /// The rows, in file order.
    pub rows: Vec<ContextRow>,
}

/// Reads a context file. Refused with the line and column: a missing column, a bad age, sex,
/// symptom or risk factor, an empty or repeated file name, no rows.
pub fn parse_context(text: &str) -> Result<ContextTable, TableError> {
    const WHAT: &str = "context";
    let (header, rows) = records(text, WHAT)?;
    let mut cols = [0usize; 4];
    for (slot, name) in cols.iter_mut().zip(["file", "age", "sex", "symptoms"]) {
        *slot = column(&header, name, WHAT)?.ok_or_else(|| {
            TableError(format!(
                "{WHAT}: line 1: no '{name}' column (it needs file, age, sex, symptoms and optionally risk_factors; the header is: {})",
                quote_list(&header)
            ))
        })?;
    }
    let factors_col = column(&header, "risk_factors", WHAT)?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut parsed = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let [file_col, age_col, sex_col, symptoms_col] = cols;
        let file = cell(&row[file_col]).to_string();
        if file.is_empty() {
            return fail(format!("{WHAT}: line {line}, column 'file': empty"));
        }
        if let Some(first) = seen.insert(file.clone(), line) {
            return fail(format!(
                "{WHAT}: line {line}, column 'file': '{}' has two rows (lines {first} and {line})",
                shorten(&file)
            ));
        }
        let factors = factors_col.map_or("", |c| cell(&row[c]));
        let context = context_of(
            WHAT,
            line,
            [
                cell(&row[age_col]),
                cell(&row[sex_col]),
                cell(&row[symptoms_col]),
                factors,
            ],
        )?;
        parsed.push(ContextRow {
            line,
            file,
            context,
        });
    }
    if parsed.is_empty() {
        return fail(format!("{WHAT}: no rows under the header"));
    }
    Ok(ContextTable { rows: parsed })
}

impl ContextTable {
    /// The row for a record with these files: the one naming the files as the table writes
    /// them (joined by ` + `), or one of the files as given, or the last component of one
    /// of their paths.
    pub fn find(&self, sources: &[String]) -> Option<usize> {
        let joined = sources.join(" + ");
        let by = |name: &str| self.rows.iter().position(|r| r.file == name);
        by(&joined)
            .or_else(|| sources.iter().find_map(|s| by(s)))
            .or_else(|| {
                sources.iter().find_map(|s| {
                    let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
                    by(base)
                })
            })
    }
}

/// At most 40 characters of a user's text, for an error message.
fn shorten(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .take(12)
        .map(|h| format!("'{}'", shorten(h)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One record's estimate, from a run of the model or a campaign's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The record's name as the table writes it (its files joined by ` + `, or a pseudonym).
    pub file: String,
    /// Per output of the model, in the model's order (`None`: no estimate).
    pub probabilities: Vec<Option<f64>>,
    /// Why there is no estimate, when there is none.
    pub error: Option<String>,
}

/// A campaign's prediction table, and the model that made it (`model`, `model_version`).
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionTable {
    /// One per row.
    pub predictions: Vec<Prediction>,
    /// The model's name and version in the table's first row that names one.
    pub model: Option<(String, String)>,
}

/// Reads a `predict --csv` (or the page's) table for a model with `outputs`: the `file`
/// column, `{output}_probability` per output, and `error`, `model`, `model_version` when
/// present. Refused with the line and column: a missing column, a probability that is not a
/// number from 0 to 1, rows made by different models.
pub fn parse_predictions(text: &str, outputs: &[String]) -> Result<PredictionTable, TableError> {
    const WHAT: &str = "prediction table";
    let (header, rows) = records(text, WHAT)?;
    let Some(file_col) = column(&header, "file", WHAT)? else {
        return fail(format!(
            "{WHAT}: line 1: no 'file' column: not a table written by 'predict --csv' or the page"
        ));
    };
    let mut prob_cols = Vec::new();
    for o in outputs {
        let name = format!("{o}_probability");
        match column(&header, &name, WHAT)? {
            Some(c) => prob_cols.push(c),
            None => {
                return fail(format!(
                    "{WHAT}: line 1: no '{name}' column: the table was made by a model with other outputs than this one ({})",
                    outputs.join(", ")
                ));
            }
        }
    }
    let error_col = column(&header, "error", WHAT)?;
    let model_col = column(&header, "model", WHAT)?;
    let version_col = column(&header, "model_version", WHAT)?;
    let mut models: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut predictions = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let mut probabilities = Vec::with_capacity(outputs.len());
        for (o, &c) in outputs.iter().zip(&prob_cols) {
            let text = cell(&row[c]);
            probabilities.push(match text {
                "" => None,
                _ => match text.parse::<f64>() {
                    Ok(p) if (0.0..=1.0).contains(&p) => Some(p),
                    _ => {
                        return fail(format!(
                            "{WHAT}: line {line}, column '{o}_probability': '{}' is not a probability",
                            shorten(text)
                        ));
                    }
                },
            });
        }
        let error = error_col
            .map(|c| cell(&row[c]).to_string())
            .filter(|e| !e.is_empty());
        if let (Some(m), Some(v)) = (model_col, version_col) {
            let key = (cell(&row[m]).to_string(), cell(&row[v]).to_string());
            if !key.0.is_empty() {
                models.entry(key).or_insert(line);
            }
        }
        predictions.push(Prediction {
            file: cell(&row[file_col]).to_string(),
            probabilities,
            error,
        });
    }
    if models.len() > 1 {
        let named: Vec<String> = models
            .iter()
            .map(|((m, v), line)| format!("'{}' {} (line {line})", shorten(m), shorten(v)))
            .collect();
        return fail(format!(
            "{WHAT}: rows from {} models: {}; validate one model's rows at a time",
            models.len(),
            named.join(", ")
        ));
    }
    Ok(PredictionTable {
        predictions,
        model: models.into_keys().next(),
    })
}

/// Which prediction each label row is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// `(label row, prediction)` index pairs, in label order.
    pub pairs: Vec<(usize, usize)>,
    /// Predictions without a label row.
    pub unlabelled: usize,
}

/// Pairs label rows with predictions. A label's `file` names a record when it equals the
/// record's name as the table writes it, or one of the record's files as given, or — when no
/// other record has a file of that name — the last component of one of its files' paths
/// (`synthetic-7.csv` for `campaign/synthetic-7.csv`). A label naming no record is an error
/// with its line; so is a record named by two label rows; so is a labels file that names none.
pub fn match_labels(labels: &Labels, predictions: &[Prediction]) -> Result<Matched, TableError> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_base: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in predictions.iter().enumerate() {
        by_name.entry(p.file.as_str()).or_default().push(i);
        for source in p.file.split(" + ") {
            if source != p.file {
                by_name.entry(source).or_default().push(i);
            }
            let base = source.rsplit(['/', '\\']).next().unwrap_or(source);
            by_base.entry(base).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    let mut unknown = Vec::new();
    let mut taken: HashMap<usize, u64> = HashMap::new();
    for (r, row) in labels.rows.iter().enumerate() {
        let found = match by_name.get(row.file.as_str()) {
            Some(hits) => Some(hits.as_slice()),
            None => by_base.get(row.file.as_str()).map(Vec::as_slice),
        };
        let index = match found {
            None => {
                unknown.push(row);
                continue;
            }
            Some([one]) => *one,
            Some(many) => {
                return fail(format!(
                    "labels: line {}, column 'file': '{}' names {} records; give the path as the prediction table writes it",
                    row.line,
                    shorten(&row.file),
                    many.len()
                ));
            }
        };
        if let Some(first) = taken.insert(index, row.line) {
            return fail(format!(
                "labels: lines {first} and {} both name the record '{}'",
                row.line,
                shorten(&predictions[index].file)
            ));
        }
        pairs.push((r, index));
    }
    if pairs.is_empty() {
        let example = |names: Vec<&str>| {
            names
                .into_iter()
                .take(3)
                .map(|n| format!("'{}'", shorten(n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return fail(format!(
            "labels: the labels file matches none of the {} record(s): it names {} …, the records are {} …",
            predictions.len(),
            example(labels.rows.iter().map(|r| r.file.as_str()).collect()),
            example(predictions.iter().map(|p| p.file.as_str()).collect()),
        ));
    }
    if let Some(first) = unknown.first() {
        return fail(format!(
            "labels: line {}, column 'file': '{}' matches no record given{}",
            first.line,
            shorten(&first.file),
            match unknown.len() {
                1 => String::new(),
                n => format!(" (nor do {} more rows)", n - 1),
            }
        ));
    }
    Ok(Matched {
        unlabelled: predictions.len() - pairs.len(),
        pairs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs() -> Vec<String> {
        ["RCA", "LM", "LAD", "LCX"].map(String::from).to_vec()
    }

    #[test]
    fn labels_are_read_with_unknowns_ages_and_sexes() {
        let text = "file,RCA,LAD,age,sex,seed\r\na.csv,1,,61,F,3\n\"b, c.csv\",0,1,,,4\n\n";
        let labels = parse_labels(text, &outputs()).unwrap();
        assert_eq!(labels.labelled_outputs, ["RCA", "LAD"]);
        assert_eq!(labels.ignored_columns, ["seed"]);
        assert_eq!(labels.rows.len(), 2);
        assert_eq!(labels.rows[0].outcomes, [Some(true), None, None, None]);
        assert_eq!(
            labels.rows[1].outcomes,
            [Some(false), None, Some(true), None]
        );
        assert_eq!(labels.rows[1].file, "b, c.csv");
        assert_eq!(
            (labels.rows[0].age, labels.rows[0].sex.as_deref()),
            (Some(61.0), Some("F"))
        );
        assert_eq!(labels.rows[1].line, 3);
    }

    #[test]
    fn bad_labels_are_refused_with_line_and_column() {
        let cases = [
            ("RCA\n1\n", "line 1: no 'file' column"),
            (
                "file,xyz\na,1\n",
                "line 1: no column for any of the model's outputs",
            ),
            (
                "file,RCA\na,1\nb,2\n",
                "line 3, column 'RCA': '2' is not 0, 1 or empty",
            ),
            ("file,RCA\na,1\nb,yes\n", "'yes' is not 0, 1 or empty"),
            (
                "file,RCA\na,1\na,0\n",
                "line 3, column 'file': 'a' is labelled twice (lines 2 and 3)",
            ),
            ("file,RCA,age\na,1,200\n", "line 2, column 'age': '200'"),
            (
                "file,RCA\na,1,3\n",
                "line 2: 3 fields where the header has 2",
            ),
            ("file,RCA\n,1\n", "line 2, column 'file': empty"),
            ("file,RCA,rca\na,1,1\n", "the column 'RCA' appears 2 times"),
            ("file,RCA\n", "no rows under the header"),
            ("", "empty"),
        ];
        for (text, needle) in cases {
            let error = parse_labels(text, &outputs()).unwrap_err().0;
            assert!(error.contains(needle), "{text:?}: {error}");
        }
    }

    fn prediction(file: &str) -> Prediction {
        Prediction {
            file: file.into(),
            probabilities: vec![Some(0.5); 4],
            error: None,
        }
    }

    #[test]
    fn labels_match_by_name_file_or_base_name() {
        let predictions = [
            prediction("dir/a.csv"),
            prediction("x/100.hea + x/100.dat"),
            prediction("one/c.csv"),
            prediction("two/c.csv"),
        ];
        let labels = parse_labels("file,RCA\na.csv,1\nx/100.hea,0\n", &outputs()).unwrap();
        let matched = match_labels(&labels, &predictions).unwrap();
        assert_eq!(matched.pairs, [(0, 0), (1, 1)]);
        assert_eq!(matched.unlabelled, 2);
        let error = |text: &str| {
            let labels = parse_labels(text, &outputs()).unwrap();
            match_labels(&labels, &predictions).unwrap_err().0
        };
        assert!(error("file,RCA\nc.csv,1\n").contains("names 2 records"));
        assert!(
            error("file,RCA\na.csv,1\nzz.csv,0\n")
                .contains("line 3, column 'file': 'zz.csv' matches no record")
        );
        assert!(error("file,RCA\na.csv,1\ndir/a.csv,0\n").contains("lines 2 and 3 both name"));
        assert!(error("file,RCA\nq,1\nr,0\n").contains("matches none of the 4 record(s)"));
    }

    #[test]
    fn prediction_tables_are_read_and_checked() {
        let text = "file,format,RCA_probability,RCA_stratum,LM_probability,LM_stratum,LAD_probability,LAD_stratum,LCX_probability,LCX_stratum,error,model,model_version\r\n\
            '=a.csv,csv,0.1,low,0.2,low,0.3,low,0.4,low,,demo,1\r\n\
            b.csv,unknown,,,,,,,,,unreadable,demo,1\r\n";
        let table = parse_predictions(text, &outputs()).unwrap();
        assert_eq!(table.predictions[0].file, "=a.csv");
        assert_eq!(table.predictions[0].probabilities[3], Some(0.4));
        assert_eq!(table.predictions[1].probabilities, [None; 4]);
        assert_eq!(table.predictions[1].error.as_deref(), Some("unreadable"));
        assert_eq!(table.model, Some(("demo".into(), "1".into())));
        let error = parse_predictions("file,RCA_probability\na,0.1\n", &outputs()).unwrap_err();
        assert!(error.0.contains("no 'LM_probability' column"), "{error}");
        let bad = text.replace("0.4", "1.4");
        let error = parse_predictions(&bad, &outputs()).unwrap_err();
        assert!(
            error.0.contains("line 2, column 'LCX_probability': '1.4'"),
            "{error}"
        );
        let two = text.replace("unreadable,demo,1", "unreadable,other,2");
        let error = parse_predictions(&two, &outputs()).unwrap_err();
        assert!(error.0.contains("rows from 2 models"), "{error}");
    }
}
