//! ARCHITECTURE.md's module table is the rule; these tests hold the source to it: every
//! `crate::` edge between the library's top-level modules must be one the table allows, every
//! module must be in the table, the browser-only crates stay in `web` (and `clock`, the one
//! named exception), and no function grows past [`MAX_FUNCTION_LINES`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The longest function the house allows, in lines from `fn` to its closing brace.
const MAX_FUNCTION_LINES: usize = 120;

/// Crates only the browser build has. (`plotters_backend` left this list when the validation
/// report's SVG backend, in both builds, came to implement its drawing trait.)
const BROWSER_CRATES: [&str; 3] = ["wasm_bindgen", "js_sys", "web_sys"];

/// Modules that may name [`BROWSER_CRATES`].
const BROWSER_MODULES: [&str; 2] = ["web", "clock"];

/// The table under "## Modules and allowed dependencies": module → modules it may use.
fn allowed_edges(markdown: &str) -> BTreeMap<String, BTreeSet<String>> {
    let section = markdown
        .split("\n## ")
        .find(|s| s.starts_with("Modules and allowed dependencies"))
        .expect("ARCHITECTURE.md has a section 'Modules and allowed dependencies'");
    let mut table = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some(name) = backticked(cells[0]).into_iter().next() else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue; // a binary or a path, not a library module
        }
        let allowed = cells.last().map(|c| backticked(c)).unwrap_or_default();
        table.insert(name, allowed.into_iter().collect());
    }
    table
}

/// The words between backticks in a cell.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|w| w.split("::").next().unwrap_or(w).to_string())
        .collect()
}

/// A line without its `//` comment and string literals (roughly: enough for edges and braces).
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if chars.peek() == Some(&'/') => break,
            '\'' => {
                // A char literal such as '{' or '\'': skip it; a lifetime stays.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                } else {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The top-level modules a source file names through `crate::`, grouped imports included.
fn crate_edges(source: &str) -> BTreeSet<String> {
    let code: String = source.lines().map(code_of).collect::<Vec<_>>().join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `ecg_stenosis_crate::` or similar
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let body = group.split('}').next().unwrap_or("");
            for item in body.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// Every `.rs` file of the library (not the binary), with the top-level module it belongs to.
fn library_sources() -> Vec<(String, PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).ok()?.to_path_buf();
            let first = relative
                .components()
                .next()?
                .as_os_str()
                .to_str()?
                .to_string();
            if first == "bin" || first == "lib.rs" {
                return None;
            }
            let module = first.trim_end_matches(".rs").to_string();
            let text = std::fs::read_to_string(&path).ok()?;
            Some((module, relative, text))
        })
        .collect()
}

/// Each edge that breaks the table, as `module (file) -> target`.
fn forbidden_edges(
    table: &BTreeMap<String, BTreeSet<String>>,
    sources: &[(String, PathBuf, String)],
) -> Vec<String> {
    let mut broken = Vec::new();
    for (module, file, text) in sources {
        let Some(allowed) = table.get(module) else {
            broken.push(format!("{module} ({}) is not in the table", file.display()));
            continue;
        };
        for target in crate_edges(text) {
            if &target != module && !allowed.contains(&target) {
                broken.push(format!("{module} ({}) -> {target}", file.display()));
            }
        }
    }
    broken
}

fn architecture_table() -> BTreeMap<String, BTreeSet<String>> {
    let markdown = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md is readable");
    allowed_edges(&markdown)
}

#[test]
fn every_module_edge_is_one_the_table_allows() {
    let table = architecture_table();
    assert!(table.len() >= 10, "the table was not found: {table:?}");
    let sources = library_sources();
    let broken = forbidden_edges(&table, &sources);
    assert!(
        broken.is_empty(),
        "edges ARCHITECTURE.md does not allow (change the code, or the table with a reason):\n{}",
        broken.join("\n")
    );
    // Every module of the table exists, so the table cannot rot either.
    let present: BTreeSet<&String> = sources.iter().map(|(m, _, _)| m).collect();
    for module in table.keys() {
        assert!(
            present.contains(module),
            "{module} is in the table but not in src/"
        );
    }
}

/// The check itself can fail: an edge the table forbids, in a made-up file, is reported.
#[test]
fn a_forbidden_edge_is_reported() {
    let table = architecture_table();
    let sources = vec![(
        "render".to_string(),
        PathBuf::from("render/made_up.rs"),
        "use crate::ecg::Ecg;\nuse crate::{signal::Iir, model::Net1d};\n// crate::pipeline in a comment\nlet s = \"crate::saliency\";\n".to_string(),
    )];
    assert_eq!(
        forbidden_edges(&table, &sources),
        vec!["render (render/made_up.rs) -> model".to_string()]
    );
}

#[test]
fn browser_crates_stay_in_the_browser_modules() {
    for (module, file, text) in library_sources() {
        if BROWSER_MODULES.contains(&module.as_str()) {
            continue;
        }
        let code: String = text.lines().map(code_of).collect::<Vec<_>>().join("\n");
        for name in BROWSER_CRATES {
            assert!(
                !code.contains(&format!("{name}::")),
                "{} names {name}: only {BROWSER_MODULES:?} may",
                file.display()
            );
        }
    }
}

/// The lengths of the functions in `text`, `(first line, lines, name)`.
fn function_lengths(text: &str) -> Vec<(usize, usize, String)> {
    let lines: Vec<String> = text.lines().map(code_of).collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let after_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p));
        let Some(rest) = after_fn else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let mut depth = 0i64;
        let mut opened = false;
        for (end, line) in lines.iter().enumerate().skip(start) {
            if !opened && line.contains(';') && !line.contains('{') {
                break; // a declaration without a body
            }
            for c in line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                found.push((start + 1, end - start + 1, name));
                break;
            }
        }
    }
    found
}

#[test]
fn no_function_is_longer_than_the_house_allows() {
    let mut long = Vec::new();
    let mut bin = Vec::new();
    let bin_dir = Path::new(ROOT).join("src/bin");
    for entry in walk_rs(&bin_dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        bin.push((entry, text));
    }
    let library = library_sources()
        .into_iter()
        .map(|(_, file, text)| (Path::new("src").join(file), text));
    for (file, text) in library.chain(bin) {
        for (line, length, name) in function_lengths(&text) {
            if length > MAX_FUNCTION_LINES {
                long.push(format!("{}:{line} {name}: {length} lines", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions longer than {MAX_FUNCTION_LINES} lines:\n{}",
        long.join("\n")
    );
}

fn walk_rs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_rs(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

#[test]
fn function_lengths_are_measured_from_fn_to_its_brace() {
    let text = "fn a() {\n    let s = \"}\";\n    let c = '{';\n}\n\nfn b();\npub fn c() {}\n";
    assert_eq!(
        function_lengths(text),
        vec![(1, 4, "a".to_string()), (7, 1, "c".to_string())]
    );
}
