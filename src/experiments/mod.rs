//! What runs several trainings, or one to measure it: paired runs on shared seeds and warm-ups,
//! the measures of a run, the comparison of configs, lessons (a paper's finding checked on
//! paired seeds) and the benchmark of the step. These drive [`crate::train`], which never
//! imports them.

pub mod bench;
pub mod compare;
pub mod lesson;
pub mod measures;
#[cfg(not(target_arch = "wasm32"))]
pub mod paired;
