//! grpo-playground: the group-relative policy optimizer family (GRPO, Dr. GRPO, DAPO, GSPO, RLOO,
//! REINFORCE++, ReMax, CPPO, GPG, ...) on tiny policies and verifiable toy tasks, natively and in
//! the browser.
//!
//! Layers, each depending only on those after it: [`oracle`] (and the CLI) → [`algo`] →
//! [`config`]/[`error`]. `algo` is pure tensor math over burn's runtime [`burn::tensor::Device`].

pub mod algo;
pub mod config;
pub mod error;
pub mod oracle;

pub use error::ConfigError;
