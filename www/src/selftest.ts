// The in-browser half of the cross-backend check (tests/browser.test.mjs): the same weights
// (initialised on the CPU, moved by a checkpoint) must give the same loss on a fixed batch on
// WebGPU and on the CPU in wasm.
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
    selftest: () => Promise<{ cpu: number; webgpu: number }>;
  }
}

window.selftest = async () => {
  await init();
  const cpu = await Session.create(JSON.stringify(CONFIG), 'cpu');
  const bytes = cpu.save();
  const gpu = await Session.load(bytes, 'webgpu');
  const result = { cpu: Number(await cpu.probe_loss()), webgpu: Number(await gpu.probe_loss()) };
  cpu.free();
  gpu.free();
  return result;
};
