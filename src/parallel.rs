//! Splitting a batch of prompts over CPU threads: natively each run of whole groups gets its own
//! thread; in the browser (no threads here) the runs go one after another.

use std::ops::Range;

/// A job for [`run_all`].
pub type Job<'a, T> = Box<dyn FnOnce() -> T + Send + 'a>;

/// `count` items cut into at most `threads` contiguous runs of near-equal length.
pub fn runs(count: usize, threads: usize) -> Vec<Range<usize>> {
    let n = threads.min(count).max(1);
    (0..n).map(|i| i * count / n..(i + 1) * count / n).collect()
}

/// Runs `jobs` at once, one thread each (the first on the calling thread), and returns their
/// results in order; one after another in the browser.
pub fn run_all<T: Send>(jobs: Vec<Job<'_, T>>) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|scope| {
            let mut jobs = jobs.into_iter();
            let first = jobs.next();
            let others: Vec<_> = jobs.map(|job| scope.spawn(job)).collect();
            first
                .map(|job| job())
                .into_iter()
                .chain(others.into_iter().map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                }))
                .collect()
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        jobs.into_iter().map(|job| job()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_every_item_once_in_order() {
        assert_eq!(runs(16, 2), vec![0..8, 8..16]);
        assert_eq!(runs(5, 2), vec![0..2, 2..5]);
        assert_eq!(runs(3, 8), vec![0..1, 1..2, 2..3]);
        assert_eq!(runs(7, 1), vec![0..7]);
        assert_eq!(runs(0, 4), vec![0..0]);
    }

    #[test]
    fn results_come_back_in_job_order() {
        let jobs: Vec<Job<'_, usize>> = (0..4usize)
            .map(|i| Box::new(move || i * i) as Job<'_, _>)
            .collect();
        assert_eq!(run_all(jobs), vec![0, 1, 4, 9]);
    }
}
