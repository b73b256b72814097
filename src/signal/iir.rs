//! IIR filters in f64: design (Butterworth, notch) and zero-phase application with scipy's
//! `filtfilt` semantics (model-spec §4).
//!
//! Designs follow the analogue-prototype route scipy takes (`buttap` → frequency transform →
//! bilinear transform with pre-warping → polynomial), so coefficients for 500 Hz match the ones
//! printed in model-spec §4 to rounding (tested). Everything is f64: the order-8 band-pass with a
//! 0.67 Hz corner is ill-conditioned in f32.

use std::f64::consts::PI;

/// Why a filter could not be designed or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// A corner frequency is not strictly between 0 and the Nyquist frequency.
    #[error("{frequency_hz} Hz is not between 0 and the Nyquist frequency ({nyquist_hz} Hz)")]
    Frequency {
        /// The offending corner.
        frequency_hz: f64,
        /// Half the sample rate.
        nyquist_hz: f64,
    },
    /// The signal is too short for the padding `filtfilt` needs.
    #[error("{samples} samples are too few to filter: more than {needed} are needed")]
    TooShort {
        /// Samples given.
        samples: usize,
        /// The padding length; the signal must be longer.
        needed: usize,
    },
}

/// A rational transfer function `b(z) / a(z)` with `a[0] == 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Iir {
    /// Numerator coefficients.
    pub b: Vec<f64>,
    /// Denominator coefficients, `a[0] == 1`.
    pub a: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    fn add(self, o: Self) -> Self {
        Self::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: Self) -> Self {
        Self::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    fn div(self, o: Self) -> Self {
        let d = o.re * o.re + o.im * o.im;
        Self::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
    fn scale(self, s: f64) -> Self {
        Self::new(self.re * s, self.im * s)
    }
    /// Principal square root (as numpy's `sqrt` of a complex number).
    fn sqrt(self) -> Self {
        let r = self.re.hypot(self.im);
        let re = ((r + self.re) / 2.0).sqrt();
        let im = ((r - self.re) / 2.0).sqrt().copysign(self.im);
        Self::new(re, im)
    }
}

/// Zeros, poles and gain of a filter (analogue or digital).
struct Zpk {
    z: Vec<Complex>,
    p: Vec<Complex>,
    k: f64,
}

/// The analogue Butterworth prototype of order `n` (cut-off 1 rad/s): no zeros, poles on the
/// left half of the unit circle.
fn butter_prototype(order: usize) -> Zpk {
    let n = order as f64;
    let p = (0..order)
        .map(|i| {
            let m = -n + 1.0 + 2.0 * i as f64;
            let theta = PI * m / (2.0 * n);
            // -exp(j·theta)
            Complex::new(-theta.cos(), -theta.sin())
        })
        .collect();
    Zpk {
        z: Vec::new(),
        p,
        k: 1.0,
    }
}

fn lowpass_to_bandpass(proto: Zpk, centre: f64, bandwidth: f64) -> Zpk {
    let degree = proto.p.len() - proto.z.len();
    let w0 = Complex::new(centre * centre, 0.0);
    let split = |roots: &[Complex]| {
        let scaled: Vec<Complex> = roots.iter().map(|r| r.scale(bandwidth / 2.0)).collect();
        let mut out: Vec<Complex> = scaled
            .iter()
            .map(|r| r.add(r.mul(*r).sub(w0).sqrt()))
            .collect();
        out.extend(scaled.iter().map(|r| r.sub(r.mul(*r).sub(w0).sqrt())));
        out
    };
    let mut z = split(&proto.z);
    z.extend(std::iter::repeat_n(Complex::new(0.0, 0.0), degree));
    Zpk {
        z,
        p: split(&proto.p),
        k: proto.k * bandwidth.powi(degree as i32),
    }
}

fn lowpass_to_lowpass(proto: Zpk, cutoff: f64) -> Zpk {
    let degree = proto.p.len() - proto.z.len();
    Zpk {
        z: proto.z.iter().map(|r| r.scale(cutoff)).collect(),
        p: proto.p.iter().map(|r| r.scale(cutoff)).collect(),
        k: proto.k * cutoff.powi(degree as i32),
    }
}

fn lowpass_to_highpass(proto: Zpk, cutoff: f64) -> Zpk {
    let degree = proto.p.len() - proto.z.len();
    let w = Complex::new(cutoff, 0.0);
    let prod_neg = |roots: &[Complex]| {
        roots
            .iter()
            .fold(Complex::new(1.0, 0.0), |acc, r| acc.mul(r.scale(-1.0)))
    };
    let gain = prod_neg(&proto.z).div(prod_neg(&proto.p)).re;
    let mut z: Vec<Complex> = proto.z.iter().map(|r| w.div(*r)).collect();
    z.extend(std::iter::repeat_n(Complex::new(0.0, 0.0), degree));
    Zpk {
        z,
        p: proto.p.iter().map(|r| w.div(*r)).collect(),
        k: proto.k * gain,
    }
}

/// Bilinear transform for the normalised rate scipy uses internally (`fs = 2`).
fn bilinear(analog: Zpk) -> Zpk {
    const FS2: f64 = 4.0;
    let degree = analog.p.len() - analog.z.len();
    let c = Complex::new(FS2, 0.0);
    let map = |r: &Complex| c.add(*r).div(c.sub(*r));
    let prod = |roots: &[Complex]| {
        roots
            .iter()
            .fold(Complex::new(1.0, 0.0), |acc, r| acc.mul(c.sub(*r)))
    };
    let mut z: Vec<Complex> = analog.z.iter().map(map).collect();
    z.extend(std::iter::repeat_n(Complex::new(-1.0, 0.0), degree));
    Zpk {
        z,
        p: analog.p.iter().map(map).collect(),
        k: analog.k * prod(&analog.z).div(prod(&analog.p)).re,
    }
}

/// Coefficients of `∏ (x − r)`, highest power first; real parts (roots come in conjugate pairs).
fn poly(roots: &[Complex]) -> Vec<f64> {
    let mut c = vec![Complex::new(1.0, 0.0)];
    for r in roots {
        let mut next = vec![Complex::new(0.0, 0.0); c.len() + 1];
        for (i, ci) in c.iter().enumerate() {
            next[i] = next[i].add(*ci);
            next[i + 1] = next[i + 1].sub(ci.mul(*r));
        }
        c = next;
    }
    c.into_iter().map(|v| v.re).collect()
}

fn to_transfer(zpk: Zpk) -> Iir {
    let b = poly(&zpk.z).into_iter().map(|v| v * zpk.k).collect();
    Iir { b, a: poly(&zpk.p) }
}

fn check_frequency(frequency_hz: f64, sample_rate_hz: f64) -> Result<f64, FilterError> {
    let nyquist_hz = sample_rate_hz / 2.0;
    if frequency_hz > 0.0 && frequency_hz < nyquist_hz {
        // scipy: warped = 2·fs·tan(π·Wn/fs) with fs = 2 and Wn = f / nyquist.
        Ok(4.0 * (PI * (frequency_hz / nyquist_hz) / 2.0).tan())
    } else {
        Err(FilterError::Frequency {
            frequency_hz,
            nyquist_hz,
        })
    }
}

impl Iir {
    /// Butterworth band-pass of prototype order `order` (the result has order `2·order`),
    /// as `scipy.signal.butter(order, [low, high], btype="band", fs=rate)`.
    pub fn butter_bandpass(
        order: usize,
        low_hz: f64,
        high_hz: f64,
        sample_rate_hz: f64,
    ) -> Result<Self, FilterError> {
        let low = check_frequency(low_hz, sample_rate_hz)?;
        let high = check_frequency(high_hz, sample_rate_hz)?;
        let analog = lowpass_to_bandpass(butter_prototype(order), (low * high).sqrt(), high - low);
        Ok(to_transfer(bilinear(analog)))
    }

    /// Butterworth low-pass, as `scipy.signal.butter(order, cutoff, fs=rate)`.
    pub fn butter_lowpass(
        order: usize,
        cutoff_hz: f64,
        sample_rate_hz: f64,
    ) -> Result<Self, FilterError> {
        let w = check_frequency(cutoff_hz, sample_rate_hz)?;
        Ok(to_transfer(bilinear(lowpass_to_lowpass(
            butter_prototype(order),
            w,
        ))))
    }

    /// Butterworth high-pass, as `scipy.signal.butter(order, cutoff, "highpass", fs=rate)`.
    pub fn butter_highpass(
        order: usize,
        cutoff_hz: f64,
        sample_rate_hz: f64,
    ) -> Result<Self, FilterError> {
        let w = check_frequency(cutoff_hz, sample_rate_hz)?;
        Ok(to_transfer(bilinear(lowpass_to_highpass(
            butter_prototype(order),
            w,
        ))))
    }

    /// Second-order notch, as `scipy.signal.iirnotch(frequency, quality, fs=rate)`.
    pub fn notch(
        frequency_hz: f64,
        quality: f64,
        sample_rate_hz: f64,
    ) -> Result<Self, FilterError> {
        check_frequency(frequency_hz, sample_rate_hz)?;
        let w0 = 2.0 * frequency_hz / sample_rate_hz;
        let bandwidth = w0 / quality * PI;
        let w0 = w0 * PI;
        // Attenuation of -3 dB at the band edges: gb = 1/√2, so beta = tan(bw/2).
        let beta = (bandwidth / 2.0).tan();
        let gain = 1.0 / (1.0 + beta);
        let c = (w0).cos();
        Ok(Self {
            b: vec![gain, -2.0 * c * gain, gain],
            a: vec![1.0, -2.0 * gain * c, 2.0 * gain - 1.0],
        })
    }

    fn order(&self) -> usize {
        self.a.len().max(self.b.len())
    }

    /// Coefficients padded to a common length.
    fn padded(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.order();
        let mut b = self.b.clone();
        let mut a = self.a.clone();
        b.resize(n, 0.0);
        a.resize(n, 0.0);
        (b, a)
    }

    /// The steady-state initial conditions for a unit step, as `scipy.signal.lfilter_zi`:
    /// solves `(I − Aᵀ)·zi = b[1:] − a[1:]·b[0]` with `A` the companion matrix of `a`.
    pub fn steady_state(&self) -> Vec<f64> {
        let (b, a) = self.padded();
        let m = b.len() - 1;
        if m == 0 {
            return Vec::new();
        }
        // Row-major (I − companion(a)ᵀ).
        let mut matrix = vec![0.0; m * m];
        for i in 0..m {
            matrix[i * m + i] = 1.0;
            // companion(a)ᵀ: column 0 is -a[1:], and (j, j+1)… the super-diagonal of the
            // transpose holds the ones.
            matrix[i * m] += a[i + 1];
            if i + 1 < m {
                matrix[i * m + i + 1] -= 1.0;
            }
        }
        let mut rhs: Vec<f64> = (0..m).map(|i| b[i + 1] - a[i + 1] * b[0]).collect();
        solve(&mut matrix, &mut rhs, m);
        rhs
    }

    /// Direct-form II transposed filtering of `x` in place, from state `state` (left as the
    /// final state), as `scipy.signal.lfilter(b, a, x, zi=state)`.
    pub fn filter_in_place(&self, x: &mut [f64], state: &mut [f64]) {
        let (b, a) = self.padded();
        let m = b.len() - 1;
        for v in x.iter_mut() {
            let input = *v;
            let y = b[0] * input + state.first().copied().unwrap_or(0.0);
            for i in 0..m {
                let next = if i + 1 < m { state[i + 1] } else { 0.0 };
                state[i] = b[i + 1] * input + next - a[i + 1] * y;
            }
            *v = y;
        }
    }

    /// The padding `filtfilt` adds at each end by default: `3 · max(len(a), len(b))`.
    pub fn filtfilt_padding(&self) -> usize {
        3 * self.order()
    }

    /// Zero-phase filtering, as `scipy.signal.filtfilt(b, a, x)` with its defaults: odd
    /// extension by [`Iir::filtfilt_padding`] samples, steady-state initial conditions scaled by
    /// the first sample of each pass, forward then backward, padding trimmed.
    pub fn filtfilt(&self, x: &[f64]) -> Result<Vec<f64>, FilterError> {
        self.filtfilt_from(x, &self.steady_state())
    }

    /// [`Iir::filtfilt`] with the unit-step initial state `zi` given instead of solved (for
    /// filters whose state scipy computed and a contract fixes; see
    /// [`contract_500hz`](super::preprocess::contract_500hz)).
    pub fn filtfilt_from(&self, x: &[f64], zi: &[f64]) -> Result<Vec<f64>, FilterError> {
        let pad = self.filtfilt_padding();
        let n = x.len();
        if n <= pad {
            return Err(FilterError::TooShort {
                samples: n,
                needed: pad,
            });
        }
        let (first, last) = (x[0], x[n - 1]);
        let mut ext = Vec::with_capacity(n + 2 * pad);
        ext.extend((1..=pad).rev().map(|i| 2.0 * first - x[i]));
        ext.extend_from_slice(x);
        ext.extend((1..=pad).map(|i| 2.0 * last - x[n - 1 - i]));

        let mut state: Vec<f64> = zi.iter().map(|z| z * ext[0]).collect();
        self.filter_in_place(&mut ext, &mut state);
        ext.reverse();
        let mut state: Vec<f64> = zi.iter().map(|z| z * ext[0]).collect();
        self.filter_in_place(&mut ext, &mut state);
        ext.reverse();
        ext.truncate(n + pad);
        ext.drain(..pad);
        Ok(ext)
    }
}

/// Solves `matrix · x = rhs` in place (Gaussian elimination with partial pivoting); `rhs`
/// becomes `x`. The matrices here are the small, well-conditioned `I − Aᵀ` of a stable filter.
fn solve(matrix: &mut [f64], rhs: &mut [f64], m: usize) {
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&i, &j| {
                matrix[i * m + col]
                    .abs()
                    .total_cmp(&matrix[j * m + col].abs())
            })
            .unwrap_or(col);
        if pivot != col {
            for k in 0..m {
                matrix.swap(col * m + k, pivot * m + k);
            }
            rhs.swap(col, pivot);
        }
        let diag = matrix[col * m + col];
        for row in col + 1..m {
            let f = matrix[row * m + col] / diag;
            if f != 0.0 {
                for k in col..m {
                    matrix[row * m + k] -= f * matrix[col * m + k];
                }
                rhs[row] -= f * rhs[col];
            }
        }
    }
    for col in (0..m).rev() {
        let mut v = rhs[col];
        for k in col + 1..m {
            v -= matrix[col * m + k] * rhs[k];
        }
        rhs[col] = v / matrix[col * m + col];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::signal::preprocess::contract_500hz::*;

    fn assert_close(found: &[f64], expected: &[f64], tol: f64) {
        assert_eq!(found.len(), expected.len());
        for (i, (f, e)) in found.iter().zip(expected).enumerate() {
            assert!((f - e).abs() <= tol, "[{i}] {f} vs {e}");
        }
    }

    #[test]
    fn designs_match_model_spec_coefficients() {
        let notch = Iir::notch(50.0, 30.0, 500.0).unwrap();
        assert_close(&notch.b, &NOTCH_B, 1e-15);
        assert_close(&notch.a, &NOTCH_A, 1e-15);
        let band = Iir::butter_bandpass(4, 0.67, 40.0, 500.0).unwrap();
        assert_close(&band.b, &BANDPASS_B, 1e-15);
        assert_close(&band.a, &BANDPASS_A, 1e-13);
        // The notch's steady state is well conditioned: solved, it equals scipy's to rounding.
        assert_close(&notch.steady_state(), &NOTCH_ZI, 1e-15);
    }

    #[test]
    fn steady_state_holds_a_constant() {
        let band = Iir::butter_lowpass(2, 10.0, 500.0).unwrap();
        let zi = band.steady_state();
        let mut x = vec![3.0; 50];
        let mut state: Vec<f64> = zi.iter().map(|z| z * 3.0).collect();
        band.filter_in_place(&mut x, &mut state);
        assert_close(&x, &[3.0; 50], 1e-12);
    }

    #[test]
    fn highpass_blocks_dc_and_passes_high() {
        let hp = Iir::butter_highpass(2, 1.0, 500.0).unwrap();
        let dc: f64 = hp.b.iter().sum::<f64>() / hp.a.iter().sum::<f64>();
        assert!(dc.abs() < 1e-12, "{dc}");
        let nyq: f64 =
            hp.b.iter()
                .enumerate()
                .map(|(i, v)| if i % 2 == 0 { *v } else { -v })
                .sum::<f64>()
                / hp.a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i % 2 == 0 { *v } else { -v })
                    .sum::<f64>();
        assert!((nyq - 1.0).abs() < 1e-12, "{nyq}");
    }

    #[test]
    fn bad_frequencies_and_short_signals_are_errors() {
        assert!(Iir::notch(300.0, 30.0, 500.0).is_err());
        assert!(Iir::butter_bandpass(4, 0.0, 40.0, 500.0).is_err());
        let band = Iir::butter_bandpass(4, 0.67, 40.0, 500.0).unwrap();
        assert_eq!(
            band.filtfilt(&[0.0; 27]),
            Err(FilterError::TooShort {
                samples: 27,
                needed: 27
            })
        );
        assert!(band.filtfilt(&[0.0; 28]).is_ok());
    }
}
