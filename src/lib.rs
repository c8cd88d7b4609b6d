//! grpo-playground: the group-relative policy optimizer family (GRPO, Dr. GRPO, DAPO, GSPO, RLOO,
//! REINFORCE++, ReMax, CPPO, GPG, ...) on tiny policies and verifiable toy tasks, natively and in
//! the browser.
//!
//! Layers, each depending only on those after it: the CLI and [`web`] → [`experiments`] →
//! [`train`] → [`oracle`] → [`algo`], [`policy`], [`tasks`] → [`config`], [`schema`], [`rng`],
//! [`error`]. [`catalog`] reads the declarations (and the experiments' lessons and measures); the
//! trainer imports neither it nor the experiments. [`export`] reads the knobs' declarations
//! ([`config`], [`algo`]) and no training code. `algo` is pure tensor math over burn's runtime
//! [`burn::tensor::Device`]; `tasks` never touches burn.

pub mod algo;
pub mod catalog;
pub mod config;
pub mod device;
pub mod error;
pub mod experiments;
pub mod export;
pub mod oracle;
pub mod parallel;
pub mod policy;
pub mod rng;
pub mod schema;
pub mod tasks;
pub mod train;
#[cfg(test)]
mod typescript;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::ConfigError;
