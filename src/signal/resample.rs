//! Rational-factor polyphase resampling, as `scipy.signal.resample_poly(x, up, down)` with its
//! defaults (Kaiser-windowed sinc, β = 5, half-length 10 · max(up, down) taps per phase, zeros
//! beyond the ends).
//!
//! Why this resampler: ECG rates are small integers (250, 360, 500, 1000 Hz), so `up/down` is
//! exact and a polyphase FIR is both anti-aliased (the low-pass sits at the lower of the two
//! Nyquist frequencies, > 60 dB stop-band with β = 5) and cheap (only the non-zero taps of each
//! phase are evaluated). It also has a bit-for-bit public reference (scipy) to test against. The
//! upstream ECGFounder loader interpolated linearly, which aliases: a 1000 Hz recording's
//! 250–500 Hz content folds into the band the model sees.

/// Why a resampling could not be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResampleError {
    /// The source rate is not a positive number with at most three decimals that gives a
    /// reasonable ratio.
    #[error(
        "cannot resample from {from_hz} Hz to {to_hz} Hz: the ratio is not a fraction with terms up to {MAX_TERM}"
    )]
    Ratio {
        /// Source rate.
        from_hz: f64,
        /// Target rate.
        to_hz: f64,
    },
}

/// Largest numerator or denominator of the reduced ratio accepted (bounds the filter length).
pub const MAX_TERM: u64 = 1000;

/// An up/down factor pair, reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    /// Upsampling factor.
    pub up: usize,
    /// Downsampling factor.
    pub down: usize,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Ratio {
    /// The reduced ratio taking `from_hz` to `to_hz`; rates are taken to a thousandth of a hertz.
    pub fn between(from_hz: f64, to_hz: f64) -> Result<Self, ResampleError> {
        let err = ResampleError::Ratio { from_hz, to_hz };
        let milli = |hz: f64| -> Option<u64> {
            let m = (hz * 1000.0).round();
            (hz.is_finite() && hz > 0.0 && (m - hz * 1000.0).abs() < 1e-6 && m < 1e12)
                .then_some(m as u64)
        };
        let (from, to) = (
            milli(from_hz).ok_or(err.clone())?,
            milli(to_hz).ok_or(err.clone())?,
        );
        let g = gcd(from, to);
        let (up, down) = (to / g, from / g);
        if up > MAX_TERM || down > MAX_TERM || up == 0 || down == 0 {
            return Err(err);
        }
        Ok(Self {
            up: up as usize,
            down: down as usize,
        })
    }

    /// Output length for `n` input samples: `ceil(n · up / down)`.
    pub fn output_len(self, n: usize) -> usize {
        (n * self.up).div_ceil(self.down)
    }
}

/// Modified Bessel function of the first kind, order 0 (power series; converges quickly for
/// the β used by Kaiser windows).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..200 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// `scipy.signal.firwin(taps, cutoff, window=("kaiser", beta))` for a low-pass with `cutoff`
/// relative to Nyquist, scaled to unit gain at DC.
fn kaiser_lowpass(taps: usize, cutoff: f64, beta: f64) -> Vec<f64> {
    let alpha = 0.5 * (taps as f64 - 1.0);
    let denom = bessel_i0(beta);
    let mut h: Vec<f64> = (0..taps)
        .map(|i| {
            let m = i as f64 - alpha;
            let arg = std::f64::consts::PI * cutoff * m;
            let sinc = if arg == 0.0 { 1.0 } else { arg.sin() / arg };
            let r = if taps > 1 {
                2.0 * i as f64 / (taps as f64 - 1.0) - 1.0
            } else {
                0.0
            };
            let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / denom;
            cutoff * sinc * window
        })
        .collect();
    let sum: f64 = h.iter().sum();
    for v in &mut h {
        *v /= sum;
    }
    h
}

/// A planned resampling: the ratio and its polyphase filter.
#[derive(Debug, Clone)]
pub struct Resampler {
    ratio: Ratio,
    /// Filter taps, scaled by `up`, with scipy's leading zero padding.
    taps: Vec<f64>,
    /// Output samples of the full `upfirdn` result dropped at the front.
    skip: usize,
}

impl Resampler {
    /// Plans resampling by `ratio` (scipy's defaults: Kaiser β = 5, half-length
    /// `10 · max(up, down)`).
    pub fn new(ratio: Ratio) -> Self {
        let Ratio { up, down } = ratio;
        let max_rate = up.max(down);
        let half_len = 10 * max_rate;
        let mut taps = kaiser_lowpass(2 * half_len + 1, 1.0 / max_rate as f64, 5.0);
        for v in &mut taps {
            *v *= up as f64;
        }
        let pre_pad = down - half_len % down;
        let mut padded = vec![0.0; pre_pad];
        padded.extend(taps);
        Self {
            ratio,
            taps: padded,
            skip: (half_len + pre_pad) / down,
        }
    }

    /// The ratio this resampler applies.
    pub fn ratio(&self) -> Ratio {
        self.ratio
    }

    /// Resamples `x`; the output has [`Ratio::output_len`] samples.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.apply_range(x, 0..self.ratio.output_len(x.len()))
    }

    /// The output samples `range` of [`Resampler::apply`], each computed exactly as there,
    /// without computing the others (a 10 s window of a long record costs 10 s of work).
    /// The range is clipped to the output length.
    pub fn apply_range(&self, x: &[f64], range: std::ops::Range<usize>) -> Vec<f64> {
        let Ratio { up, down } = self.ratio;
        let n_out = self.ratio.output_len(x.len());
        let range = range.start.min(n_out)..range.end.min(n_out);
        let h = &self.taps;
        (self.skip + range.start..self.skip + range.end)
            .map(|j| {
                // Output j of upfirdn: Σ_k h[k] · x[(j·down − k) / up] over k ≡ j·down (mod up).
                let t = j * down;
                let mut k = t % up;
                let mut acc = 0.0;
                while k < h.len() && k <= t {
                    let i = (t - k) / up;
                    if i < x.len() {
                        acc += h[k] * x[i];
                    }
                    k += up;
                }
                acc
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_reduce() {
        assert_eq!(
            Ratio::between(1000.0, 500.0).unwrap(),
            Ratio { up: 1, down: 2 }
        );
        assert_eq!(
            Ratio::between(360.0, 500.0).unwrap(),
            Ratio { up: 25, down: 18 }
        );
        assert_eq!(
            Ratio::between(250.0, 500.0).unwrap(),
            Ratio { up: 2, down: 1 }
        );
        assert_eq!(
            Ratio::between(500.0, 500.0).unwrap(),
            Ratio { up: 1, down: 1 }
        );
        assert!(Ratio::between(0.0, 500.0).is_err());
        assert!(Ratio::between(f64::NAN, 500.0).is_err());
        assert!(Ratio::between(499.9999, 500.0).is_err());
        assert_eq!(Ratio { up: 25, down: 18 }.output_len(650_000), 902_778);
    }

    #[test]
    fn bessel_matches_known_values() {
        // I0(5) = 27.239871823604442 (Abramowitz & Stegun table 9.8).
        assert!((bessel_i0(5.0) - 27.239_871_823_604_442).abs() < 1e-12);
        assert_eq!(bessel_i0(0.0), 1.0);
    }

    /// Property: sines well inside the pass band (up to 40 % of the lower Nyquist frequency,
    /// any phase) come out unchanged away from the ends.
    #[test]
    fn preserves_a_band_limited_sine() {
        for (k, (from, to)) in [
            (1000.0, 500.0),
            (360.0, 500.0),
            (250.0, 500.0),
            (500.0, 250.0),
        ]
        .into_iter()
        .enumerate()
        {
            for (f, phase) in [
                (5.0, 0.0),
                (17.3, 1.0),
                (0.4 * 0.5 * f64::min(from, to), 2.0 + k as f64),
            ] {
                let n = (from * 4.0) as usize;
                let x: Vec<f64> = (0..n)
                    .map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / from + phase).sin())
                    .collect();
                let r = Resampler::new(Ratio::between(from, to).unwrap());
                let y = r.apply(&x);
                assert_eq!(y.len(), (to * 4.0) as usize);
                let edge = (to * 0.2) as usize;
                for (j, v) in y.iter().enumerate().take(y.len() - edge).skip(edge) {
                    let expected = (2.0 * std::f64::consts::PI * f * j as f64 / to + phase).sin();
                    assert!(
                        (v - expected).abs() < 2e-3,
                        "{from}→{to} {f} Hz [{j}] {v} vs {expected}"
                    );
                }
            }
        }
    }
}
