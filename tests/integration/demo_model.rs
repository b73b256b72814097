//! The shipped demonstration model (`www/models/demo.safetensors`, written by
//! `scripts/train-demo.sh`): its card is honest about what it is, its numbers agree with a
//! re-evaluation on a fresh seeded split, and each territorial pattern raises its own vessel.

use ecg_stenosis::evaluation::{auc, auc_bootstrap_ci};
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::pipeline::Session;

use crate::common::{DEMO, demo};
use ecg_stenosis::pipeline::model_input;
use ecg_stenosis::signal::WindowOptions;
use ecg_stenosis::synth::{Case, SynthConfig, TEST_SPLIT_SEED, VESSELS, generate};

fn probabilities(demo: &Session, case: &Case) -> [f64; 4] {
    let input = model_input(&case.ecg, demo.metadata(), WindowOptions::default())
        .expect("a generated ECG is a valid input");
    let logits = block_on(
        demo.runner()
            .forward(demo.net(), input.values, [1, 12, 5000]),
    )
    .expect("forward");
    let mut p = [0.0; 4];
    for (v, &z) in logits.iter().enumerate() {
        p[v] = 1.0 / (1.0 + (-f64::from(z)).exp());
    }
    p
}

#[test]
fn the_card_says_what_the_model_is() {
    let demo = demo();
    let m = demo.metadata();
    assert!(m.card.demonstration);
    assert!(
        m.card.disclaimer.contains("synthetic"),
        "{}",
        m.card.disclaimer
    );
    assert!(m.card.disclaimer.contains("not clinically validated"));
    assert_eq!(m.outputs, VESSELS);
    for vessel in VESSELS {
        let t = &m.thresholds[vessel];
        assert!(t.rule_out.probability <= t.rule_in.probability, "{vessel}");
        let metrics = &m.card.metrics["vessels"][vessel];
        let (a, ci) = (metrics["auc"].as_f64().unwrap(), &metrics["auc_ci95"]);
        assert!(ci[0].as_f64().unwrap() <= a && a <= ci[1].as_f64().unwrap());
    }
    let generator = &m.card.extra["generator"];
    assert_eq!(
        generator["version"].as_u64(),
        Some(u64::from(ecg_stenosis::synth::GENERATOR_VERSION)),
        "the model was trained on this generator version"
    );
    assert!(DEMO.len() <= 8 << 20, "{} bytes", DEMO.len());
    // Its clinical context rule is the one `train-demo` writes, labelled as a demonstration.
    let rule = m.clinical_context.as_ref().expect("a combination rule");
    assert_eq!(
        rule,
        &ecg_stenosis::model::metadata::ClinicalContextRule::demonstration()
    );
    assert!(rule.demonstration);
}

/// The card's synthetic AUC per vessel against a re-evaluation on 300 fresh cases from the same
/// screening population: the card's value must lie inside the re-evaluation's bootstrap 95 %
/// interval (vessels with fewer than 10 positives in the split are reported, not judged).
#[test]
fn card_metrics_agree_with_a_re_evaluation() {
    let demo = demo();
    let population = SynthConfig::default();
    let cases = 300;
    let mut probs = Vec::with_capacity(cases);
    let mut labels = Vec::with_capacity(cases);
    for seed in TEST_SPLIT_SEED..TEST_SPLIT_SEED + cases as u64 {
        let case = generate(seed, &population);
        probs.push(probabilities(&demo, &case));
        labels.push(case.stenosis);
    }
    // The card's synthetic evaluation: beside the real-background one since v2 (issue 22).
    let card = &demo.metadata().card.metrics;
    let metrics = &card.get("synthetic").unwrap_or(card)["vessels"];
    for (v, vessel) in VESSELS.iter().enumerate() {
        let p: Vec<f64> = probs.iter().map(|r| r[v]).collect();
        let l: Vec<bool> = labels.iter().map(|r| r[v]).collect();
        let positives = l.iter().filter(|&&x| x).count();
        let card = metrics[*vessel]["auc"].as_f64().unwrap();
        let Some(again) = auc(&p, &l) else {
            println!("{vessel}: no positives in the split; card AUC {card:.3}");
            continue;
        };
        let (low, high) = auc_bootstrap_ci(&p, &l, 1000, 11).unwrap();
        println!(
            "{vessel}: card AUC {card:.3}; re-evaluated {again:.3} (95 % CI {low:.3}–{high:.3}) on \
             {positives} positives of {cases}"
        );
        if positives >= 10 {
            assert!(
                (low..=high).contains(&card),
                "{vessel}: card {card} outside {low}–{high}"
            );
        }
    }
}

/// One isolated territorial pattern (severity 0.6, noise on) against the same ECG without
/// it: the matching vessel's probability must rise in at least 90 % of the cases.
#[test]
fn each_territorial_pattern_raises_its_own_vessel() {
    let demo = demo();
    let seeds = 25;
    for (v, vessel) in VESSELS.iter().enumerate() {
        let mut rose = 0;
        let mut gain = 0.0;
        for seed in 0..seeds {
            let seed = TEST_SPLIT_SEED + 10_000 + seed;
            let base = SynthConfig {
                forced_patterns: Some([0.0; 4]),
                ..SynthConfig::default()
            };
            let mut patterns = [0.0; 4];
            patterns[v] = 0.6;
            let with = SynthConfig {
                forced_patterns: Some(patterns),
                ..SynthConfig::default()
            };
            let before = probabilities(&demo, &generate(seed, &base))[v];
            let after = probabilities(&demo, &generate(seed, &with))[v];
            rose += usize::from(after > before);
            gain += after - before;
        }
        println!(
            "{vessel}: probability rose in {rose} of {seeds} cases (mean change {:+.3})",
            gain / seeds as f64
        );
        assert!(
            rose * 10 >= seeds as usize * 9,
            "{vessel}: {rose} of {seeds}"
        );
    }
}

/// Prepared inputs run in batches of `FORWARD_BATCH`: nine records (two batches) give the
/// logits each record gives alone.
#[test]
fn batched_inputs_give_each_record_its_own_logits() {
    use ecg_stenosis::pipeline::FORWARD_BATCH;
    let demo = demo();
    let records = FORWARD_BATCH + 1;
    let inputs: Vec<Vec<f32>> = (0..records as u64)
        .map(|seed| {
            model_input(
                &generate(TEST_SPLIT_SEED + 50_000 + seed, &SynthConfig::default()).ecg,
                demo.metadata(),
                WindowOptions::default(),
            )
            .expect("a generated ECG is a valid input")
            .values
        })
        .collect();
    let batched = block_on(demo.forward_inputs(&inputs.concat())).expect("forward");
    assert_eq!(batched.len(), records);
    for (input, row) in inputs.iter().zip(&batched) {
        let alone = block_on(demo.forward_inputs(input)).expect("forward");
        assert_eq!(alone.len(), 1);
        for (a, b) in alone[0].iter().zip(row) {
            assert!((a - b).abs() <= 1e-5, "{a} alone, {b} in a batch");
        }
    }
    // A partial record is refused, not run or dropped.
    let short = block_on(demo.forward_inputs(&inputs[0][..100]));
    assert!(short.is_err(), "{short:?}");
    let ragged = block_on(demo.forward_inputs(&inputs.concat()[..12 * 5000 + 1]));
    assert!(ragged.is_err(), "{ragged:?}");
}
