#!/usr/bin/env python3
"""The claims table (README "What the papers' changes do here"): each claim of claims.json runs
as one `grpo-playground compare --shared-warmup` on paired seeds (seed s of every arm shares
prompts, initial weights and the warm-up), arms = base.json plus the arm's overrides. Prints, per
claim, the paired difference of its metric to the first arm: mean ± sd over seeds and how many
seeds go the expected way; "reproduced" = right direction in >= 4/5 of the seeds and |mean| > sd.

  cargo build --release && python3 benches/claims/run.py [--seeds 5] [--jobs 2] [--only a_dr_grpo_length,...]
  python3 benches/claims/run.py --report    # the table again from the summaries of the last run
"""
import argparse, concurrent.futures as cf, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, '..', '..', 'target', 'release', 'grpo-playground')


def run_claim(name, claim, seeds, out_dir):
    base = json.load(open(os.path.join(HERE, 'base.json')))
    paths = []
    for i, (arm, sets) in enumerate(claim['arms'].items()):
        config = json.loads(json.dumps(base))
        for key, value in sets.items():
            node = config
            *parents, last = key.split('.')
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = value
        path = os.path.join(out_dir, f'{name}-{i}.json')
        json.dump(config, open(path, 'w'))
        paths.append(path)
    cmd = [BIN, 'compare', '--seeds', str(seeds), '--shared-warmup', '--json',
           '--csv', os.path.join(out_dir, f'{name}.csv'), '--steps-csv', os.path.join(out_dir, f'{name}_steps.csv')]
    for p in paths:
        cmd += ['--config', p]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f'{name}: {done.stderr.strip().splitlines()[-1]}')
    return json.loads(done.stdout)


def describe(name, claim, summary):
    arms = list(claim['arms'])
    rows = []
    for metric in [claim['metric']] + claim.get('also', []):
        for p in summary['paired']:
            if p['metric'] != metric or p['n'] == 0:
                continue
            arm = arms[[c['config'] for c in summary['configs']].index(p['config'])]
            want_up = claim['expect'] == 'higher'
            right = p['positive'] if want_up else p['n'] - p['positive']
            main = metric == claim['metric']
            ok = right >= max(1, (4 * p['n'] + 4) // 5) and abs(p['mean']) > p['sd'] and ((p['mean'] > 0) == want_up)
            verdict = ('reproduced' if ok else 'not reproduced') if main else '(also)'
            seeds = f"{right}/{p['n']} {claim['expect']}" if main else f"{p['positive']}/{p['n']} above 0"
            rows.append(f"| {name} | {arm} − {arms[0]} | {metric} | {p['mean']:+.4f} ± {p['sd']:.4f} | "
                        f"{seeds} | {verdict} |")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, default=5)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--only', default='')
    ap.add_argument('--out', default=os.path.join(HERE, 'runs'))
    ap.add_argument('--report', action='store_true', help='print the table from saved summaries; run nothing')
    a = ap.parse_args()
    claims = json.load(open(os.path.join(HERE, 'claims.json')))
    if a.only:
        claims = {k: v for k, v in claims.items() if k in a.only.split(',')}
    os.makedirs(a.out, exist_ok=True)
    print('| claim | arms | metric | paired mean ± sd | seeds in the expected direction | verdict |')
    print('|---|---|---|---|---|---|')
    if a.report:
        for name, c in claims.items():
            path = os.path.join(a.out, f'{name}.json')
            if not os.path.exists(path):
                print(f'| {name} | not run yet | | | | |')
                continue
            print('\n'.join(describe(name, c, json.load(open(path)))))
        return
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        futures = {name: ex.submit(run_claim, name, c, a.seeds, a.out) for name, c in claims.items()}
        for name, c in claims.items():
            summary = futures[name].result()
            json.dump(summary, open(os.path.join(a.out, f'{name}.json'), 'w'), indent=1)
            print('\n'.join(describe(name, c, summary)), flush=True)


if __name__ == '__main__':
    main()
