//! Deterministic weights from a seed, identical on every backend and platform.
//!
//! burn initialises parameters lazily from the backend's random generator, so the same seed
//! does not give the same weights once anything else draws random numbers first. Tests and the
//! page's self-check need the very same network on the CPU and on WebGPU: this mapper replaces
//! every float parameter with values from SplitMix64, in module order.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::SplitMix64;

/// Fills a module's float parameters from a seed (see the module docs).
pub struct SeededInit {
    rng: SplitMix64,
    device: Device,
    path: Vec<String>,
}

impl SeededInit {
    /// Replaces every float parameter of `module` with seeded values on `device`.
    pub fn apply<M: Module>(module: M, seed: u64, device: &Device) -> M {
        let mut mapper = Self {
            rng: SplitMix64::new(seed),
            device: device.clone(),
            path: Vec::new(),
        };
        module.map(&mut mapper)
    }

    /// The range a parameter's values are drawn from, by its name and shape. Running variances
    /// and BN scales stay positive; weights get ±1/√fan_in as PyTorch's default does.
    fn range(&self, dims: &[usize]) -> (f64, f64) {
        let name = self.path.last().map(String::as_str).unwrap_or("");
        match (name, dims.len()) {
            ("running_var", _) | ("weight", 1) => (0.5, 1.5),
            ("running_mean", _) | ("bias", _) => (-0.1, 0.1),
            // Conv weights are [out, in/groups, k]; burn's Linear weights are [in, out].
            (_, 3) => bound(dims[1] * dims[2]),
            (_, 2) => bound(dims[0]),
            _ => (-0.1, 0.1),
        }
    }
}

fn bound(fan_in: usize) -> (f64, f64) {
    let b = 1.0 / (fan_in.max(1) as f64).sqrt();
    (-b, b)
}

impl ModuleMapper for SeededInit {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let shape = param.lazy_shape();
        let dims = shape.to_vec();
        let (low, high) = self.range(&dims);
        let count = dims.iter().product::<usize>();
        let values: Vec<f32> = (0..count)
            .map(|_| (low + (high - low) * self.rng.unit()) as f32)
            .collect();
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            &self.device,
        ))
    }
}
