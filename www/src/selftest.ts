// The in-browser half of the cross-backend check (tests/browser.test.mjs): the same weights
// (initialised on the CPU, moved by a checkpoint) must give the same loss on a fixed batch on
// WebGPU and on the CPU in wasm, and a WebGPU checkpoint must carry them back.
import init, { Session } from '../pkg/grpo_playground.js';

const CONFIG = {
  task: { name: 'arithmetic', digits: 1 },
  model: { d_model: 32, n_layers: 1, n_heads: 2 },
  algo: { preset: 'grpo' },
  train: { max_completion_length: 3, num_generations: 4, prompts_per_step: 4 },
  seed: 0,
};

declare global {
  interface Window {
    selftest: () => Promise<{ cpu: number; webgpu: number; roundtrip: number }>;
  }
}

window.selftest = async () => {
  await init();
  const cpu = await Session.create(JSON.stringify(CONFIG), 'cpu');
  const bytes = (await cpu.save()) as Uint8Array;
  const gpu = await Session.load(bytes, 'webgpu');
  // And back: a WebGPU session's checkpoint (read back asynchronously) resumes on the CPU.
  const back = await Session.load((await gpu.save()) as Uint8Array, 'cpu');
  const result = {
    cpu: Number(await cpu.probe_loss()),
    webgpu: Number(await gpu.probe_loss()),
    roundtrip: Number(await back.probe_loss()),
  };
  for (const s of [cpu, gpu, back]) s.free();
  return result;
};
