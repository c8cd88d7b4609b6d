//! `grpo-playground export --to trl|verl`: a config as the settings of the tools that train
//! real models.

use std::path::PathBuf;

use grpo_playground::export;

use super::read_config;

/// `config` (with `sets`) as `to`'s settings.
pub fn export(to: &str, config: Option<&PathBuf>, sets: &[String]) -> Result<String, String> {
    let target: export::Target = to
        .parse()
        .map_err(|e: grpo_playground::ConfigError| format!("--{e}"))?;
    let config = read_config(config, sets)?;
    export::export(&config, target)
        .map(|e| e.to_string())
        .map_err(|e| e.to_string())
}
