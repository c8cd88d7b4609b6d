//! Where tensors live: the one place a [`Backend`] becomes a burn [`Device`], for the CLI, the
//! page and the benchmarks alike.

use burn::tensor::Device;

use crate::config::Backend;

/// The device for `backend` and a description for logs and the page's badge.
///
/// `auto` is CPU here: the page resolves `auto` itself by looking at the adapter and timing a
/// step on each device (`www/src/backend.ts`), and natively a GPU is used only when asked for,
/// since the tiny policies here step faster on the CPU than dispatch-bound GPU kernels do.
pub async fn open(backend: Backend) -> Result<(Device, String), String> {
    match backend {
        Backend::Auto | Backend::Cpu => Ok((Device::flex(), cpu_name().to_string())),
        Backend::Wgpu => gpu().await,
    }
}

fn cpu_name() -> &'static str {
    if cfg!(target_arch = "wasm32") {
        "CPU (wasm)"
    } else {
        "CPU"
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "gpu"))]
async fn gpu() -> Result<(Device, String), String> {
    // burn's wgpu runtime may be initialised once per process, and `compare` or a test opens
    // the device once per run: keep it.
    static GPU: std::sync::OnceLock<(Device, String)> = std::sync::OnceLock::new();
    if let Some(cached) = GPU.get() {
        return Ok(cached.clone());
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup()
        .map_err(|e| format!("backend wgpu: no usable GPU adapter ({e:?}); use cpu"))?;
    let info = setup.adapter.get_info();
    // A CPU-type adapter (Mesa's lavapipe, llvmpipe, SwiftShader) runs the kernels in software:
    // its timings say nothing about a GPU, so the name says so.
    let kind = match info.device_type {
        burn::tensor::wgpu::wgpu::DeviceType::Cpu => ", software",
        _ => "",
    };
    let name = format!("wgpu ({}, {:?}{kind})", info.name, info.backend);
    Ok(GPU.get_or_init(|| (device, name)).clone())
}

#[cfg(all(not(target_arch = "wasm32"), not(feature = "gpu")))]
async fn gpu() -> Result<(Device, String), String> {
    Err(
        "backend wgpu: this binary was built without GPU support; rebuild with \
         `cargo build --release --features gpu`, or use cpu"
            .to_string(),
    )
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// WebGPU may be initialised once per page (per worker here): keep the device.
    static WEBGPU: std::cell::RefCell<Option<(Device, String)>> =
        const { std::cell::RefCell::new(None) };
}

#[cfg(target_arch = "wasm32")]
async fn gpu() -> Result<(Device, String), String> {
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
