//! Reference-beat subtraction undone: the median beat of sections 4 and 5 added back.

use super::*;

/// Reference-beat subtraction undone (EN 1064 sections 4 and 5): the reference beat (section 5,
/// `L` ms long, fiducial at sample `fcM`) is added back to the residual at every QRS of type 0,
/// from its subtraction start `SB` to end `SE` (1-based sample numbers), aligned so that its
/// fiducial falls on the QRS's `fc`: `x[i] += ref[i − fc + fcM]`. Reference values are scaled
/// to the rhythm's AVM. The reference beat must be at the rhythm's (full) sample rate.
pub(super) fn add_reference_beats(
    r: &Reader<'_>,
    section: &dyn Fn(u16) -> Option<(usize, usize)>,
    (rhythm_avm_nv, rhythm_interval_us): (f64, f64),
    values: &mut [Vec<f64>],
    tables: Option<&[Vec<Code>]>,
    limits: &Limits,
) -> Result<(), ScpError> {
    let missing = |id: u16| ScpError::Malformed {
        byte_offset: 6,
        section: 0,
        what: format!("reference-beat subtraction is flagged but section {id} is missing"),
    };
    let (s4, _) = section(4).ok_or_else(|| missing(4))?;
    let (s5, s5_len) = section(5).ok_or_else(|| missing(5))?;
    let length_ms = f64::from(r.u16(s4 + 16, 4)?);
    let fcm = usize::from(r.u16(s4 + 18, 4)?);
    let qrs_count = usize::from(r.u16(s4 + 20, 4)?);
    let interval_5 = f64::from(r.u16(s5 + 18, 5)?);
    if interval_5 != rhythm_interval_us {
        return Err(ScpError::Unsupported {
            section: 5,
            what: format!(
                "a reference beat sampled every {interval_5} µs with rhythm data every \
                 {rhythm_interval_us} µs"
            ),
        });
    }
    let ref_samples = (length_ms * 1000.0 / interval_5).round() as usize;
    if ref_samples > limits.max_samples_per_lead {
        return Err(ScpError::Limit(OverLimit {
            what: "reference-beat samples",
            found: ref_samples,
            limit: limits.max_samples_per_lead,
        }));
    }
    let counts = vec![ref_samples; values.len()];
    let reference = decode_block(r, 5, s5, s5_len, &counts, tables)?;
    let scale = reference.avm_nv / rhythm_avm_nv;
    for q in 0..qrs_count {
        let at = s4 + 22 + 14 * q;
        let beat_type = r.u16(at, 4)?;
        if beat_type != 0 {
            continue;
        }
        let (sb, fc, se) = (
            r.u32(at + 2, 4)? as usize,
            r.u32(at + 6, 4)? as usize,
            r.u32(at + 10, 4)? as usize,
        );
        for (lead, reference) in values.iter_mut().zip(&reference.values) {
            for i in sb.max(1)..=se.min(lead.len()) {
                // 1-based: sample i of the rhythm takes reference sample i − fc + fcM.
                let k = (i + fcm)
                    .checked_sub(fc)
                    .filter(|k| (1..=reference.len()).contains(k));
                if let Some(k) = k {
                    lead[i - 1] += f64::from(reference[k - 1]) * scale;
                }
            }
        }
    }
    Ok(())
}
