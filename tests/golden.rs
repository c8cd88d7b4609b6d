//! Every independent golden case (`tests/independent/`, and `../shared/golden/` when present)
//! through the objective oracle: in f64 at the README's 1e-6 relative tolerance, and through the
//! f32 training path at 1e-4. Also the CLI's contract on invalid input: non-zero exit and one
//! readable line.

mod common;

use std::process::{Command, Stdio};

use burn::tensor::{Device, FloatDType};
use grpo_playground::oracle::{ObjectiveInput, ObjectiveOutput, evaluate};
use serde_json::Value;

use common::{independent_cases, mismatch};

fn run(input: &Value, dtype: FloatDType) -> ObjectiveOutput {
    let input = ObjectiveInput::from_json(&input.to_string()).expect("golden input parses");
    let device = Device::flex().autodiff();
    futures_lite::future::block_on(evaluate(&input, &device, dtype)).expect("golden input is valid")
}

fn check_all(dtype: FloatDType, tol: f64) {
    let mut failures = Vec::new();
    for (name, case) in independent_cases() {
        let got = serde_json::to_value(run(&case["input"], dtype)).unwrap();
        for key in ["loss", "advantages", "kept", "grad_logp", "shaped_rewards"] {
            if let Some(m) = mismatch(&got[key], &case["expected"][key], tol, key) {
                failures.push(format!("{name}: {m}"));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn golden_cases_match_in_f64() {
    check_all(FloatDType::F64, 1e-6);
}

#[test]
fn golden_cases_match_through_the_f32_training_path() {
    check_all(FloatDType::F32, 1e-4);
}

#[test]
fn the_tolerance_check_can_fail() {
    let (_, case) = independent_cases().swap_remove(0);
    let mut want = case["expected"]["loss"].clone();
    let loss = want.as_f64().unwrap();
    want = Value::from(loss + 1e-5 * loss.abs().max(1.0));
    let got = serde_json::to_value(run(&case["input"], FloatDType::F64)).unwrap();
    assert!(mismatch(&got["loss"], &want, 1e-6, "loss").is_some());
}

fn oracle_cli(stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grpo-playground"))
        .arg("objective")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn cli_prints_the_expected_json_for_a_golden_case() {
    let (_, case) = independent_cases().swap_remove(6);
    let (code, stdout, _) = oracle_cli(&case["input"].to_string());
    assert_eq!(code, 0);
    let got: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    for key in ["loss", "advantages", "kept", "grad_logp"] {
        assert_eq!(mismatch(&got[key], &case["expected"][key], 1e-6, key), None);
    }
}

#[test]
fn cli_rejects_invalid_input_with_one_line_naming_the_problem() {
    let (_, case) = independent_cases().swap_remove(0);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut input = case["input"].clone();
        edit(&mut input);
        input.to_string()
    };
    let bad = [
        ("{not json", "invalid JSON"),
        (
            &with(&|v| v["config"]["preset"] = "grpoo".into()),
            "unknown preset `grpoo`",
        ),
        (
            &with(&|v| v["config"]["epsilonn"] = 0.1.into()),
            "unknown field `epsilonn`",
        ),
        (
            &with(&|v| v["config"]["epsilon"] = (-0.1).into()),
            "config.epsilon: -0.1 is out of range; allowed: >= 0",
        ),
        (
            &with(&|v| v["groups"][0]["completions"][1]["logp"] = Value::Array(vec![])),
            "groups[0].completions[1].logp: empty completion",
        ),
        (
            &with(&|v| {
                v["groups"][0]["completions"][0]["logp_old"] = Value::Array(vec![1.0.into()])
            }),
            "groups[0].completions[0].logp_old: has 1 values but logp has",
        ),
        (
            &with(&|v| {
                v["groups"][1]["completions"]
                    .as_array_mut()
                    .unwrap()
                    .truncate(1)
            }),
            "groups[1].completions: has 1 completions but groups[0] has 7",
        ),
        (
            &with(&|v| {
                for g in v["groups"].as_array_mut().unwrap() {
                    g["completions"].as_array_mut().unwrap().truncate(1);
                }
            }),
            "groups[0].completions: 1 completions is out of range; allowed: >= 2 per group",
        ),
    ];
    for (input, expected) in bad {
        let (code, stdout, stderr) = oracle_cli(input);
        assert_ne!(code, 0, "{expected}");
        assert!(stdout.is_empty(), "{expected}: stdout {stdout}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(expected),
            "`{stderr}` should contain `{expected}`"
        );
    }
}
