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

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// Sub-millisecond, in pages and workers alike (`Date.now()` ticks in whole ms).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}
