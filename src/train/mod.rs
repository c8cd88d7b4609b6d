//! The training loop: rollout → verify → advantages → inner epochs of updates → metrics, with
//! supervised warm-up, evaluation and checkpoints. The step is `async` and reads the device back
//! only through `into_data_async`, so the same code runs in the browser; natively a blocking
//! executor drives it. What runs several trainings lives in [`crate::experiments`], what the
//! schema says about the crate in [`crate::catalog`]; neither is imported here.

pub mod checkpoint;
pub(crate) mod host;
pub mod metrics;
pub mod trainer;

pub use metrics::{Phase, StepMetrics};

pub use trainer::{TrainError, TrainedBatch, Trainer};
