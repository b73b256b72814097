//! The one place that decides where the network runs: WebGPU when the build has it and the
//! platform offers an adapter, else the pure-Rust CPU backend (flex), with the reason recorded.
//! No other code looks at the backend.

use burn::tensor::{Device, Tensor, TensorData};

use super::net1d::{ConfigError, Net1d, Net1dConfig};
use super::packed::PackedNet;
use super::seeded::SeededInit;

/// Which backend a [`Runner`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// burn's wgpu runtime: the browser's WebGPU, or natively Vulkan / Metal / DX12.
    WebGpu,
    /// burn-flex, pure Rust on the CPU.
    Cpu,
}

impl BackendKind {
    /// `webgpu` or `cpu`.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "webgpu",
            BackendKind::Cpu => "cpu",
        }
    }
}

/// What the user is told about the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    /// The backend in use.
    pub kind: BackendKind,
    /// For WebGPU: the adapter's description as the platform reports it.
    pub adapter: Option<String>,
    /// For the CPU: why WebGPU is not in use.
    pub cpu_reason: Option<String>,
}

/// Which backend the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendPreference {
    /// The GPU when one starts, else the CPU with the reason.
    #[default]
    Auto,
    /// The CPU, always.
    Cpu,
    /// The GPU or an error.
    Gpu,
}

impl std::str::FromStr for BackendPreference {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "gpu" | "webgpu" => Ok(Self::Gpu),
            other => Err(format!("backend '{other}': expected auto, cpu or gpu")),
        }
    }
}

/// Why a forward pass could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The input's length does not match its declared shape.
    #[error("input has {found} values but shape {shape:?} needs {expected}")]
    Shape {
        /// Declared `[batch, leads, samples]`.
        shape: [usize; 3],
        /// Product of the shape.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// The input does not have the leads the network was built for.
    #[error("input has {found} leads but the network expects {expected}")]
    Leads {
        /// Leads the network takes.
        expected: usize,
        /// Leads given.
        found: usize,
    },
    /// A value is NaN or infinite.
    #[error("input value {index} is not finite")]
    NotFinite {
        /// Flat index of the first such value.
        index: usize,
    },
    /// The GPU was required and none started.
    #[error("no GPU backend: {reason}")]
    NoGpu {
        /// Why not.
        reason: String,
    },
    /// The network has no such output.
    #[error("output {output} does not exist: the network has {outputs} outputs")]
    Output {
        /// The output asked for.
        output: usize,
        /// Outputs the network has.
        outputs: usize,
    },
    /// Reading the result back from the device failed.
    #[error("reading the result back from the {backend} backend failed: {message}")]
    Readback {
        /// Backend name.
        backend: &'static str,
        /// The backend's own words.
        message: String,
    },
}

/// A network ready to run on one [`Runner`] ([`Runner::prepare`]): burn's module (for WebGPU,
/// and for gradients on any backend) and, on the CPU, the same weights packed.
#[derive(Debug, Clone)]
pub struct PreparedNet {
    net: Net1d,
    packed: Option<PackedNet>,
}

impl PreparedNet {
    /// burn's module: what gradients (saliency) run through.
    pub fn net(&self) -> &Net1d {
        &self.net
    }
}

/// A device chosen once, and the facts about that choice.
#[derive(Debug, Clone)]
pub struct Runner {
    device: Device,
    info: BackendInfo,
}

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Synthesised by wasm-ld: the static constructors of the module's dependencies (their
    /// `.init_array`; cubecl registers its IR types there).
    fn __wasm_call_ctors();
}

/// Runs the module's static constructors, once per wasm instance (later calls return at once).
/// Without an explicit call, wasm-ld links the module "command style" and wraps **every**
/// export in a call of `__wasm_call_ctors`: every call from JavaScript, and every JavaScript
/// value handed to Rust (the externref table's allocator is an export), ran all of them again,
/// about 0.6 ms each time (`App.facts()` took 30 ms, a campaign row's conversion to JavaScript
/// 100 ms). This call makes wasm-ld leave the exports alone (LLVM D81689), so it must come
/// before any backend is used: the page's module runs it at instantiation, and every
/// [`Runner`] constructor runs it (the browser tests' harness instantiates without it).
#[cfg(target_arch = "wasm32")]
pub fn run_static_constructors() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.swap(true, Ordering::SeqCst) {
        // SAFETY: runs once per instance (the flag above), before any backend exists; the
        // constructors only initialise their own statics.
        unsafe { __wasm_call_ctors() }
    }
}

impl Runner {
    /// The CPU backend, with the reason WebGPU is not used.
    pub fn cpu(reason: impl Into<String>) -> Self {
        #[cfg(target_arch = "wasm32")]
        run_static_constructors();
        Self {
            device: Device::flex(),
            info: BackendInfo {
                kind: BackendKind::Cpu,
                adapter: None,
                cpu_reason: Some(reason.into()),
            },
        }
    }

    /// burn's deprecated ndarray CPU backend, only for measuring it against flex
    /// (`scripts/bench-backends.sh`); never chosen by [`Runner::probe`].
    #[cfg(feature = "bench-ndarray")]
    #[allow(deprecated)]
    pub fn ndarray_for_benchmark() -> Self {
        Self {
            device: Device::ndarray(),
            info: BackendInfo {
                kind: BackendKind::Cpu,
                adapter: None,
                cpu_reason: Some("ndarray, for the benchmark".into()),
            },
        }
    }

    /// WebGPU if this build has it and an adapter answers, else the CPU with the reason.
    /// burn's wgpu runtime starts once per process (or wasm instance): the first probe's
    /// outcome is kept and every later probe returns it.
    ///
    /// Natively, a software adapter (Mesa's llvmpipe, a CPU rasteriser) is passed over for the
    /// CPU backend, which runs Net1D an order of magnitude faster (BENCHMARKS.md); asking for
    /// the GPU explicitly ([`BackendPreference::Gpu`]) still gets it.
    pub async fn probe() -> Self {
        #[cfg(target_arch = "wasm32")]
        run_static_constructors();
        let (runner, software) = Self::probe_cached().await;
        match software {
            Some(adapter) if cfg!(not(target_arch = "wasm32")) => Self::cpu(format!(
                "the only GPU adapter is a software renderer ({adapter}); the CPU backend is \
                 faster (--backend gpu uses it anyway)"
            )),
            _ => runner,
        }
    }

    /// The first probe's outcome, and the adapter's name when it is a software renderer.
    async fn probe_cached() -> (Self, Option<String>) {
        type Probed = Option<(Runner, Option<String>)>;
        static PROBED: std::sync::Mutex<Probed> = std::sync::Mutex::new(None);
        if let Some(probed) = PROBED.lock().ok().and_then(|guard| guard.clone()) {
            return probed;
        }
        let probed = Self::probe_once().await;
        if let Ok(mut guard) = PROBED.lock() {
            guard.get_or_insert_with(|| probed.clone());
        }
        probed
    }

    async fn probe_once() -> (Self, Option<String>) {
        #[cfg(feature = "webgpu")]
        {
            match burn::tensor::Device::wgpu_options()
                .init_with_setup_async()
                .await
            {
                Ok((device, setup)) => {
                    let info = setup.adapter.get_info();
                    let software = info.device_type == burn::tensor::wgpu::wgpu::DeviceType::Cpu;
                    let mut parts: Vec<String> = [info.name, info.driver, info.driver_info]
                        .into_iter()
                        .filter(|s| !s.trim().is_empty())
                        .collect();
                    parts.dedup();
                    let adapter = if parts.is_empty() {
                        format!("{:?} adapter (the platform does not name it)", info.backend)
                    } else {
                        parts.join(", ")
                    };
                    let runner = Self {
                        device,
                        info: BackendInfo {
                            kind: BackendKind::WebGpu,
                            adapter: Some(adapter.clone()),
                            cpu_reason: None,
                        },
                    };
                    (runner, software.then_some(adapter))
                }
                Err(error) => (
                    Self::cpu(format!("the GPU backend (wgpu) could not start: {error}")),
                    None,
                ),
            }
        }
        #[cfg(not(feature = "webgpu"))]
        {
            (Self::cpu("this build has no GPU backend"), None)
        }
    }

    /// Replaces the adapter description with the platform's own words (in the browser,
    /// `GPUAdapterInfo`, which wgpu does not relay). Only meaningful for WebGPU.
    pub fn describe_adapter(&mut self, description: String) {
        if self.info.kind == BackendKind::WebGpu {
            self.info.adapter = Some(description);
        }
    }

    /// The backend the caller asked for: `Auto` probes ([`Runner::probe`]); `Cpu` skips the
    /// GPU and says so; `Gpu` fails with the reason when no GPU backend starts.
    pub async fn choose(preference: BackendPreference) -> Result<Self, RunError> {
        #[cfg(target_arch = "wasm32")]
        run_static_constructors();
        match preference {
            BackendPreference::Cpu => Ok(Self::cpu("the CPU backend was asked for")),
            BackendPreference::Auto => Ok(Self::probe().await),
            BackendPreference::Gpu => {
                let (runner, _) = Self::probe_cached().await;
                match runner.info.kind {
                    BackendKind::WebGpu => Ok(runner),
                    BackendKind::Cpu => Err(RunError::NoGpu {
                        reason: runner.info.cpu_reason.unwrap_or_default(),
                    }),
                }
            }
        }
    }

    /// The burn device every tensor of this runner lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// What was chosen, and why.
    pub fn info(&self) -> &BackendInfo {
        &self.info
    }

    /// Builds a network on this runner's device with weights drawn from `seed`
    /// ([`SeededInit`]): the same numbers on every backend.
    pub fn init_net(&self, config: &Net1dConfig, seed: u64) -> Result<Net1d, ConfigError> {
        Ok(SeededInit::apply(
            config.init(&self.device)?,
            seed,
            &self.device,
        ))
    }

    /// `net` made ready for this runner: on the CPU its weights are also packed for
    /// [`PackedNet`] (once, here), which [`Runner::forward_prepared`] then runs; on WebGPU it
    /// stays burn's module.
    pub fn prepare(&self, net: Net1d) -> PreparedNet {
        let packed = match self.info.kind {
            BackendKind::Cpu => Some(PackedNet::new(&net)),
            BackendKind::WebGpu => None,
        };
        PreparedNet { net, packed }
    }

    /// [`Runner::forward`] on a prepared network: the packed CPU pass where there is one
    /// (the same logits to 1e-5, a fraction of the time: BENCHMARKS.md), burn's otherwise.
    pub async fn forward_prepared(
        &self,
        prepared: &PreparedNet,
        input: Vec<f32>,
        shape: [usize; 3],
    ) -> Result<Vec<f32>, RunError> {
        match &prepared.packed {
            Some(packed) => {
                check_input(&prepared.net, &input, shape)?;
                Ok(packed.forward(&input, shape))
            }
            None => self.forward(&prepared.net, input, shape).await,
        }
    }

    /// Runs `net` on a flat `[batch, leads, samples]` input and returns the flat logits
    /// `[batch, n_outputs]`. Async because WebGPU reads results back asynchronously.
    pub async fn forward(
        &self,
        net: &Net1d,
        input: Vec<f32>,
        shape: [usize; 3],
    ) -> Result<Vec<f32>, RunError> {
        check_input(net, &input, shape)?;
        let x = Tensor::<3>::from_data(TensorData::new(input, shape), &self.device);
        let readback = |message: String| RunError::Readback {
            backend: self.info.kind.name(),
            message,
        };
        net.forward(x)
            .into_data_async()
            .await
            .map_err(|e| readback(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| readback(format!("{e:?}")))
    }

    /// The gradient of output `output`'s logit with respect to a flat `[batch, leads, samples]`
    /// input, same layout. Each record's gradient is its own: the batch's logits are summed
    /// before the backward pass, and the network treats records independently (BatchNorm uses
    /// its running statistics, also under autodiff).
    ///
    /// Only the input is tracked: the weights stay on the plain device and enter the graph as
    /// constants, so the backward pass computes no weight gradients.
    pub async fn input_gradient(
        &self,
        net: &Net1d,
        input: Vec<f32>,
        shape: [usize; 3],
        output: usize,
    ) -> Result<Vec<f32>, RunError> {
        check_input(net, &input, shape)?;
        let outputs = net.dense.weight.dims()[1];
        if output >= outputs {
            return Err(RunError::Output { output, outputs });
        }
        let readback = |message: String| RunError::Readback {
            backend: self.info.kind.name(),
            message,
        };
        let x = Tensor::<3>::from_data(TensorData::new(input, shape), &self.device)
            .autodiff()
            .require_grad();
        let logits = net.forward(x.clone());
        let target = logits.slice([0..shape[0], output..output + 1]).sum();
        let gradients = target.backward();
        x.grad(&gradients)
            .ok_or_else(|| readback("the backward pass gave no gradient for the input".into()))?
            .into_data_async()
            .await
            .map_err(|e| readback(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| readback(format!("{e:?}")))
    }
}

/// Refuses an input the network cannot run: wrong length for its shape, wrong number of
/// leads, a value that is not finite.
fn check_input(net: &Net1d, input: &[f32], shape: [usize; 3]) -> Result<(), RunError> {
    let expected = shape.iter().product::<usize>();
    if input.len() != expected || expected == 0 {
        return Err(RunError::Shape {
            shape,
            expected,
            found: input.len(),
        });
    }
    let leads = net.first_conv.conv.weight.dims()[1];
    if shape[1] != leads {
        return Err(RunError::Leads {
            expected: leads,
            found: shape[1],
        });
    }
    if let Some(index) = input.iter().position(|v| !v.is_finite()) {
        return Err(RunError::NotFinite { index });
    }
    Ok(())
}

/// Drives a future to completion on the calling thread (native only: the command line and
/// tests). burn's CPU futures are ready at once; wgpu read-backs complete once the device has
/// finished, so the loop yields between polls.
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn sines(batch: usize, samples: usize) -> Vec<f32> {
        (0..batch * 12 * samples)
            .map(|i| (i as f32 * 0.002).sin())
            .collect()
    }

    #[test]
    fn seeded_networks_are_identical_and_seeds_differ() {
        let runner = Runner::cpu("test");
        let config = Net1dConfig::tiny(4);
        let run = |seed| {
            let net = runner.init_net(&config, seed).unwrap();
            block_on(runner.forward(&net, sines(1, 1000), [1, 12, 1000])).unwrap()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn bad_inputs_are_refused_before_running() {
        let runner = Runner::cpu("test");
        let net = runner.init_net(&Net1dConfig::tiny(4), 1).unwrap();
        let forward = |input: Vec<f32>, shape| block_on(runner.forward(&net, input, shape));
        assert!(matches!(
            forward(vec![0.0; 10], [1, 12, 1000]),
            Err(RunError::Shape { .. })
        ));
        assert!(matches!(
            forward(vec![0.0; 11 * 100], [1, 11, 100]),
            Err(RunError::Leads {
                expected: 12,
                found: 11
            })
        ));
        let mut input = vec![0.0; 12 * 100];
        input[5] = f32::NAN;
        assert_eq!(
            forward(input, [1, 12, 100]),
            Err(RunError::NotFinite { index: 5 })
        );
    }
}
