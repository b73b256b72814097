//! Saliency: the gradients against finite differences, the sanity checks of the
//! interpretability literature on generated ECGs, and the methods' own properties.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{DType, Device, Tensor, TensorData};
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::model::{Net1d, Net1dConfig, Runner};
use ecg_stenosis::saliency::{Method, attribute};

const LEADS: usize = 12;

/// A smooth, lead-dependent test signal of about unit amplitude.
fn signal(samples: usize) -> Vec<f32> {
    (0..LEADS * samples)
        .map(|i| {
            let (lead, t) = ((i / samples) as f32, (i % samples) as f32 / 500.0);
            (6.0 * t + lead).sin() * 0.8 + (23.0 * t * (1.0 + 0.1 * lead)).cos() * 0.3
        })
        .collect()
}

/// Casts every float parameter to f64, for finite differences free of f32 rounding.
struct ToF64;

impl ModuleMapper for ToF64 {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        Param::from_tensor(param.val().cast(DType::F64))
    }
}

/// The logit of the f64 copy of the network.
fn logit(net64: &Net1d, device: &Device, input: &[f64], output: usize) -> f64 {
    let samples = input.len() / LEADS;
    let data = TensorData::new(input.to_vec(), [1, LEADS, samples]);
    let x = Tensor::<3>::from_data(data, (device, DType::F64));
    net64
        .forward(x)
        .into_data()
        .convert::<f64>()
        .try_to_vec::<f64>()
        .unwrap()[output]
}

/// Input × gradient against central differences of an f64 copy of the network (the f32
/// forward pass is too coarse for differences: its rounding, ~1e-7 of the logit, swamps them).
/// Checked per lead, as the derivative of the logit along that lead's own values
/// (`d/dh f(x + h·x_L)` at 0 equals the lead's sum of input × gradient), and per sample at the
/// 24 largest attributions (`x_i · ∂f/∂x_i`). Returns the worst relative error.
fn gradient_check(use_bn: bool) -> f64 {
    let runner = Runner::cpu("test");
    let config = Net1dConfig {
        use_bn,
        ..Net1dConfig::tiny(4)
    };
    let net = runner.init_net(&config, 11).unwrap();
    let net64 = net.clone().map(&mut ToF64);
    let device = runner.device().clone();
    let samples = 400;
    let x = signal(samples);
    let output = 2;
    let map = block_on(attribute(
        &runner,
        &net,
        &x,
        LEADS,
        output,
        Method::GradXInput,
        &mut |_, _| {},
    ))
    .unwrap();
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let h = 1e-6;
    let derivative = |direction: &dyn Fn(usize) -> f64| {
        let moved = |sign: f64| -> Vec<f64> {
            x64.iter()
                .enumerate()
                .map(|(i, &v)| v + sign * h * direction(i))
                .collect()
        };
        (logit(&net64, &device, &moved(1.0), output) - logit(&net64, &device, &moved(-1.0), output))
            / (2.0 * h)
    };
    let mut worst: f64 = 0.0;
    for lead in 0..LEADS {
        let want: f64 = map[lead * samples..(lead + 1) * samples]
            .iter()
            .map(|&v| f64::from(v))
            .sum();
        let fd = derivative(&|i| if i / samples == lead { x64[i] } else { 0.0 });
        worst = worst.max((fd - want).abs() / want.abs());
    }
    let mut largest: Vec<usize> = (0..map.len()).collect();
    largest.sort_by(|&a, &b| map[b].abs().total_cmp(&map[a].abs()));
    for &i in &largest[..24] {
        let fd = derivative(&|j| if j == i { x64[i] } else { 0.0 });
        worst = worst.max((fd - f64::from(map[i])).abs() / f64::from(map[i]).abs());
    }
    worst
}

/// BN in eval mode under autodiff is what makes the gradient agree with the inference forward
/// pass that the differences use: with batch statistics it would not.
#[test]
fn input_times_gradient_equals_finite_differences() {
    for use_bn in [false, true] {
        let worst = gradient_check(use_bn);
        println!("use_bn {use_bn}: worst relative error {worst:.2e}");
        assert!(worst < 1e-3, "use_bn {use_bn}: {worst:.2e}");
    }
}

/// Integrated gradients add up to `f(x) − f(0)` (completeness), closer with more steps.
#[test]
fn integrated_gradients_are_complete() {
    let runner = Runner::cpu("test");
    let net = runner.init_net(&Net1dConfig::tiny(4), 5).unwrap();
    let x = signal(500);
    let f = |input: Vec<f32>| {
        f64::from(block_on(runner.forward(&net, input, [1, LEADS, 500])).unwrap()[1])
    };
    let gap = f(x.clone()) - f(vec![0.0; x.len()]);
    let mut calls = Vec::new();
    let mut errors = Vec::new();
    for steps in [4, 32] {
        let map = block_on(attribute(
            &runner,
            &net,
            &x,
            LEADS,
            1,
            Method::IntegratedGradients { steps },
            &mut |done, total| calls.push((done, total)),
        ))
        .unwrap();
        let total: f64 = map.iter().map(|&v| f64::from(v)).sum();
        errors.push((total - gap).abs() / gap.abs());
    }
    println!(
        "completeness error: 4 steps {:.2e}, 32 steps {:.2e}",
        errors[0], errors[1]
    );
    assert!(errors[1] < 1e-2 && errors[1] < errors[0], "{errors:?}");
    // Progress after each batch of at most 8 passes.
    assert_eq!(calls, vec![(4, 4), (8, 32), (16, 32), (24, 32), (32, 32)]);
}

/// SmoothGrad is reproducible (seeded noise) and differs from plain input × gradient.
#[test]
fn smoothgrad_is_reproducible() {
    let runner = Runner::cpu("test");
    let net = runner.init_net(&Net1dConfig::tiny(4), 5).unwrap();
    let x = signal(300);
    let run = |method| {
        block_on(attribute(
            &runner,
            &net,
            &x,
            LEADS,
            0,
            method,
            &mut |_, _| {},
        ))
        .unwrap()
    };
    let smooth = Method::parse("smoothgrad", Some(4)).unwrap();
    assert_eq!(run(smooth), run(smooth));
    assert_ne!(run(smooth), run(Method::GradXInput));
}

mod demonstration_model {
    use super::*;
    use ecg_stenosis::pipeline::model_input;
    use ecg_stenosis::saliency::{attribute_from, spearman};
    use ecg_stenosis::signal::WindowOptions;
    use ecg_stenosis::synth::{SynthConfig, TEST_SPLIT_SEED, VESSELS, generate};

    const SAMPLES: usize = 5000;

    use crate::common::demo;
    use ecg_stenosis::pipeline::Session;

    /// The model input of a generated ECG with only the given patterns drawn.
    fn input(demo: &Session, seed: u64, patterns: [f64; 4]) -> Vec<f32> {
        let config = SynthConfig {
            forced_patterns: Some(patterns),
            ..SynthConfig::default()
        };
        model_input(
            &generate(seed, &config).ecg,
            demo.metadata(),
            WindowOptions::default(),
        )
        .expect("a generated ECG is a valid input")
        .values
    }

    fn map(
        demo: &Session,
        net: &Net1d,
        x: &[f32],
        baseline: Option<&[f32]>,
        vessel: usize,
        method: Method,
    ) -> Vec<f32> {
        block_on(attribute_from(
            demo.runner(),
            net,
            x,
            baseline,
            LEADS,
            vessel,
            method,
            &mut |_, _| {},
        ))
        .expect("gradient passes")
    }

    fn per_lead_abs(map: &[f32]) -> Vec<f64> {
        map.chunks(SAMPLES)
            .map(|lead| lead.iter().map(|v| f64::from(v.abs())).sum())
            .collect()
    }

    fn share(per_lead: &[f64], leads: &[usize]) -> f64 {
        leads.iter().map(|&l| per_lead[l]).sum::<f64>() / per_lead.iter().sum::<f64>()
    }

    /// Adebayo et al. (2018), full model randomisation: every weight of the demonstration
    /// network re-drawn (same architecture, seeded), the maps of the same ECGs compared by
    /// Spearman rank correlation. Signed maps must change substantially (|ρ| < 0.5) for each
    /// method. The rank correlation of absolute maps is printed too: for input × gradient it
    /// stays higher, because |x ⊙ g| keeps the shape of |x| whatever g is (the weakness of
    /// gradient ⊙ input that Adebayo et al. point out).
    #[test]
    fn maps_change_when_the_weights_are_randomised() {
        let demo = demo();
        let random = demo
            .runner()
            .init_net(&demo.model().config(), 0xAD_EB_A0)
            .unwrap();
        let methods = [
            Method::GradXInput,
            Method::IntegratedGradients { steps: 8 },
            Method::parse("smoothgrad", Some(8)).unwrap(),
        ];
        for method in methods {
            let mut worst: f64 = 0.0;
            let mut report = Vec::new();
            for (v, vessel) in VESSELS.iter().enumerate() {
                let mut patterns = [0.0; 4];
                patterns[v] = 0.6;
                let x = input(&demo, TEST_SPLIT_SEED + 30_000 + v as u64, patterns);
                let trained = map(&demo, demo.net(), &x, None, v, method);
                let randomised = map(&demo, &random, &x, None, v, method);
                let signed = |m: &[f32]| m.iter().map(|&a| f64::from(a)).collect::<Vec<f64>>();
                let abs = |m: &[f32]| m.iter().map(|&a| f64::from(a.abs())).collect::<Vec<f64>>();
                let rho = spearman(&signed(&trained), &signed(&randomised)).unwrap();
                let rho_abs = spearman(&abs(&trained), &abs(&randomised)).unwrap();
                report.push(format!("{vessel} ρ {rho:+.3} (|map| {rho_abs:+.3})"));
                worst = worst.max(rho.abs());
            }
            println!("{}: {}", method.name(), report.join(", "));
            assert!(worst < 0.5, "{}: |ρ| up to {worst:.3}", method.name());
        }
    }

    /// Leads that face each territory (synth module docs): RCA inferior (II, III, aVF), LM aVR,
    /// LAD V1–V4, LCX lateral (I, aVL, V5, V6). Indices in `Lead::ALL` order.
    const TERRITORY: [&[usize]; 4] = [&[1, 2, 5], &[3], &[6, 7, 8, 9], &[0, 4, 10, 11]];

    /// Localisation on single-territory cases (severity 0.6, 8 ECGs per vessel). The leads a
    /// pattern shows in are measured, not assumed: those where it changes the model input
    /// most (at least a quarter of the largest lead's change energy). Integrated gradients
    /// from the same ECG without the pattern must put most (> 50 %) of the attribution into
    /// those leads, well above their share of the 12 leads, for every vessel. Printed too:
    /// the shares in the textbook territory leads, and the shares of zero-baseline input ×
    /// gradient (what the page shows by default), which spreads with the signal's amplitude.
    #[test]
    fn attribution_lies_in_the_leads_the_pattern_changes() {
        let demo = demo();
        let cases = 8;
        for (v, vessel) in VESSELS.iter().enumerate() {
            let mut mean = [0.0f64; 5];
            let mut energy = [0.0f64; LEADS];
            for k in 0..cases {
                let seed = TEST_SPLIT_SEED + 20_000 + k;
                let mut patterns = [0.0; 4];
                patterns[v] = 0.6;
                let with = input(&demo, seed, patterns);
                let without = input(&demo, seed, [0.0; 4]);
                let change: Vec<f64> = (0..LEADS)
                    .map(|l| {
                        (l * SAMPLES..(l + 1) * SAMPLES)
                            .map(|i| f64::from(with[i] - without[i]).powi(2))
                            .sum()
                    })
                    .collect();
                let all: f64 = change.iter().sum();
                for (e, c) in energy.iter_mut().zip(&change) {
                    *e += c / all / cases as f64;
                }
                let most = change.iter().cloned().fold(0.0, f64::max);
                let changed: Vec<usize> =
                    (0..LEADS).filter(|&l| change[l] >= 0.25 * most).collect();
                let ig = per_lead_abs(&map(
                    &demo,
                    demo.net(),
                    &with,
                    Some(&without),
                    v,
                    Method::IntegratedGradients { steps: 16 },
                ));
                let gxi = per_lead_abs(&map(&demo, demo.net(), &with, None, v, Method::GradXInput));
                let n = cases as f64;
                mean[0] += share(&ig, &changed) / n;
                mean[1] += changed.len() as f64 / LEADS as f64 / n;
                mean[2] += share(&ig, TERRITORY[v]) / n;
                mean[3] += share(&gxi, &changed) / n;
                mean[4] += share(&gxi, TERRITORY[v]) / n;
            }
            println!(
                "{vessel}: IG from the pattern-free ECG: {:.3} in the changed leads (their share of leads {:.3}), {:.3} in the territory leads; zero-baseline input × gradient: {:.3} and {:.3}",
                mean[0], mean[1], mean[2], mean[3], mean[4]
            );
            let names = ecg_stenosis::ecg::Lead::ALL.map(|l| l.name());
            let cells: Vec<String> = names
                .iter()
                .zip(&energy)
                .map(|(n, e)| format!("{n} {e:.2}"))
                .collect();
            println!(
                "    where the pattern changes the input (share of change energy): {}",
                cells.join(", ")
            );
            assert!(mean[0] > 0.5, "{vessel}: {:.3}", mean[0]);
            assert!(
                mean[0] > mean[1] + 0.15,
                "{vessel}: {:.3} vs {:.3}",
                mean[0],
                mean[1]
            );
        }
    }
}
