//! Damaged checkpoints: a real saved run cut at many offsets, with bytes flipped (seeded), or of
//! an unknown format is refused with an error that says what is wrong — by `Trainer::load`,
//! `Trainer::branch` and `train --resume` — and never panics or loads as a different model. And
//! a PPO run's checkpoint resumes with its critic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::train::{StepMetrics, TrainError, Trainer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A small bandit run with a reference policy (β > 0) and Adam moments, so every part of the
/// format is present.
const RUN: &str = r#"{"task": {"name": "bandit"}, "model": {"d_model": 16, "n_layers": 1, "n_heads": 2},
    "algo": {"preset": "grpo", "beta": 0.04}, "train": {"sft_steps": 1, "steps": 10}}"#;

fn saved() -> (Trainer, Vec<u8>) {
    let mut t = Trainer::new(RunConfig::from_json(RUN).unwrap(), Device::flex()).unwrap();
    for _ in 0..3 {
        futures_lite::future::block_on(t.step()).unwrap();
    }
    let bytes = futures_lite::future::block_on(t.save()).unwrap();
    (t, bytes)
}

fn step(t: &mut Trainer) -> StepMetrics {
    let mut m = futures_lite::future::block_on(t.step()).unwrap();
    (m.wall_ms, m.rollout_ms, m.update_ms, m.tokens_per_s) = (0.0, 0.0, 0.0, 0.0);
    m
}

/// Loads `bytes`, which must be refused with a checkpoint error; returns its message.
fn refused(bytes: &[u8], what: &str) -> String {
    let result = catch_unwind(AssertUnwindSafe(|| Trainer::load(bytes, Device::flex())))
        .unwrap_or_else(|_| panic!("loading a checkpoint {what} panicked"));
    match result {
        Err(e @ TrainError::Checkpoint(_)) => e.to_string(),
        Err(e) => panic!("a checkpoint {what} was refused, but not as a checkpoint error: {e}"),
        Ok(_) => panic!("a checkpoint {what} loaded"),
    }
}

#[test]
fn a_truncated_checkpoint_is_refused_saying_so() {
    let (_, bytes) = saved();
    let mut r = ChaCha8Rng::seed_from_u64(11);
    let mut cuts: Vec<usize> = (0..80).collect();
    cuts.extend((0..300).map(|_| r.random_range(0..bytes.len())));
    cuts.extend(bytes.len() - 16..bytes.len());
    for cut in cuts {
        let message = refused(
            &bytes[..cut],
            &format!("cut to {cut} of {} bytes", bytes.len()),
        );
        assert!(
            message.contains("truncated") || message.contains("not a grpo-playground checkpoint"),
            "cut at {cut}: {message}"
        );
    }
    let short = refused(&bytes[..bytes.len() - 1], "one byte short");
    assert!(
        short.starts_with("checkpoint: truncated checkpoint: the reference part needs "),
        "names the part that is cut: {short}"
    );
}

#[test]
fn a_flipped_byte_anywhere_is_refused_not_loaded_as_another_model() {
    let (_, bytes) = saved();
    let mut r = ChaCha8Rng::seed_from_u64(12);
    for _ in 0..300 {
        let at = r.random_range(0..bytes.len());
        let mut bad = bytes.clone();
        bad[at] ^= r.random_range(1..=255u8);
        let message = refused(&bad, &format!("with byte {at} of {} flipped", bytes.len()));
        assert!(
            message.contains("checksum")
                || message.contains("truncated")
                || message.contains("unexpected bytes")
                || message.contains("format")
                || message.contains("not a grpo-playground checkpoint"),
            "byte {at}: {message}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    refused(&longer, "with a byte appended");
    refused(&[], "that is empty");
    refused(b"GRPOCKP", "that is only the magic");
}

#[test]
fn parts_that_are_valid_bytes_but_not_a_model_are_refused_without_a_panic() {
    // Corruption the checksum cannot see (the file was rewritten with a matching sum): the
    // decoders themselves must still refuse, or load, never panic.
    let (_, bytes) = saved();
    let mut r = ChaCha8Rng::seed_from_u64(13);
    let body = bytes.len() - 8;
    let reseal = |mut b: Vec<u8>| {
        b.truncate(b.len() - 8);
        let sum = b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
            (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
        });
        b.extend_from_slice(&sum.to_le_bytes());
        b
    };
    assert_eq!(
        reseal(bytes.clone()),
        bytes,
        "the test's checksum is the format's"
    );
    for _ in 0..120 {
        let mut bad = bytes.clone();
        for _ in 0..r.random_range(1..4) {
            let at = r.random_range(8..body);
            bad[at] ^= r.random_range(1..=255u8);
        }
        let bad = reseal(bad);
        catch_unwind(AssertUnwindSafe(|| {
            let _ = Trainer::load(&bad, Device::flex());
        }))
        .unwrap_or_else(|_| panic!("a resealed corrupt checkpoint panicked"));
    }
}

#[test]
fn an_unknown_format_is_named_and_format_1_still_loads() {
    let (mut t, bytes) = saved();
    let mut newer = bytes.clone();
    newer[7] = b'9';
    assert_eq!(
        refused(&newer, "of format 9"),
        "checkpoint: checkpoint format 9 is not one this build reads (1 to 4)"
    );
    // Format 1: the same parts without the checksum.
    let mut old = bytes[..bytes.len() - 8].to_vec();
    old[7] = b'1';
    let mut resumed = Trainer::load(&old, Device::flex()).unwrap();
    assert_eq!(
        step(&mut resumed),
        step(&mut t),
        "format 1 continues identically"
    );
}

#[test]
fn a_branch_from_corrupt_bytes_is_refused() {
    let (t, mut bytes) = saved();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    let err = Trainer::branch(&bytes, Some(t.config().clone()), Device::flex())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("checksum"), "{err}");
}

#[test]
fn train_resume_reports_a_corrupt_checkpoint_on_one_line() {
    let (_, bytes) = saved();
    let path = std::env::temp_dir().join(format!("grpo-corrupt-{}.bin", std::process::id()));
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grpo-playground"))
        .args(["train", "--resume"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.starts_with("error: checkpoint: truncated checkpoint: the "),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The saved parts of a format-2 checkpoint, as (header JSON, the three byte parts).
fn parts(bytes: &[u8]) -> (serde_json::Value, Vec<Vec<u8>>) {
    let mut rest = &bytes[8..bytes.len() - 8];
    let mut out = Vec::new();
    for _ in 0..4 {
        let (len, after) = rest.split_at(8);
        let len = u64::from_le_bytes(len.try_into().unwrap()) as usize;
        out.push(after[..len].to_vec());
        rest = &after[len..];
    }
    let header = serde_json::from_slice(&out.remove(0)).unwrap();
    (header, out)
}

/// A checkpoint saved before `train.entropy_coef` became `algo.entropy_coeff` still loads: its
/// header (format 1, no checksum, as older builds wrote) carries the old field.
#[test]
fn a_checkpoint_with_the_old_entropy_coef_loads_as_the_algo_knob() {
    let (_, bytes) = saved();
    let (mut header, rest) = parts(&bytes);
    header["config"]["train"]["entropy_coef"] = serde_json::json!(0.02);
    let mut old = b"GRPOCKP1".to_vec();
    for part in std::iter::once(serde_json::to_vec(&header).unwrap()).chain(rest) {
        old.extend_from_slice(&(part.len() as u64).to_le_bytes());
        old.extend_from_slice(&part);
    }
    let config = Trainer::saved_config(&old).expect("the old header loads");
    assert_eq!(config.algo.entropy_coeff, Some(0.02));
    let mut t = Trainer::load(&old, Device::flex()).expect("the old checkpoint loads");
    assert!(step(&mut t).loss.is_finite());
}

/// A PPO run's checkpoint (format 3) carries its critic and the critic's Adam moments: the
/// resumed run continues exactly as the uninterrupted one, value metrics included, where the
/// same file without the critic's parts (format 2) resumes with a critic rebuilt from the policy
/// and differs.
#[test]
fn a_ppo_checkpoint_round_trips_with_its_critic() {
    let run = RUN.replace(r#""preset": "grpo", "beta": 0.04"#, r#""preset": "ppo""#);
    let mut t = Trainer::new(RunConfig::from_json(&run).unwrap(), Device::flex()).unwrap();
    for _ in 0..3 {
        step(&mut t);
    }
    let bytes = futures_lite::future::block_on(t.save()).unwrap();
    assert_eq!(bytes[7], b'3', "a run with a critic is saved as format 3");
    let mut resumed = Trainer::load(&bytes, Device::flex()).unwrap();
    assert!(resumed.critic().is_some(), "the critic is restored");
    let mut without = {
        let mut parts = vec![bytes[..8].to_vec()];
        let mut rest = &bytes[8..bytes.len() - 8];
        for _ in 0..4 {
            let (len, after) = rest.split_at(8);
            let n = u64::from_le_bytes(len.try_into().unwrap()) as usize;
            parts.push(rest[..8 + n].to_vec());
            rest = &after[n..];
        }
        let mut old = parts.concat();
        old[7] = b'1';
        Trainer::load(&old, Device::flex()).unwrap()
    };
    for _ in 0..2 {
        let (want, got) = (step(&mut t), step(&mut resumed));
        assert!(want.value_loss.is_some() && want.value_mean.is_some());
        assert_eq!(got, want, "the resumed PPO run continues identically");
        assert_ne!(
            step(&mut without).value_mean,
            want.value_mean,
            "a critic rebuilt from the policy predicts other values"
        );
    }
}
