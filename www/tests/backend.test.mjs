// Where the runs train (src/backend.ts): the choice between WebGPU and the CPU, without a GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support.mjs';

const B = await load('/src/backend.ts');

const swiftShader = { vendor: 'google', architecture: 'swiftshader', device: 'subzero', description: 'SwiftShader Device (Subzero)' };
const fallback = { vendor: 'mesa', architecture: 'llvmpipe', device: '', description: 'llvmpipe', isFallbackAdapter: true };
const hardware = { vendor: 'nvidia', architecture: 'ada', device: '', description: '' };

test('adapters: a name for the badge, and software ones recognised', () => {
  assert.deepEqual(B.describeAdapter(swiftShader), { name: 'SwiftShader Device (Subzero)', software: 'SwiftShader' });
  assert.deepEqual(B.describeAdapter(fallback), { name: 'llvmpipe', software: 'llvmpipe' });
  assert.deepEqual(B.describeAdapter(hardware), { name: 'nvidia ada', software: '' });
  assert.deepEqual(B.describeAdapter({ vendor: '', architecture: '', device: '', description: '' }), { name: 'unnamed adapter', software: '' });
});

test('the choice before timing: CPU when chosen, without WebGPU or on a software adapter; WebGPU when chosen', () => {
  const sw = B.describeAdapter(swiftShader);
  const hw = B.describeAdapter(hardware);
  assert.deepEqual(B.decide('cpu', hw), { device: 'cpu', reason: 'chosen in settings', adapterName: '' });
  assert.deepEqual(B.decide('auto', 'WebGPU unavailable'), { device: 'cpu', reason: 'WebGPU unavailable', adapterName: '' });
  assert.deepEqual(B.decide('webgpu', 'no WebGPU adapter'), { device: 'cpu', reason: 'no WebGPU adapter', adapterName: '' });
  assert.deepEqual(B.decide('auto', sw), { device: 'cpu', reason: 'software adapter (SwiftShader)', adapterName: sw.name });
  assert.equal(B.decide('auto', B.describeAdapter(fallback)).device, 'cpu');
  assert.deepEqual(B.decide('webgpu', sw), { device: 'webgpu', reason: 'chosen in settings', adapterName: sw.name }, 'the user may insist');
  assert.equal(B.decide('auto', hw), null, 'auto on hardware: time a step on each');
});

test('after timing: the faster device; the CPU when WebGPU failed or tied', () => {
  const hw = B.describeAdapter(hardware);
  assert.deepEqual(B.afterCalibration(hw, { cpuMs: 20, webgpuMs: 5, error: '' }), { device: 'webgpu', reason: 'faster: WebGPU 5.0 ms/step, CPU 20.0 ms/step', adapterName: 'nvidia ada' });
  assert.equal(B.afterCalibration(hw, { cpuMs: 5, webgpuMs: 20, error: '' }).device, 'cpu');
  assert.equal(B.afterCalibration(hw, { cpuMs: 5, webgpuMs: 5, error: '' }).device, 'cpu');
  assert.deepEqual(B.afterCalibration(hw, { cpuMs: 5, webgpuMs: null, error: 'device lost' }), { device: 'cpu', reason: 'WebGPU failed: device lost', adapterName: 'nvidia ada' });
});

test('a WebGPU run\'s failure falls back to the CPU only when the GPU is to blame', () => {
  for (const m of ['GPU device was lost', 'RuntimeError: unreachable', 'panicked at src/x.rs', 'shader compilation failed', 'Out of memory']) assert.ok(B.isGpuFailure(m), m);
  for (const m of ['train.learning_rate: 0 is out of range; allowed: > 0', 'a step is already running on this session']) assert.ok(!B.isGpuFailure(m), m);
  const after = B.afterGpuFailure({ device: 'webgpu', reason: 'faster', adapterName: 'nvidia ada' }, 'device lost');
  assert.deepEqual(after, { device: 'cpu', reason: 'WebGPU failed mid-run (device lost); resumed on CPU', adapterName: 'nvidia ada' });
  assert.equal(B.badgeText(after), 'CPU — WebGPU failed mid-run (device lost); resumed on CPU');
  assert.equal(B.badgeText({ device: 'webgpu', reason: '', adapterName: 'nvidia ada' }), 'WebGPU (nvidia ada)');
});
