"""PyTorch reference for the grpo-playground benchmark.

The same tiny transformer, the same batched KV-cache sampling and the same GRPO step as the Rust
crate (src/policy, src/algo, src/train/trainer.rs), written the plain PyTorch way, so the two can
be timed against each other and checked against each other on one shared batch.

    python grpo_reference.py bench                           # one JSON line of step timings
    python grpo_reference.py check /tmp/shared-batch.json    # recompute the Rust loss on its batch
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Token ids (src/tasks/vocab.rs).
PAD, BOS, EOS, DIGIT_0, PLUS, EQUALS = 0, 1, 2, 3, 13, 16
VOCAB_SIZE = 60

# The Rust sampler draws its Gumbel uniforms from [f32::EPSILON, 1).
F32_EPS = torch.finfo(torch.float32).eps

# Defaults of the Rust run config: ModelConfig, TrainConfig, and the `grpo` preset's knobs.
CONTEXT = 160
LEARNING_RATE = 1e-3
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
WEIGHT_DECAY = 0.0
MAX_GRAD_NORM = 1.0

# `check` tolerances. The loss alone is a weak test: with every reward equal (the usual batch of
# an untrained policy) all advantages are 0 and the loss is only the small KL term, so a model
# mismatch can stay under 1e-4. The log-probs and the gradient norm catch it.
LOSS_TOL = 1e-4
LOGP_TOL = 1e-4
GRAD_NORM_REL_TOL = 1e-3


@dataclass(frozen=True)
class Objective:
    """The knobs the loss reads: preset `grpo` (the defaults plus beta 0.04, k3 in the loss)."""

    beta: float = 0.04
    epsilon: float = 0.2
    epsilon_high: float = 0.2
    std_eps: float = 1e-4
    temperature: float = 1.0


# ---------------------------------------------------------------------------------------------
# The policy: a pre-LN decoder-only transformer with learned positions (src/policy/transformer.rs).
# ---------------------------------------------------------------------------------------------

# One (keys, values) pair per block, each [B, H, S, d_head].
Cache = list[tuple[Tensor, Tensor]]


class Block(nn.Module):
    def __init__(self, d_model: int):
        super().__init__()
        self.norm_attn = nn.LayerNorm(d_model)  # eps 1e-5, burn's LayerNormConfig default
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.attn_out = nn.Linear(d_model, d_model)
        self.norm_mlp = nn.LayerNorm(d_model)
        self.mlp_in = nn.Linear(d_model, 4 * d_model)
        self.mlp_out = nn.Linear(4 * d_model, d_model)


class Transformer(nn.Module):
    def __init__(self, d_model: int, n_layers: int, n_heads: int, context: int = CONTEXT):
        super().__init__()
        self.n_heads = n_heads
        self.token_embedding = nn.Embedding(VOCAB_SIZE, d_model)
        self.position_embedding = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model) for _ in range(n_layers))
        self.norm_final = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, VOCAB_SIZE)
        # Burn initialises embeddings N(0, 0.02); its Linear default, U(±1/sqrt(fan_in)) for
        # weight and bias, is already torch's.
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.02)

    def heads(self, x: Tensor) -> Tensor:
        """[B, S, d] -> [B, H, S, d_head]."""
        b, s, d = x.shape
        return x.reshape(b, s, self.n_heads, d // self.n_heads).transpose(1, 2)

    def forward(self, tokens: Tensor, positions: Tensor, pad: Tensor, cache: Cache) -> Tensor:
        """Logits [B, S, V] of a chunk of `tokens` [B, S] at `positions` [B, S].

        Each token attends causally within the chunk and to every position already in `cache`,
        padding keys hidden (`pad` [B, C + S], true on padding); the chunk's keys and values are
        appended to `cache` (an empty list starts one).
        """
        x = self.token_embedding(tokens) + self.position_embedding(positions)
        b, s, d = x.shape
        # SDPA's boolean mask is true where a query may attend: not in its future, not padding.
        c = pad.shape[1] - s
        seen = torch.ones(s, c + s, dtype=torch.bool).tril(diagonal=c)
        allowed = seen & ~pad[:, None, None, :]
        for i, block in enumerate(self.blocks):
            q, k, v = map(self.heads, block.qkv(block.norm_attn(x)).split(d, dim=-1))
            if i < len(cache):
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
            # Fused attention, scaled by 1/sqrt(d_head), as burn's `attention` op; a query with
            # every key blocked (left padding) gets zeros there and here, and is never read.
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
            x = x + block.attn_out(attended.transpose(1, 2).reshape(b, s, d))
            x = x + block.mlp_out(F.relu(block.mlp_in(block.norm_mlp(x))))
        return self.head(self.norm_final(x))


# ---------------------------------------------------------------------------------------------
# Prompt layout, sampling and scoring (src/policy/generate.rs).
# ---------------------------------------------------------------------------------------------


@dataclass
class Rows:
    """Prompts left-padded to one width, so every prompt ends in the same column."""

    tokens: Tensor  # [B, W], PAD on the left
    positions: Tensor  # [B, W], counting from each prompt's first real token (0 on padding)
    pad: Tensor  # [B, W], true on padding
    lengths: Tensor  # [B], real prompt lengths


def layout(prompts: list[list[int]], repeat: int) -> Rows:
    """Lays out `prompts`, each repeated `repeat` times in a row (row p*repeat + j is prompt p)."""
    rows = [p for p in prompts for _ in range(repeat)]
    width = max(map(len, rows))
    tokens = torch.tensor([[PAD] * (width - len(p)) + p for p in rows])
    lengths = torch.tensor([len(p) for p in rows])
    offset = (width - lengths)[:, None]
    column = torch.arange(width)[None, :]
    return Rows(tokens, (column - offset).clamp_min(0), column < offset, lengths)


def encode_prompts(
    model: Transformer, prompts: list[list[int]], group: int
) -> tuple[Rows, Cache, Tensor]:
    """Encodes each prompt once and shares the result with its `group` rows (the Prefix Grouper
    idea): the rows' layout, their KV cache, and the logits after each prompt's last token
    [B, V], which predict the first completion token."""
    encoded = layout(prompts, 1)
    cache: Cache = []
    logits = model(encoded.tokens, encoded.positions, encoded.pad, cache)[:, -1]
    cache = [(k.repeat_interleave(group, 0), v.repeat_interleave(group, 0)) for k, v in cache]
    return layout(prompts, group), cache, logits.repeat_interleave(group, 0)


def completion_logits(logits: Tensor, temperature: float) -> Tensor:
    """Temperature-scaled logits with PAD and BOS at -1e9: never sampled, as in ours."""
    bias = torch.zeros(logits.shape[-1], dtype=logits.dtype)
    bias[[PAD, BOS]] = -1e9
    return logits / temperature + bias


@torch.no_grad()
def generate(
    model: Transformer,
    prompts: list[list[int]],
    group: int,
    max_len: int,
    temperature: float,
) -> tuple[Tensor, Tensor]:
    """Samples `group` completions per prompt: tokens [B, L] (PAD after EOS) and their log-probs
    at sampling time, temperature-scaled [B, L] (0 after EOS)."""
    rows, cache, logits = encode_prompts(model, prompts, group)

    # Decode in lockstep. Finished rows keep running but emit PAD with log-prob 0, as ours does;
    # tokens stay on the tensor until the end.
    pad = rows.pad
    finished = torch.zeros(len(rows.lengths), dtype=torch.bool)
    tokens, logps = [], []
    for t in range(max_len):
        scaled = completion_logits(logits, temperature)
        uniform = torch.empty_like(scaled).uniform_(F32_EPS, 1.0)
        choice = (scaled - (-uniform.log()).log()).argmax(dim=-1)  # Gumbel-max sampling
        logp = scaled.log_softmax(dim=-1).gather(1, choice[:, None]).squeeze(1)
        token = choice.masked_fill(finished, PAD)
        tokens.append(token)
        logps.append(logp.masked_fill(finished, 0.0))
        finished = finished | (token == EOS)
        if t + 1 < max_len:
            # The new token is a real key for every later query, PAD or not.
            pad = F.pad(pad, (0, 1), value=False)
            position = (rows.lengths + t)[:, None]
            logits = model(token[:, None], position, pad, cache)[:, -1]
    return torch.stack(tokens, dim=1), torch.stack(logps, dim=1)


def completion_logprobs(
    model: Transformer,
    prompts: list[list[int]],
    group: int,
    completions: Tensor,
    temperature: float,
) -> Tensor:
    """log pi (temperature-scaled) of each completion token [B, L], with gradient: each prompt
    encoded once for its group, as in `generate`, then one causal forward over completion[:-1]
    against that cache (the group's gradients meet in the shared prefix)."""
    rows, cache, first = encode_prompts(model, prompts, group)
    length = completions.shape[1]
    positions = rows.lengths[:, None] + torch.arange(length - 1)[None, :]
    pad = F.pad(rows.pad, (0, length - 1), value=False)
    rest = model(completions[:, :-1], positions, pad, cache)
    logits = completion_logits(torch.cat([first[:, None], rest], dim=1), temperature)
    logp = logits.log_softmax(dim=-1).gather(2, completions[:, :, None]).squeeze(2)
    # PAD only follows a finished completion: log-prob 0 there, as at sampling time.
    return logp.masked_fill(completions == PAD, 0.0)


def completion_mask(completions: Tensor, dtype: torch.dtype) -> Tensor:
    """1 on each row's tokens up to and including its first EOS (every token if it has none)."""
    eos = (completions == EOS).long()
    eos_before = eos.cumsum(dim=1) - eos
    return (eos_before == 0).to(dtype)


# ---------------------------------------------------------------------------------------------
# The task: 2-digit addition, `^12+7=` -> `19$` (src/tasks/arithmetic.rs).
# ---------------------------------------------------------------------------------------------


def digit_tokens(x: int) -> list[int]:
    return [DIGIT_0 + int(c) for c in str(x)]


def sample_problems(
    rng: random.Random, count: int, digits: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Prompts `^a+b=` with operands uniform over [0, 10^digits), and their solutions `a+b` EOS."""
    prompts, solutions = [], []
    for _ in range(count):
        a, b = rng.randrange(10**digits), rng.randrange(10**digits)
        prompts.append([BOS, *digit_tokens(a), PLUS, *digit_tokens(b), EQUALS])
        solutions.append([*digit_tokens(a + b), EOS])
    return prompts, solutions


def exact_match_rewards(completions: Tensor, solutions: list[list[int]], group: int) -> Tensor:
    """1 where a row starts with its solution (answer digits + EOS), else 0: our verifier's
    `exact` reward, since everything after the first EOS is PAD."""
    width = max(completions.shape[1], *map(len, solutions))
    target = torch.full((len(solutions), width), -1)  # -1: any token
    for i, solution in enumerate(solutions):
        target[i, : len(solution)] = torch.tensor(solution)
    target = target.repeat_interleave(group, 0)
    # A solution longer than the completion meets PAD and cannot match.
    tokens = F.pad(completions, (0, width - completions.shape[1]), value=PAD)
    return ((tokens == target) | (target < 0)).all(dim=1).float()


# ---------------------------------------------------------------------------------------------
# The GRPO objective (src/algo, ALGORITHMS.md), shared by `bench` and `check`.
# ---------------------------------------------------------------------------------------------


def group_advantages(rewards: Tensor, group: int, std_eps: float) -> Tensor:
    """(r - group mean) / (unbiased group std + std_eps), one per completion."""
    r = rewards.view(-1, group)
    centred = r - r.mean(dim=1, keepdim=True)
    return (centred / (r.std(dim=1, correction=1, keepdim=True) + std_eps)).reshape(-1)


def grpo_loss(
    policy: Transformer,
    reference: Transformer,
    prompts: list[list[int]],
    completions: Tensor,
    logp_old: Tensor,
    rewards: Tensor,
    group: int,
    objective: Objective,
) -> tuple[Tensor, Tensor]:
    """The GRPO loss of one batch (num_iterations 1, one minibatch, nothing filtered), with
    gradient w.r.t. the policy, and the policy's log-probs [B, L]."""
    with torch.no_grad():
        logp_ref = completion_logprobs(
            reference, prompts, group, completions, objective.temperature
        )
    mask = completion_mask(completions, logp_old.dtype)
    advantages = group_advantages(rewards, group, objective.std_eps)[:, None]
    logp = completion_logprobs(policy, prompts, group, completions, objective.temperature)

    # Token-level ratio and clipped surrogate.
    ratio = (logp - logp_old).clamp(-20.0, 20.0).exp()
    clipped = ratio.clamp(1.0 - objective.epsilon, 1.0 + objective.epsilon_high)
    surrogate = torch.minimum(ratio * advantages, clipped * advantages)
    # k3 estimate of KL(pi || pi_ref) in the loss, x = logp_ref - logp.
    x = logp_ref - logp
    per_token = -surrogate + objective.beta * (x.exp() - x - 1.0)
    # seq-mean-token-mean: mean over each completion's tokens, then over completions.
    per_sequence = (per_token * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)
    return per_sequence.mean(), logp


def backward_and_clip(loss: Tensor, model: nn.Module, max_grad_norm: float) -> Tensor:
    """Gradients of `loss`, clipped to one global norm; returns the norm before clipping."""
    loss.backward()
    # Scales by min(1, max_norm / (norm + 1e-6)), as our trainer does.
    return nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)


# ---------------------------------------------------------------------------------------------
# `bench`: time GRPO steps on 2-digit addition.
# ---------------------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    objective = Objective()

    policy = Transformer(args.d_model, args.layers, args.heads)
    reference = copy.deepcopy(policy).requires_grad_(False)  # frozen initial policy
    optimizer = torch.optim.AdamW(
        policy.parameters(),
        lr=LEARNING_RATE,
        betas=ADAM_BETAS,
        eps=ADAM_EPS,
        weight_decay=WEIGHT_DECAY,
    )

    rollout_ms, update_ms, step_ms = [], [], []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()

        # Rollout: sample prompts, generate G completions each, score them.
        prompts, solutions = sample_problems(rng, args.prompts, args.digits)
        completions, logp_old = generate(
            policy, prompts, args.group, args.max_len, objective.temperature
        )
        rewards = exact_match_rewards(completions, solutions, args.group)
        rolled_out = time.perf_counter()

        # Update: reference log-probs, advantages, loss, backward, clip, AdamW.
        loss, _ = grpo_loss(
            policy, reference, prompts, completions, logp_old, rewards, args.group, objective
        )
        optimizer.zero_grad(set_to_none=True)
        backward_and_clip(loss, policy, MAX_GRAD_NORM)
        optimizer.step()
        end = time.perf_counter()

        if step >= args.warmup:
            rollout_ms.append((rolled_out - start) * 1e3)
            update_ms.append((end - rolled_out) * 1e3)
            step_ms.append((end - start) * 1e3)

    median_step = statistics.median(step_ms)
    result = {
        "impl": "pytorch",
        "torch": torch.__version__,
        "threads": args.threads,
        "prompts": args.prompts,
        "group": args.group,
        "max_len": args.max_len,
        "rollout_ms": round(statistics.median(rollout_ms), 3),
        "update_ms": round(statistics.median(update_ms), 3),
        "step_ms": round(median_step, 3),
        "completions_per_s": round(args.prompts * args.group / (median_step / 1e3), 1),
    }
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------
# `check`: recompute the loss of a batch exported by the Rust side.
# ---------------------------------------------------------------------------------------------


def from_f32(values: list, dtype: torch.dtype) -> Tensor:
    """Values the dump wrote from f32s, parsed as f32 first so that f64 holds them exactly."""
    return torch.tensor(values, dtype=torch.float32).to(dtype)


def load_burn_weights(dump: dict, which: str, dtype: torch.dtype) -> Transformer:
    """A Transformer holding the dump's burn-named `which` weights (Linear weights stored
    [d_in, d_out])."""
    config = dump["config"]
    if config["vocab_size"] != VOCAB_SIZE:
        sys.exit(f"FAIL: vocab_size {config['vocab_size']} != {VOCAB_SIZE}")
    model = Transformer(config["d_model"], config["n_layers"], config["n_heads"], config["context"])
    params = dump[which]
    state = {}
    for name, param in params.items():
        value = from_f32(param["data"], dtype).reshape(param["shape"])
        module, kind = name.rsplit(".", 1)
        kind = {"gamma": "weight", "beta": "bias"}.get(kind, kind)
        if kind == "weight" and value.dim() == 2 and "embedding" not in module:
            value = value.T  # burn applies x @ W; torch applies x @ W.T
        state[f"{module}.{kind}"] = value
    missing, unexpected = model.state_dict().keys() - state, state.keys() - model.state_dict()
    if missing or unexpected:
        sys.exit(
            f"FAIL: `{which}` weights: missing {sorted(missing)}, unexpected {sorted(unexpected)}"
        )
    model.to(dtype).load_state_dict(state)  # shapes must match too
    return model


def check(args: argparse.Namespace) -> None:
    with open(args.dump) as f:
        dump = json.load(f)
    config = dump["config"]
    group = dump["group"]
    objective = Objective(
        beta=config["beta"],
        epsilon=config["epsilon"],
        epsilon_high=config["epsilon_high"],
        std_eps=config["std_eps"],
        temperature=config["temperature"],
    )
    completions = torch.tensor(dump["completions"])
    rust_loss, rust_grad_norm = dump["loss"], dump["grad_norm"]
    print(
        f"batch: {len(dump['prompts'])} prompts x {group} completions x {completions.shape[1]} "
        f"tokens, reward mean {sum(dump['rewards']) / len(dump['rewards']):.3f}"
    )

    failures = []
    for dtype in (torch.float64, torch.float32):
        policy = load_burn_weights(dump, "policy", dtype)
        reference = load_burn_weights(dump, "reference", dtype)

        loss, logp = grpo_loss(
            policy,
            reference,
            dump["prompts"],
            completions,
            from_f32(dump["logp_old"], dtype),
            from_f32(dump["rewards"], dtype),
            group,
            objective,
        )
        grad_norm = backward_and_clip(loss, policy, config["max_grad_norm"])
        mask = completion_mask(completions, torch.bool)
        logp_diff = (logp.detach() - from_f32(dump["logp"], dtype))[mask].abs().max().item()
        loss_diff = abs(loss.item() - rust_loss)
        grad_rel = abs(grad_norm.item() - rust_grad_norm) / max(rust_grad_norm, 1e-12)
        name = str(dtype).removeprefix("torch.")
        print(
            f"{name}: max |logp - rust| {logp_diff:.2e} | loss rust {rust_loss:.9f} "
            f"torch {loss.item():.9f} |diff| {loss_diff:.2e} | grad norm rust "
            f"{rust_grad_norm:.6f} torch {grad_norm.item():.6f}"
        )
        # `not <=` so that a NaN fails too.
        if not loss_diff <= LOSS_TOL:
            failures.append(f"{name} |loss diff| {loss_diff:.2e} > {LOSS_TOL:g}")
        if not logp_diff <= LOGP_TOL:
            failures.append(f"{name} max |logp diff| {logp_diff:.2e} > {LOGP_TOL:g}")
        if not grad_rel <= GRAD_NORM_REL_TOL:
            failures.append(f"{name} grad norm off by {grad_rel:.2e} > {GRAD_NORM_REL_TOL:g}")

    if failures:
        print("FAIL: " + "; ".join(failures))
        sys.exit(1)
    print(
        f"PASS in float64 and float32: |loss diff| <= {LOSS_TOL:g}, max |logp diff| <= "
        f"{LOGP_TOL:g}, grad norm within {GRAD_NORM_REL_TOL:.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    b = commands.add_parser("bench", help="time GRPO steps, print one JSON line")
    b.add_argument("--prompts", type=int, default=16, help="prompts (groups) per step")
    b.add_argument("--group", type=int, default=8, help="completions per prompt (G)")
    b.add_argument("--max-len", type=int, default=8, help="completion length limit")
    b.add_argument("--digits", type=int, default=2, help="operand digits")
    b.add_argument("--d-model", type=int, default=64)
    b.add_argument("--layers", type=int, default=2)
    b.add_argument("--heads", type=int, default=4)
    b.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    b.add_argument("--steps", type=int, default=30, help="timed steps")
    b.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    b.add_argument("--seed", type=int, default=0)
    b.set_defaults(run=bench)

    c = commands.add_parser("check", help="recompute the loss of a Rust-exported batch")
    c.add_argument("dump", help="JSON written by `cargo run --release -- bench --dump-batch`")
    c.set_defaults(run=check)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
