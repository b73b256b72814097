//! Section 1: the tags, and the acquisition facts read from them (never the patient's).

use super::*;

/// A section-1 tag whose value runs past the end of the section.
pub(crate) struct TruncatedTag;

/// Section 1's tags after its 16-byte header (tag u8, length u16, value), in order, until tag
/// 255 or the end of the bytes; a value that runs past the section yields `Err` and ends it.
pub(crate) fn section1_tags(
    section: &[u8],
) -> impl Iterator<Item = Result<(u8, &[u8]), TruncatedTag>> {
    let mut at = Some(16);
    std::iter::from_fn(move || {
        let start = at?;
        let tag = *section.get(start)?;
        let len = section
            .get(start + 1..start + 3)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))?;
        if tag == 255 {
            at = None;
            return None;
        }
        match section.get(start + 3..start + 3 + len) {
            Some(value) => {
                at = Some(start + 3 + len);
                Some(Ok((tag, value)))
            }
            None => {
                at = None;
                Some(Err(TruncatedTag))
            }
        }
    })
}

/// Device, date, time and filters from section 1's tags; every other tag, the patient's
/// included, is passed over unread.
pub(super) fn acquisition_tags(section: &[u8]) -> AcquisitionInfo {
    let mut info = AcquisitionInfo::default();
    let (mut date, mut time) = (None, None);
    let (mut high, mut low, mut mains) = (None, None, None);
    for entry in section1_tags(section) {
        let Ok((tag, value)) = entry else { break };
        match (tag, value) {
            // Acquiring device: the model description is 6 bytes at offset 8 (EN 1064 §5.4.3.1).
            (14, v) if v.len() >= 14 => {
                let model: String = v[8..14]
                    .iter()
                    .take_while(|&&b| b != 0)
                    .filter(|b| b.is_ascii_graphic() || **b == b' ')
                    .map(|&b| b as char)
                    .collect();
                info.device = Some(model.trim().to_string()).filter(|m| !m.is_empty());
            }
            (25, [y0, y1, m, d, ..]) => {
                date = Some(format!(
                    "{:04}-{m:02}-{d:02}",
                    u16::from_le_bytes([*y0, *y1])
                ));
            }
            (26, [h, m, sec, ..]) => time = Some(format!("{h:02}:{m:02}:{sec:02}")),
            (27, [a, b, ..]) => high = Some(f64::from(u16::from_le_bytes([*a, *b])) / 100.0),
            (28, [a, b, ..]) => low = Some(f64::from(u16::from_le_bytes([*a, *b]))),
            (29, [bits, ..]) => {
                mains = match bits & 3 {
                    1 => Some(60.0),
                    2 => Some(50.0),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    info.acquired = match (date, time) {
        (Some(d), Some(t)) => Some(format!("{d} {t}")),
        (d, t) => d.or(t),
    };
    info.cart_filters = AcquisitionInfo::describe_filters(high, low, mains);
    info
}
