//! Tiny policies as burn modules on a runtime [`burn::tensor::Device`] (CPU flex or wgpu):
//! a decoder-only transformer, batched sampling with a shared-prefix KV cache, and the
//! log-probabilities and entropies of given completions, and PPO's critic (the same transformer
//! with a value head) with its values of them.

pub mod filters;
pub mod generate;
pub mod transformer;

pub use filters::Filters;
pub use generate::{
    Batch, Completions, Sampling, completion_logprobs, completion_logprobs_and_sum_pi_squared,
    completion_values, generate, sum_pi_squared,
};
pub use transformer::{ModelConfig, Transformer};
