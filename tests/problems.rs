//! `grpo-playground problems` and `verify`: the prompts and the verifier a tool outside this
//! crate trains with (`scripts/train-export-trl`). Each problem's own solution is verified
//! correct, a wrong answer is not, and bad input is refused with a message.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Runs the binary with `args`, `stdin` piped in: (exit code, stdout, stderr).
fn cli(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grpo-playground"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
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

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn posed(sets: &[&str], count: usize) -> Vec<Value> {
    let count = count.to_string();
    let mut args = vec!["problems", "--count", &count];
    for s in sets {
        args.extend(["--set", s]);
    }
    let (code, stdout, stderr) = cli(&args, "");
    assert_eq!(code, 0, "{stderr}");
    lines(&stdout)
}

fn verdicts(sets: &[&str], answers: &[(u64, Vec<u64>)]) -> Vec<Value> {
    let stdin: Vec<String> = answers
        .iter()
        .map(|(p, c)| serde_json::json!({"problem": p, "completion": c}).to_string())
        .collect();
    let mut args = vec!["verify"];
    for s in sets {
        args.extend(["--set", s]);
    }
    let (code, stdout, stderr) = cli(&args, &stdin.join("\n"));
    assert_eq!(code, 0, "{stderr}");
    lines(&stdout)
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_u64().unwrap())
        .collect()
}

#[test]
fn arithmetic_problems_are_prompts_whose_solutions_verify() {
    let problems = posed(&[], 8);
    assert_eq!(problems.len(), 8);
    for (i, p) in problems.iter().enumerate() {
        assert_eq!(p["problem"], i);
        let text = p["prompt_text"].as_str().unwrap();
        let (a, b) = text
            .strip_prefix('^')
            .and_then(|t| t.strip_suffix('='))
            .and_then(|t| t.split_once('+'))
            .unwrap_or_else(|| panic!("{text} is ^a+b="));
        let sum: u64 = a.parse::<u64>().unwrap() + b.parse::<u64>().unwrap();
        assert_eq!(p["solution_text"], format!("{sum}$"));
        assert_eq!(ids(&p["prompt"]).len(), text.chars().count());
    }
    // Answers in a different order than posed, one of them wrong in its first digit.
    let mut wrong = ids(&problems[2]["solution"]);
    wrong[0] = if wrong[0] == 3 { 4 } else { 3 };
    let answers = [
        (5, ids(&problems[5]["solution"])),
        (2, wrong),
        (0, ids(&problems[0]["solution"])),
    ];
    let got = verdicts(&[], &answers);
    let rewards: Vec<f64> = got.iter().map(|v| v["reward"].as_f64().unwrap()).collect();
    let correct: Vec<bool> = got
        .iter()
        .map(|v| v["correct"].as_bool().unwrap())
        .collect();
    assert_eq!(rewards, [1.0, 0.0, 1.0]);
    assert_eq!(correct, [true, false, true]);
}

#[test]
fn the_config_chooses_the_task_and_its_seed_the_problems() {
    let one_digit = ["task.name=arithmetic", "task.digits=1"];
    let seed0 = posed(&one_digit, 4);
    let seed1 = posed(&[&one_digit[..], &["seed=1"]].concat(), 4);
    assert_ne!(seed0, seed1);
    for p in &seed0 {
        assert_eq!(p["prompt_text"].as_str().unwrap().len(), "^1+2=".len());
    }
    let chain = posed(&["task.name=chain"], 2);
    let got = verdicts(&["task.name=chain"], &[(1, ids(&chain[1]["solution"]))]);
    assert_eq!(got[0]["correct"], true);
}

#[test]
fn bad_answers_are_refused_naming_the_line_and_what_is_valid() {
    let (code, _, stderr) = cli(&["verify"], "{\"problem\": 0, \"completion\": [999]}");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 1") && stderr.contains("valid ids are 0.."),
        "{stderr}"
    );
    let (code, _, stderr) = cli(&["verify"], "\n{\"problem\": 0}");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 2") && stderr.contains("completion"),
        "{stderr}"
    );
}
