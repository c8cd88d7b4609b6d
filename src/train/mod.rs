//! The training loop: rollout → verify → advantages → inner epochs of updates → metrics, with
//! supervised warm-up, evaluation and checkpoints. The step is `async` and reads the device back
//! only through `into_data_async`, so the same code runs in the browser; natively a blocking
//! executor drives it.

pub mod checkpoint;
pub mod compare;
pub(crate) mod host;
pub mod lesson;
pub mod metrics;
#[cfg(not(target_arch = "wasm32"))]
pub mod paired;
pub mod schema;
pub mod tables;
pub mod trainer;

pub use metrics::{Phase, StepMetrics};
pub mod bench;

pub use trainer::{TrainError, TrainedBatch, Trainer};
