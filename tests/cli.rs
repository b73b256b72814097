//! The native command-line tool, run as a user would.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn inspect_reports_the_record() {
    let (code, stdout, _) = run(&["inspect", "tests/fixtures/A0001.csv"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("sample_rate_hz: 500\n"), "{stdout}");
    assert!(stdout.contains("samples_per_lead: 7500\n"), "{stdout}");
    assert_eq!(stdout.matches("\nlead ").count(), 12, "{stdout}");
}

#[test]
fn render_writes_an_svg_with_every_lead() {
    let out = std::env::temp_dir().join(format!("ecg-stenosis-cli-{}.svg", std::process::id()));
    let (code, _, stderr) = run(&[
        "render",
        "tests/fixtures/A0001.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let svg = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).ok();
    assert!(svg.starts_with("<svg"));
    for lead in ["aVR", "V6"] {
        assert!(svg.contains(lead), "{lead} label missing");
    }
}

#[test]
fn bad_input_exits_2_with_the_line() {
    let (code, _, stderr) = run(&["inspect", "tests/fixtures/bad/ragged.csv"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 4: 2 values, but the header has 3 columns (malformed)"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "inspect",
        "tests/fixtures/bad/no-rate.csv",
        "--sample-rate-hz",
        "abc",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("'abc' is not a number"), "{stderr}");
    let (code, _, stderr) = run(&["frobnicate", "tests/fixtures/A0001.csv"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown command 'frobnicate'"), "{stderr}");
}
