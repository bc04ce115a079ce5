//! FFT plans shared by every estimator in the process.
//!
//! Planning a real FFT computes its twiddle factors, a sine and a cosine per point:
//! planning the forward and inverse transforms of 40 500 points (a `locar-aru9` event)
//! takes about 1.4 ms, as long as eleven of the transforms themselves. Estimators are
//! created often (one per thread for each batch of events, one per frame length in
//! the Python one-shot calls), so the plans of the most recently used lengths are
//! kept here and shared: a plan is immutable and thread-safe once made (an `Arc`),
//! and each estimator keeps its own scratch buffers.
//!
//! The cache holds at most [`KEPT_LENGTHS`] lengths, the least recently used going
//! first, so a program that sweeps through many frame lengths does not keep the
//! twiddles of every one.

use std::sync::{Arc, Mutex, PoisonError};

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Most FFT lengths whose plans are kept (a pipeline uses one or two; a few more
/// serve callers that alternate between frame lengths).
const KEPT_LENGTHS: usize = 8;

/// The forward and inverse real FFT of one length.
pub(super) type RealPlans = (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>);

/// Plans kept by length, most recently used first.
struct PlanCache {
    kept: Mutex<Vec<(usize, RealPlans)>>,
    capacity: usize,
}

impl PlanCache {
    const fn new(capacity: usize) -> Self {
        PlanCache {
            kept: Mutex::new(Vec::new()),
            capacity,
        }
    }

    /// The plans of `fft_len` points, planned unless kept.
    fn plans(&self, fft_len: usize) -> RealPlans {
        // The list stays valid whatever a panicking holder did: every change is one
        // insertion or removal.
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);

        let plans = match kept.iter().position(|(len, _)| *len == fft_len) {
            Some(index) => kept.remove(index).1,
            None => {
                let mut planner = RealFftPlanner::<f64>::new();
                let forward = planner.plan_fft_forward(fft_len);
                let inverse = planner.plan_fft_inverse(fft_len);
                (forward, inverse)
            }
        };
        kept.insert(0, (fft_len, plans.clone()));
        kept.truncate(self.capacity);
        plans
    }
}

/// The process's kept plans.
static SHARED: PlanCache = PlanCache::new(KEPT_LENGTHS);

/// The forward and inverse real FFT plans of `fft_len` points, planned on first use.
pub(super) fn real_fft_plans(fft_len: usize) -> RealPlans {
    SHARED.plans(fft_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_length_is_planned_once_and_shared() {
        let cache = PlanCache::new(2);
        let (forward, inverse) = cache.plans(4050);
        let (again, _) = cache.plans(4050);
        assert!(Arc::ptr_eq(&forward, &again));
        assert_eq!(forward.len(), 4050);
        assert_eq!(inverse.len(), 4050);
    }

    #[test]
    fn the_least_recently_used_length_goes_first() {
        let cache = PlanCache::new(2);
        let (a, b, c) = (cache.plans(64).0, cache.plans(96).0, cache.plans(128).0);
        assert!(Arc::ptr_eq(&cache.plans(128).0, &c));
        assert!(Arc::ptr_eq(&cache.plans(96).0, &b));
        // 64 was evicted when 128 came in, and planned again now.
        let replanned = cache.plans(64).0;
        assert!(!Arc::ptr_eq(&replanned, &a));
        assert_eq!(replanned.len(), 64);
        // 64 and 96 are now the kept ones, 128 gone.
        assert!(Arc::ptr_eq(&cache.plans(96).0, &b));
        assert!(!Arc::ptr_eq(&cache.plans(128).0, &c));
    }

    #[test]
    fn the_shared_cache_plans_the_asked_length() {
        let (forward, inverse) = real_fft_plans(2 * 3 * 7 * 11);
        assert_eq!((forward.len(), inverse.len()), (462, 462));
    }
}
