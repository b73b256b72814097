//! Running median with zero-padded edges, as `scipy.signal.medfilt(x, kernel)`.

/// The median of every window of `kernel` samples centred on each sample of `x`, with zeros
/// outside the signal (scipy's `medfilt`). `kernel` must be odd; an even kernel is rounded up
/// to the next odd size, as scipy would refuse it.
///
/// A sorted copy of the window is kept and updated by one removal and one insertion per step
/// (binary search), so the cost is O(n · kernel) moves but no sorting per sample.
pub fn median_filter(x: &[f64], kernel: usize) -> Vec<f64> {
    let kernel = kernel | 1;
    let half = kernel / 2;
    let n = x.len();
    let at = |i: isize| -> f64 {
        if i >= 0 && (i as usize) < n {
            x[i as usize]
        } else {
            0.0
        }
    };
    let mut window: Vec<f64> = (-(half as isize)..=half as isize).map(at).collect();
    window.sort_by(f64::total_cmp);
    let mut out = Vec::with_capacity(n);
    for i in 0..n as isize {
        out.push(window[half]);
        let leaving = at(i - half as isize);
        let entering = at(i + half as isize + 1);
        if leaving.total_cmp(&entering).is_ne() {
            let pos = window
                .binary_search_by(|v| v.total_cmp(&leaving))
                .unwrap_or_else(|p| p.min(window.len() - 1));
            window.remove(pos);
            let pos = window
                .binary_search_by(|v| v.total_cmp(&entering))
                .unwrap_or_else(|p| p);
            window.insert(pos, entering);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f64], kernel: usize) -> Vec<f64> {
        let half = kernel as isize / 2;
        (0..x.len() as isize)
            .map(|i| {
                let mut w: Vec<f64> = (i - half..=i + half)
                    .map(|j| {
                        if j >= 0 && (j as usize) < x.len() {
                            x[j as usize]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                w.sort_by(f64::total_cmp);
                w[half as usize]
            })
            .collect()
    }

    #[test]
    fn matches_a_sort_per_window() {
        let x: Vec<f64> = (0..300)
            .map(|i| ((i * 7919) % 101) as f64 - 50.0 + if i % 13 == 0 { 3.0 } else { 0.0 })
            .collect();
        for kernel in [1, 3, 5, 21, 201, 401] {
            assert_eq!(
                median_filter(&x, kernel),
                naive(&x, kernel),
                "kernel {kernel}"
            );
        }
    }

    #[test]
    fn edges_see_zeros() {
        // A window of 5 at index 0 sees [0, 0, 5, 5, 5]: median 5; with kernel 7, [0,0,0,5,5,5,5].
        assert_eq!(median_filter(&[5.0; 6], 5), vec![5.0; 6]);
        assert_eq!(median_filter(&[5.0; 4], 7), vec![5.0, 5.0, 5.0, 5.0]);
        assert_eq!(median_filter(&[5.0; 3], 7), vec![0.0, 0.0, 0.0]);
    }
}
