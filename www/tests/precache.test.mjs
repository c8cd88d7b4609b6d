// The service worker's build step (src/precache.ts): sw.js gets the build's file list and a
// version that changes with any file's contents, so a new build installs a new worker and cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support.mjs';

const { precache } = await load('/src/precache.ts');

/** A bundle as Rollup hands it to generateBundle: the worker chunk and two other files. */
function bundle(css) {
  return {
    'sw.js': { type: 'chunk', isEntry: true, name: 'sw', fileName: 'sw.js', code: 'const p = __PRECACHE__;' },
    'assets/index-abc.js': { type: 'chunk', isEntry: true, name: 'main', fileName: 'assets/index-abc.js', code: 'main()' },
    'assets/index-abc.js.map': { type: 'asset', fileName: 'assets/index-abc.js.map', source: '{}' },
    'index.html': { type: 'asset', fileName: 'index.html', source: '<html>' },
    'assets/style.css': { type: 'asset', fileName: 'assets/style.css', source: new TextEncoder().encode(css) },
  };
}

function written(css) {
  const b = bundle(css);
  precache().generateBundle.handler({}, b);
  return JSON.parse(b['sw.js'].code.slice('const p = '.length, -1));
}

test('sw.js lists every file of the build but itself and source maps', () => {
  assert.deepEqual(written('a{}').files, ['./', 'assets/index-abc.js', 'assets/style.css', 'index.html']);
});

test('the version is the same for the same files and changes when any content changes', () => {
  assert.match(written('a{}').version, /^[0-9a-f]{8}$/);
  assert.equal(written('a{}').version, written('a{}').version);
  assert.notEqual(written('a{}').version, written('b{}').version);
});
