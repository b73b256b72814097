//! Bimodal compression of section 6: protected zones at the full rate, the rest decimated.

use super::*;

/// SCP-ECG bimodal compression, as the open decoders (BioSig's `scp-decode`, written with the
/// standard's Italian reference group, and ecgtoolkit) read EN 1064: outside the protected zones
/// of section 4 (one `QB..QE` pair per QRS, u32 each, after the QRS table; 1-based sample
/// numbers at the full rate) the rhythm data are stored decimated by `factor` = section 6's
/// sample interval / section 5's (an integer from 2 to 4): each stretch of `n` unprotected
/// samples is stored as `n / factor` means of `factor` consecutive samples followed by its last
/// `n % factor` samples as they are (BioSig's convention; ecgtoolkit's encoder aligns zones to
/// the factor so that no remainder occurs). Protected samples are stored one for one.
///
/// Decoding puts each mean at the centre of its group and interpolates linearly between
/// neighbouring centres, holding the first and last mean flat to the stretch's edges: a ramp
/// comes back exactly away from the edges. No extra smoothing is applied. Differences are undone
/// on the stored values, before this expansion.
pub(super) struct Bimodal {
    pub(super) factor: usize,
    pub(super) full_interval_us: f64,
    /// Protected zones, 1-based inclusive sample numbers, sorted and disjoint.
    pub(super) zones: Vec<(usize, usize)>,
}

/// A stretch of one lead: `n` samples stored one for one, or decimated.
pub(super) enum Stretch {
    Protected(usize),
    Decimated(usize),
}

impl Bimodal {
    /// `None` unless section 6 flags bimodal compression with a factor above one.
    pub(super) fn read(
        r: &Reader<'_>,
        section: &dyn Fn(u16) -> Option<(usize, usize)>,
        s6: usize,
    ) -> Result<Option<Self>, ScpError> {
        if r.u8(s6 + 21, 6)? == 0 {
            return Ok(None);
        }
        let interval_6 = usize::from(r.u16(s6 + 18, 6)?);
        let missing = |id: u16, why: &str| ScpError::Malformed {
            byte_offset: s6 + 21,
            section: 6,
            what: format!("bimodal compression is flagged but section {id} ({why}) is missing"),
        };
        let (s5, _) = section(5).ok_or_else(|| missing(5, "the full sample rate"))?;
        let interval_5 = usize::from(r.u16(s5 + 18, 5)?);
        if interval_5 == 0 || interval_6 == 0 || interval_6 % interval_5 != 0 {
            return Err(ScpError::Malformed {
                byte_offset: s6 + 18,
                section: 6,
                what: format!(
                    "bimodal compression from {interval_5} µs to {interval_6} µs is not a whole \
                     decimation factor"
                ),
            });
        }
        let factor = interval_6 / interval_5;
        if factor == 1 {
            return Ok(None);
        }
        if factor > 4 {
            return Err(ScpError::Unsupported {
                section: 6,
                what: format!("bimodal decimation by {factor} (the standard allows 1 to 4)"),
            });
        }
        let (s4, s4_len) = section(4).ok_or_else(|| missing(4, "the protected zones"))?;
        let qrs_count = usize::from(r.u16(s4 + 20, 4)?);
        let zones_at = s4 + 22 + 14 * qrs_count;
        if zones_at + 8 * qrs_count > s4 + s4_len {
            return Err(ScpError::Malformed {
                byte_offset: zones_at,
                section: 4,
                what: format!(
                    "the protected zones of {qrs_count} QRS complexes run past the section"
                ),
            });
        }
        let mut zones = Vec::with_capacity(qrs_count);
        for q in 0..qrs_count {
            let at = zones_at + 8 * q;
            let (start, end) = (r.u32(at, 4)? as usize, r.u32(at + 4, 4)? as usize);
            if start > 0 && end >= start {
                zones.push((start, end, at));
            }
        }
        zones.sort_unstable();
        for pair in zones.windows(2) {
            if pair[1].0 <= pair[0].1 {
                return Err(ScpError::Malformed {
                    byte_offset: pair[1].2,
                    section: 4,
                    what: format!(
                        "protected zone {}..{} overlaps {}..{}",
                        pair[1].0, pair[1].1, pair[0].0, pair[0].1
                    ),
                });
            }
        }
        Ok(Some(Bimodal {
            factor,
            full_interval_us: interval_5 as f64,
            zones: zones.into_iter().map(|(a, b, _)| (a, b)).collect(),
        }))
    }

    /// The lead cut into protected and decimated stretches, in order.
    pub(super) fn stretches(&self, lead: &LeadSpan) -> Vec<Stretch> {
        let last = lead.first + lead.samples - 1;
        let mut out = Vec::new();
        let mut at = lead.first;
        for &(start, end) in &self.zones {
            let (start, end) = (start.max(lead.first), end.min(last));
            if end < start {
                continue;
            }
            if start > at {
                out.push(Stretch::Decimated(start - at));
            }
            out.push(Stretch::Protected(end - start + 1));
            at = end + 1;
        }
        if at <= last {
            out.push(Stretch::Decimated(last + 1 - at));
        }
        out
    }

    /// How many values section 6 holds for the lead.
    pub(super) fn stored(&self, lead: &LeadSpan) -> usize {
        self.stretches(lead)
            .iter()
            .map(|s| match *s {
                Stretch::Protected(n) => n,
                Stretch::Decimated(n) => n / self.factor + n % self.factor,
            })
            .sum()
    }

    /// Share of the lead stored at the full rate.
    pub(super) fn full_rate_share(&self, lead: &LeadSpan) -> f64 {
        let protected: usize = self
            .stretches(lead)
            .iter()
            .map(|s| match *s {
                Stretch::Protected(n) => n,
                Stretch::Decimated(_) => 0,
            })
            .sum();
        protected as f64 / lead.samples.max(1) as f64
    }

    /// The lead at the full rate from its stored values (at least [`Bimodal::stored`] of them).
    pub(super) fn expand(&self, lead: &LeadSpan, stored: &[f64]) -> Vec<f64> {
        let k = self.factor;
        let mut out = Vec::with_capacity(lead.samples);
        let mut at = 0;
        for stretch in self.stretches(lead) {
            match stretch {
                Stretch::Protected(n) => out.extend_from_slice(&stored[at..at + n]),
                Stretch::Decimated(n) => {
                    let means = &stored[at..at + n / k];
                    // Sample t of the stretch sits at (t − (k − 1)/2) / k in units of groups.
                    let centre = (k as f64 - 1.0) / 2.0;
                    for t in 0..means.len() * k {
                        let x = (t as f64 - centre) / k as f64;
                        let value = if x <= 0.0 {
                            means[0]
                        } else if x >= (means.len() - 1) as f64 {
                            means[means.len() - 1]
                        } else {
                            let j = x.floor() as usize;
                            let frac = x - j as f64;
                            means[j] + (means[j + 1] - means[j]) * frac
                        };
                        out.push(value);
                    }
                    let rest = at + n / k;
                    out.extend_from_slice(&stored[rest..rest + n % k]);
                }
            }
            at += match stretch {
                Stretch::Protected(n) => n,
                Stretch::Decimated(n) => n / k + n % k,
            };
        }
        out
    }
}
