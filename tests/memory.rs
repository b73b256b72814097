//! Peak memory of every reader, measured by a counting global allocator (this test binary's
//! own, so that nothing else runs in it): on inputs the test generates near the default
//! limits, and on the fixtures of the formats too intricate to generate here, each reader's
//! peak stays under a multiple of the input's size stated per case, plus a fixed allowance
//! ([`PEAK_ALLOWANCE`]; README, "Limits and bad input"). It prints the table it measured.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, read_files, write_npy_f32};

/// Counts the bytes held now and the most held since [`reset_peak`].
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on to the system allocator unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let now = HELD.fetch_add(grown, Ordering::SeqCst) + grown;
                PEAK.fetch_max(now, Ordering::SeqCst);
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Peak memory a reader may take beyond its input is a multiple of the input's size stated per
/// case below, plus this much, for the parts that do not grow with the input.
const PEAK_ALLOWANCE: usize = 16 << 20;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

const LEADS: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

/// A plausible sample: a slow wave in digital units.
fn sample(i: usize, lead: usize) -> i16 {
    ((i * 7 + lead * 131) % 400) as i16 - 200
}

/// 12 leads and a time column, `rows` rows.
fn csv(rows: usize) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 80);
    out.push_str("time (s),");
    out.push_str(&LEADS.join(","));
    out.push('\n');
    for i in 0..rows {
        out.push_str(&format!("{:.3}", i as f64 / 500.0));
        for lead in 0..12 {
            out.push_str(&format!(",{}", f32::from(sample(i, lead)) / 1000.0));
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// A WFDB record: `signals` signals (the 12 leads, then X13 …) of `frames` samples in
/// `format` (16 or 8, the densest and the one with the most growth per byte).
fn wfdb(signals: usize, frames: usize, format: u16) -> Vec<InputFile> {
    let mut header = format!("big {signals} 500 {frames}\n");
    for s in 0..signals {
        let name = LEADS
            .get(s)
            .map_or(format!("X{}", s + 1), |l| l.to_string());
        header.push_str(&format!("big.dat {format} 200/mV 16 0 0 0 0 {name}\n"));
    }
    let width = if format == 16 { 2 } else { 1 };
    let mut data = Vec::with_capacity(signals * frames * width);
    for i in 0..frames {
        for s in 0..signals {
            let v = if format == 16 {
                sample(i, s)
            } else {
                (i % 3) as i16 - 1
            };
            data.extend_from_slice(&v.to_le_bytes()[..width]);
        }
    }
    vec![
        InputFile {
            name: "big.hea".into(),
            bytes: header.into_bytes(),
        },
        InputFile {
            name: "big.dat".into(),
            bytes: data,
        },
    ]
}

/// An EDF of the 12 leads, `records` one-second data records at 500 Hz.
fn edf(records: usize) -> Vec<u8> {
    let ns = 12;
    let field = |text: &str, width: usize| format!("{text:<width$}");
    let mut head = String::new();
    head += &field("0", 8);
    head += &field("X X X X", 80);
    head += &field("Startdate X X X X", 80);
    head += &field("01.01.01", 8);
    head += &field("00.00.00", 8);
    head += &field(&(256 * (ns + 1)).to_string(), 8);
    head += &field("", 44);
    head += &field(&records.to_string(), 8);
    head += &field("1", 8);
    head += &field(&ns.to_string(), 4);
    let per_signal: [(&dyn Fn(usize) -> String, usize); 10] = [
        (&|s| LEADS[s].to_string(), 16),
        (&|_| String::new(), 80),
        (&|_| "uV".into(), 8),
        (&|_| "-32768".into(), 8),
        (&|_| "32767".into(), 8),
        (&|_| "-32768".into(), 8),
        (&|_| "32767".into(), 8),
        (&|_| String::new(), 80),
        (&|_| "500".into(), 8),
        (&|_| String::new(), 32),
    ];
    for (value, width) in per_signal {
        for s in 0..ns {
            head += &field(&value(s), width);
        }
    }
    let mut bytes = head.into_bytes();
    for r in 0..records {
        for s in 0..ns {
            for i in 0..500 {
                bytes.extend_from_slice(&sample(r * 500 + i, s).to_le_bytes());
            }
        }
    }
    bytes
}

/// The aECG fixture with every sequence's digits replaced by `samples` digits.
fn aecg(samples: usize) -> Vec<u8> {
    let text = String::from_utf8(fixture("hl7-aecg/ecgtoolkit_example.xml")).unwrap();
    let digits: String = (0..samples).map(|i| format!("{} ", sample(i, 0))).collect();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find("<digits>") {
        let close = rest[open..].find("</digits>").unwrap() + open;
        out.push_str(&rest[..open + "<digits>".len()]);
        out.push_str(&digits);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// The MUSE fixture with an internal entity of 4 KiB referenced a million times (issue 15,
/// item 1: main expanded it to 4 GB).
fn muse_entities() -> Vec<u8> {
    let text = String::from_utf8(fixture("muse/synthetic_muse.xml")).unwrap();
    let doctype = "<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">";
    let subset = format!(
        "<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\" [<!ENTITY e \"{}\">]>",
        "x".repeat(4096)
    );
    text.replacen(doctype, &subset, 1)
        .replacen(
            "<RestingECG>",
            &format!("<RestingECG><Note>{}</Note>", "&e;".repeat(1_000_000)),
            1,
        )
        .into_bytes()
}

/// One reader's peak over its input, measured.
struct Measured {
    what: &'static str,
    input: usize,
    peak: usize,
    outcome: String,
}

fn measure(what: &'static str, files: Vec<InputFile>) -> Measured {
    let input = files.iter().map(|f| f.bytes.len()).sum();
    let options = ReadOptions {
        sample_rate_hz: Some(500.0),
        ..ReadOptions::default()
    };
    let before = HELD.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let records = read_files(&files, &options, &Limits::default());
    let peak = PEAK.load(Ordering::SeqCst) - before;
    let outcome = match &records[0].result {
        Ok(ecg) => format!(
            "{} leads × {} samples",
            ecg.leads().len(),
            ecg.samples_per_lead()
        ),
        Err(e) => format!("{} error", e.kind()),
    };
    Measured {
        what,
        input,
        peak,
        outcome,
    }
}

/// Makes one case's files when it is measured (so only one case's input is held at a time).
type Maker = Box<dyn Fn() -> Vec<InputFile>>;

fn one(name: &str, bytes: Vec<u8>) -> Vec<InputFile> {
    vec![InputFile {
        name: name.into(),
        bytes,
    }]
}

#[test]
fn every_reader_stays_within_its_memory_bound() {
    let limits = Limits::default();
    let near = limits.max_samples_per_lead - 1;
    let npy_values: Vec<f32> = (0..12 * near).map(|i| f32::from(sample(i, 0))).collect();
    let npy = write_npy_f32(&[12, near], &npy_values);
    drop(npy_values);
    let one_line: Vec<u8> = b"I,"
        .iter()
        .copied()
        .chain(std::iter::repeat_n(*b"0,", 100_000_000).flatten())
        .collect();
    // Each case with its stated multiple (README, "Limits and bad input"): the fewer bytes a
    // format spends on a sample, the larger, since every sample becomes a 4-byte float.
    let mut cases: Vec<(&'static str, usize, Maker)> = vec![
        (
            "CSV, 12 leads at the samples limit",
            2,
            Box::new(move || one("big.csv", csv(near))),
        ),
        (
            "CSV, one line of 200 MB",
            2,
            Box::new(move || one("line.csv", one_line.clone())),
        ),
        (
            "WFDB 16, 64 signals × 1 M (128 MB)",
            5,
            Box::new(|| wfdb(64, 1_000_000, 16)),
        ),
        (
            "WFDB 8, 12 signals at the samples limit",
            9,
            Box::new(move || wfdb(12, near, 8)),
        ),
        (
            "EDF, 12 leads × 3600 records",
            3,
            Box::new(|| one("big.edf", edf(3600))),
        ),
        (
            "NumPy float32 [12, samples limit]",
            4,
            Box::new(move || one("big.npy", npy.clone())),
        ),
        (
            "HL7 aECG, 1 M digits per sequence",
            2,
            Box::new(|| one("big.xml", aecg(1_000_000))),
        ),
        (
            "GE MUSE, a 4 KiB entity referenced 1 M times",
            2,
            Box::new(|| one("e.xml", muse_entities())),
        ),
    ];
    for (what, path) in [
        ("GE MUSE (fixture)", "muse/guangxi_sinus_rhythm.xml"),
        ("Philips (fixture)", "philips/3191723_v1.04_utf16.xml"),
        ("DICOM (fixture)", "dicom/pydicom_mortara_1000hz.dcm"),
        ("SCP-ECG (fixture)", "scp/ecgtoolkit_example.scp"),
        ("EDF (fixture)", "edf/A0001.edf"),
    ] {
        cases.push((what, 6, Box::new(move || one(path, fixture(path)))));
    }
    println!("| reader and input | input MB | peak MB | peak / input | bound | outcome |");
    println!("|---|---:|---:|---:|---:|---|");
    let mut over = Vec::new();
    for (what, multiple, make) in cases {
        let m = measure(what, make());
        let mb = |b: usize| b as f64 / (1 << 20) as f64;
        println!(
            "| {} | {:.1} | {:.1} | {:.2} | {multiple} × + {} MiB | {} |",
            m.what,
            mb(m.input),
            mb(m.peak),
            m.peak as f64 / m.input as f64,
            PEAK_ALLOWANCE >> 20,
            m.outcome
        );
        if m.peak > multiple * m.input + PEAK_ALLOWANCE {
            over.push(m.what);
        }
    }
    assert!(over.is_empty(), "over their bound: {over:?}");
}

/// The peak resident memory of `ecg-stenosis ARGS` in kB, read from `/proc` while it runs
/// (VmHWM only grows, so the last reading before it exits is its peak, to within the last
/// 10 ms).
fn peak_rss_kb(args: &[&str]) -> u64 {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb = line.split_whitespace().nth(1).and_then(|v| v.parse().ok());
            peak = peak.max(kb.unwrap_or(0));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    peak
}

/// Issue 15, item 8: `predict` streams a batch, one record at a time, so its memory does not
/// grow with the number of files (main held every file and record: 509 MB for 500 files).
#[test]
fn predict_memory_does_not_grow_with_the_batch() {
    use std::io::Write;
    if !std::path::Path::new("/proc/self/status").exists() {
        println!("skipped: no /proc to read a process's peak memory from");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ecg-stenosis-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A 5-minute record, about 13 MB of text, written without holding it.
    let first = dir.join("f0.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&first).unwrap());
    writeln!(out, "time (s),{}", LEADS.join(",")).unwrap();
    for i in 0..150_000 {
        write!(out, "{:.3}", i as f64 / 500.0).unwrap();
        for lead in 0..12 {
            write!(out, ",{}", f32::from(sample(i, lead)) / 1000.0).unwrap();
        }
        writeln!(out).unwrap();
    }
    drop(out);
    let mut files = vec![first.to_str().unwrap().to_string()];
    for i in 1..30 {
        let copy = dir.join(format!("f{i}.csv"));
        std::fs::hard_link(&first, &copy)
            .or_else(|_| std::fs::copy(&first, &copy).map(drop))
            .unwrap();
        files.push(copy.to_str().unwrap().to_string());
    }
    let table = dir.join("out.csv");
    let args = |n: usize| -> Vec<&str> {
        let mut args = vec!["predict", "--csv", table.to_str().unwrap()];
        args.extend(files[..n].iter().map(String::as_str));
        args
    };
    let one = peak_rss_kb(&args(1));
    let thirty = peak_rss_kb(&args(30));
    let rows = std::fs::read_to_string(&table).unwrap().lines().count();
    std::fs::remove_dir_all(&dir).ok();
    println!("predict peak memory: 1 file {one} kB, 30 files {thirty} kB (input 30 × 13 MB)");
    assert_eq!(rows, 31);
    assert!(
        thirty < one + 64 * 1024,
        "30 files: {thirty} kB, 1 file: {one} kB"
    );
}
