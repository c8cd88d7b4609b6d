//! The host side of a step: uploading host values, reading tensors back (asynchronously only:
//! a synchronous readback kills a browser instance), and the wall clock.

use burn::tensor::{DType, Device, Tensor, TensorData};

use super::TrainError;

/// Host values → a device tensor in the policy's float dtype.
pub(crate) fn upload<const D: usize>(
    values: Vec<f32>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), (device, DType::F32))
}

/// A tensor's values on the host.
pub(crate) async fn read(tensor: Tensor<1>) -> Result<Vec<f64>, TrainError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| TrainError::Device(format!("readback failed: {e:?}")))?;
    Ok(data.iter::<f64>().collect())
}

/// Wall-clock milliseconds (monotonic natively; `performance.now()` in the browser).
pub(crate) fn now_ms() -> f64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1e3
    }
    #[cfg(target_arch = "wasm32")]
    {
        performance_now()
    }
}

/// `performance.now()`: sub-millisecond, in pages and workers alike (`Date.now()` ticks in whole
/// ms). Looked up once through `js_sys` rather than bound with `#[wasm_bindgen]`, which only
/// `web/` uses, and which the trainer may not import; `Date.now()` where a host lacks it.
#[cfg(target_arch = "wasm32")]
fn performance_now() -> f64 {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    thread_local! {
        static NOW: Option<(JsValue, Function)> = {
            Reflect::get(&js_sys::global(), &"performance".into())
                .ok()
                .and_then(|performance| {
                    let now = Reflect::get(&performance, &"now".into()).ok()?;
                    Some((performance, now.dyn_into::<Function>().ok()?))
                })
        };
    }
    NOW.with(|now| {
        now.as_ref()
            .and_then(|(performance, now)| now.call0(performance).ok()?.as_f64())
            .unwrap_or_else(js_sys::Date::now)
    })
}
