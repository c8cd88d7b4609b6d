//! The browser surface (wasm-bindgen): an async [`Session`] per training run, used by the Web
//! Workers of `www/`. Private functions return `Result<_, String>`; only the bound ones turn
//! errors into `JsError`, so every failure rejects the caller's promise with a readable message.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::algo::{Knobs, PRESETS};
use crate::config::RunConfig;
use crate::tasks::vocab::spell_all;
use crate::train::Trainer;

unsafe extern "C" {
    /// cubecl registers static constructors; without one explicit call here every JS→wasm call
    /// would run them again.
    fn __wasm_call_ctors();
}

#[wasm_bindgen(start)]
pub fn start() {
    // SAFETY: called once, first, before any other export runs.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
}

thread_local! {
    /// WebGPU may be initialised once per page (per worker here): keep the device.
    static WEBGPU: RefCell<Option<(Device, String)>> = const { RefCell::new(None) };
}

/// The device for `backend` (`cpu` or `webgpu`) and a description for the badge.
async fn device(backend: &str) -> Result<(Device, String), String> {
    match backend {
        "cpu" => Ok((Device::flex(), "CPU (wasm)".to_string())),
        "webgpu" => {
            if let Some(cached) = WEBGPU.with(|w| w.borrow().clone()) {
                return Ok(cached);
            }
            let (device, setup) = Device::wgpu_options()
                .graphics_api(burn::tensor::wgpu::WgpuBackend::WebGpu)
                .init_with_setup_async()
                .await
                .map_err(|e| format!("WebGPU initialisation failed: {e:?}"))?;
            let info = setup.adapter.get_info();
            let name = format!(
                "WebGPU ({})",
                if info.name.is_empty() {
                    "unnamed adapter"
                } else {
                    &info.name
                }
            );
            WEBGPU.with(|w| *w.borrow_mut() = Some((device.clone(), name.clone())));
            Ok((device, name))
        }
        other => Err(format!("backend: unknown `{other}`; allowed: cpu, webgpu")),
    }
}

/// One training run in the page.
#[wasm_bindgen]
pub struct Session {
    trainer: Rc<RefCell<Trainer>>,
    backend: String,
}

fn busy() -> JsError {
    JsError::new("a step is already running on this session")
}

#[derive(Serialize)]
struct SampleView {
    prompt: String,
    completion: String,
    prompt_tokens: Vec<u32>,
    completion_tokens: Vec<u32>,
    reward: f64,
    advantage: f64,
    correct: bool,
    kept: bool,
    details: String,
}

#[derive(Serialize)]
struct PresetView {
    name: &'static str,
    source: &'static str,
    knobs: serde_json::Map<String, serde_json::Value>,
}

#[wasm_bindgen]
impl Session {
    /// Builds a run from a JSON [`RunConfig`] on `backend` (`cpu` or `webgpu`).
    pub async fn create(config_json: String, backend: String) -> Result<Session, JsError> {
        let config =
            RunConfig::from_json(&config_json).map_err(|e| JsError::new(&e.to_string()))?;
        let (device, backend) = device(&backend).await.map_err(|e| JsError::new(&e))?;
        let trainer = Trainer::new(config, device).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session {
            trainer: Rc::new(RefCell::new(trainer)),
            backend,
        })
    }

    /// Restores a session saved by [`Session::save`].
    pub async fn load(bytes: Vec<u8>, backend: String) -> Result<Session, JsError> {
        let (device, backend) = device(&backend).await.map_err(|e| JsError::new(&e))?;
        let trainer = Trainer::load(&bytes, device).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session {
            trainer: Rc::new(RefCell::new(trainer)),
            backend,
        })
    }

    /// Continues a session saved by [`Session::save`] under another JSON config that changes
    /// only the optimizer and RL-phase knobs (`RunConfig::check_branch`): the page trains one
    /// warm-up per seed and branches every variant from it.
    pub async fn branch(
        bytes: Vec<u8>,
        config_json: String,
        backend: String,
    ) -> Result<Session, JsError> {
        let config =
            RunConfig::from_json(&config_json).map_err(|e| JsError::new(&e.to_string()))?;
        let (device, backend) = device(&backend).await.map_err(|e| JsError::new(&e))?;
        let trainer = Trainer::branch(&bytes, Some(config), device)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session {
            trainer: Rc::new(RefCell::new(trainer)),
            backend,
        })
    }

    /// Runs one step; resolves to its metrics as JSON.
    pub fn step(&self) -> js_sys::Promise {
        let trainer = self.trainer.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut t = trainer.try_borrow_mut().map_err(|_| busy())?;
            let metrics = t.step().await.map_err(|e| JsError::new(&e.to_string()))?;
            let json = serde_json::to_string(&metrics).map_err(|e| JsError::new(&e.to_string()))?;
            Ok(JsValue::from_str(&json))
        })
    }

    /// Greedy held-out evaluation; resolves to `{accuracy, reward_mean, regret}` as JSON.
    pub fn evaluate(&self) -> js_sys::Promise {
        let trainer = self.trainer.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let t = trainer.try_borrow().map_err(|_| busy())?;
            let e = t
                .evaluate()
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            Ok(JsValue::from_str(
                &serde_json::to_string(&e).unwrap_or_default(),
            ))
        })
    }

    /// The policy's next-token probabilities after the task's first evaluation prompt (a
    /// bandit's arm probabilities), as JSON `[p_arm0, ...]` over the arms, or `[]`.
    pub fn arm_probabilities(&self) -> js_sys::Promise {
        let trainer = self.trainer.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let t = trainer.try_borrow().map_err(|_| busy())?;
            let arms = match &t.config().task {
                crate::tasks::TaskConfig::Bandit(b) => b.arms,
                _ => return Ok(JsValue::from_str("[]")),
            };
            let prompt = t.task().eval_set()[0].prompt.clone();
            let probs = t
                .next_token_probs(&prompt)
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            let first = crate::tasks::vocab::ARM_0 as usize;
            Ok(JsValue::from_str(
                &serde_json::to_string(&probs[first..first + arms]).unwrap_or_default(),
            ))
        })
    }

    /// The objective of a fixed batch under the current weights (see `Trainer::probe_loss`):
    /// equal on every backend for the same weights.
    pub fn probe_loss(&self) -> js_sys::Promise {
        let trainer = self.trainer.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let t = trainer.try_borrow().map_err(|_| busy())?;
            let loss = t
                .probe_loss()
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            Ok(JsValue::from_f64(loss))
        })
    }

    /// Up to `n` completions of the last rollout (prompt, completion, reward, advantage), JSON.
    pub fn samples(&self, n: usize) -> Result<String, JsError> {
        let t = self.trainer.try_borrow().map_err(|_| busy())?;
        let views: Vec<SampleView> = t
            .samples()
            .iter()
            .take(n)
            .map(|s| SampleView {
                prompt: spell_all(&s.prompt),
                completion: spell_all(&s.completion),
                prompt_tokens: s.prompt.clone(),
                completion_tokens: s.completion.clone(),
                reward: s.reward,
                advantage: s.advantage,
                correct: s.correct,
                kept: s.kept,
                details: s.details.clone(),
            })
            .collect();
        serde_json::to_string(&views).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The whole training state; resolves to a `Uint8Array`.
    pub fn save(&self) -> js_sys::Promise {
        let trainer = self.trainer.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let t = trainer.try_borrow().map_err(|_| busy())?;
            let bytes = t.save().await.map_err(|e| JsError::new(&e.to_string()))?;
            Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Which device runs this session, e.g. `WebGPU (SwiftShader Device)` or `CPU (wasm)`.
    pub fn backend(&self) -> String {
        self.backend.clone()
    }

    /// Steps finished so far.
    pub fn steps_done(&self) -> usize {
        self.trainer
            .try_borrow()
            .map(|t| t.steps_done())
            .unwrap_or(0)
    }

    /// Number of policy parameters.
    pub fn parameter_count(&self) -> usize {
        self.trainer
            .try_borrow()
            .map(|t| t.policy().parameter_count())
            .unwrap_or(0)
    }
}

/// Every preset as JSON `[{name, source, knobs}]`, `knobs` = the values differing from the
/// defaults: the page's preset menu comes from here, not from a copy in TypeScript.
#[wasm_bindgen]
pub fn presets() -> String {
    let views: Vec<PresetView> = PRESETS
        .iter()
        .map(|p| PresetView {
            name: p.name,
            source: p.source,
            knobs: p
                .knobs
                .differences(&Knobs::DEFAULT)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        })
        .collect();
    serde_json::to_string(&views).unwrap_or_default()
}

/// Every task's complete default config, `{"arithmetic": RunConfig, "chain": ..., ...}`: what
/// a config naming only that task resolves to, so the page's controls start from the same values.
#[wasm_bindgen]
pub fn task_defaults() -> String {
    let all: serde_json::Map<String, serde_json::Value> = crate::tasks::TaskConfig::all()
        .into_iter()
        .map(|t| {
            let name = t.name().to_string();
            (
                name,
                serde_json::to_value(RunConfig::for_task(t)).unwrap_or_default(),
            )
        })
        .collect();
    serde_json::Value::Object(all).to_string()
}

/// Validates a run config; `""` when valid, else the message naming the field.
#[wasm_bindgen]
pub fn validate_config(config_json: &str) -> String {
    RunConfig::from_json(config_json)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// Times the step of the benchmark's reference run (`grpo-playground bench`) on `backend`:
/// medians of `steps` steps after `warmup`, then single operations at the step's shapes.
/// Resolves to JSON `{backend, timing, kernels}`.
#[wasm_bindgen]
pub async fn bench(backend: String, warmup: usize, steps: usize) -> Result<String, JsError> {
    use crate::train::bench;
    let js = |e: crate::train::TrainError| JsError::new(&e.to_string());
    let (device, name) = device(&backend).await.map_err(|e| JsError::new(&e))?;
    let mut trainer = Trainer::new(bench::reference_config(), device.clone()).map_err(js)?;
    let timing = bench::measure(&mut trainer, warmup, steps)
        .await
        .map_err(js)?;
    let kernels = bench::kernel_costs(&device, 20).await.map_err(js)?;
    Ok(serde_json::json!({ "backend": name, "timing": timing, "kernels": kernels }).to_string())
}
