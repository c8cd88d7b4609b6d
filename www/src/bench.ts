// The in-browser half of the benchmark (bench.html; driven by bench/reference.mjs): times the
// reference training step on one backend with the crate's own `bench` and prints the result.
import init, { bench } from '../pkg/grpo_playground.js';

interface BenchResult {
  backend: string;
  timing: { rollout_ms: number; update_ms: number; step_ms: number; completions_per_s: number; steps: number };
  kernels: { op: string; ms: number }[];
}

declare global {
  interface Window {
    benchResult?: BenchResult | { error: string };
  }
}

const params = new URLSearchParams(location.search);
const out = document.querySelector('[data-testid="bench-result"]') as HTMLElement;

async function run(): Promise<BenchResult> {
  await init();
  const json = await bench(params.get('backend') ?? 'cpu', Number(params.get('warmup') ?? 3), Number(params.get('steps') ?? 10));
  return JSON.parse(String(json)) as BenchResult;
}

run().then(
  (r) => {
    const t = r.timing;
    out.textContent = [
      `${r.backend}: medians of ${t.steps} steps`,
      `rollout ${t.rollout_ms.toFixed(1)} ms · update ${t.update_ms.toFixed(1)} ms · step ${t.step_ms.toFixed(1)} ms · ${t.completions_per_s.toFixed(0)} completions/s`,
      '',
      ...r.kernels.map((k) => `${k.ms.toFixed(3).padStart(9)} ms  ${k.op}`),
    ].join('\n');
    window.benchResult = r;
  },
  (e: unknown) => {
    out.textContent = `failed: ${String(e)}`;
    window.benchResult = { error: String(e) };
  },
);
