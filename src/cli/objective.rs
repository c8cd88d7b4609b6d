//! `grpo-playground objective`: the objective oracle on the JSON batch on stdin
//! (shared/golden/README.md), without any model.

use std::io::Read;

use burn::tensor::{Device, FloatDType};
use grpo_playground::oracle::{self, ObjectiveInput};

/// The oracle's output for the batch on stdin, in f32 (the training path) or f64.
pub fn objective(f32: bool) -> Result<String, String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("stdin: {e}"))?;
    let input = ObjectiveInput::from_json(&text).map_err(|e| e.to_string())?;
    let dtype = if f32 {
        FloatDType::F32
    } else {
        FloatDType::F64
    };
    let device = Device::flex().autodiff();
    let output = futures_lite::future::block_on(oracle::evaluate(&input, &device, dtype))
        .map_err(|e| e.to_string())?;
    serde_json::to_string(&output).map_err(|e| e.to_string())
}
