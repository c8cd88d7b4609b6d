//! The page's TypeScript types of what crosses the wasm boundary, generated from the Rust types
//! (ts-rs, derived in tests only): the objective oracle's input and output, the step inspection,
//! a step's metrics, the evaluation and the schema document. They live in
//! `www/src/generated/`, and a test fails when those files are stale.
//!
//! The schema document is built as JSON (`crate::catalog::schema::schema`), so its type is
//! declared here, and a test checks that the document is exactly of that type.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::{Config, TS, TypeVisitor};

use crate::algo::side::SideValue;
use crate::algo::{Knobs, SideInput};
use crate::config::TrainConfig;
use crate::oracle::SideValues;
use crate::policy::ModelConfig;
use crate::schema::Knob;
use crate::tasks::TaskConfig;
use crate::train::StepMetrics;
use crate::train::trainer::{Evaluation, StepInspection};

/// Where the generated files are committed.
const GENERATED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/src/generated");

/// The command that rewrites them.
const REGENERATE: &str = "UPDATE_TS_TYPES=1 cargo test --lib typescript";

/// The side inputs of a group or a completion, flattened into it: `{name: value}` by
/// [`SideInput`] name. By hand because ts-rs derives no flattened newtype.
impl TS for SideValues {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &Config) -> String {
        "SideValues".into()
    }

    fn decl(cfg: &Config) -> String {
        format!("type SideValues = {};", Self::inline(cfg))
    }

    fn decl_concrete(cfg: &Config) -> String {
        Self::decl(cfg)
    }

    /// As ts-rs writes a map keyed by an enum, naming the key and value types.
    fn inline(cfg: &Config) -> String {
        format!(
            "{{ [key in {}]?: {} }}",
            <SideInput as TS>::name(cfg),
            <SideValue as TS>::name(cfg)
        )
    }

    fn inline_flattened(cfg: &Config) -> String {
        format!("({})", Self::inline(cfg))
    }

    fn visit_dependencies(v: &mut impl TypeVisitor) {
        v.visit::<SideInput>();
        v.visit::<SideValue>();
    }

    fn output_path() -> Option<PathBuf> {
        Some(PathBuf::from("SideValues.ts"))
    }
}

/// One knob of the schema document: its declaration, its default, its dotted path and its
/// range as text.
#[derive(Serialize, TS)]
struct KnobEntry {
    #[serde(flatten)]
    knob: Knob,
    default: Value,
    path: String,
    allowed: String,
}

/// A preset row: only the knobs that differ from the defaults.
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "its fields are the schema document's shape, read by serde"
)]
#[ts(rename = "PresetInfo")]
struct Preset {
    name: String,
    source: String,
    knobs: BTreeMap<String, Value>,
}

/// A measure of a run (`compare`'s, what lessons check).
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "its fields are the schema document's shape, read by serde"
)]
#[ts(rename = "MeasureInfo")]
struct Measure {
    name: String,
    label: String,
    doc: String,
}

/// Where the KL term goes, as KaTeX.
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "its fields are the schema document's shape, read by serde"
)]
struct KlFormulas {
    in_loss: String,
    in_reward: String,
}

/// Every choice's formula as KaTeX, keyed by its name; the filters' and shapings' by the knob
/// that turns them on.
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "its fields are the schema document's shape, read by serde"
)]
struct Formulas {
    adv_estimator: BTreeMap<String, String>,
    scale_rewards: BTreeMap<String, String>,
    ratio_level: BTreeMap<String, String>,
    surrogate: BTreeMap<String, String>,
    kl_estimator: BTreeMap<String, String>,
    loss_agg_mode: BTreeMap<String, String>,
    dual_clip: String,
    kl: KlFormulas,
    filters: BTreeMap<String, String>,
    shaping: BTreeMap<String, String>,
    #[ts(as = "Vec<crate::algo::tex::Symbol>")]
    symbols: Vec<Value>,
    /// The estimators that imply a filter of their own (`filters.adv_estimator`).
    implied_filter: Vec<String>,
}

/// What `schema()` returns (`grpo-playground schema`). Read strictly, so a key the document
/// gains or loses fails [`the_schema_document_is_of_its_type`].
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "its fields are the schema document's shape, read by serde"
)]
#[ts(rename = "SchemaDocument")]
struct Document {
    #[ts(as = "Vec<KnobEntry>")]
    algo: Vec<Value>,
    #[ts(as = "Vec<KnobEntry>")]
    train: Vec<Value>,
    #[ts(as = "Vec<KnobEntry>")]
    model: Vec<Value>,
    /// Each task's own knobs.
    #[ts(as = "BTreeMap<String, Vec<KnobEntry>>")]
    tasks: BTreeMap<String, Vec<Value>>,
    /// Each task's complete default run config.
    task_defaults: BTreeMap<String, BTreeMap<String, Value>>,
    presets: Vec<Preset>,
    #[ts(as = "Vec<crate::train::metrics::Metric>")]
    metrics: Vec<Value>,
    formulas: Formulas,
    /// Every method's declaration: `choices` by knob and value; `filters`, `shaping` and
    /// `modifiers` by knob.
    #[ts(as = "BTreeMap<String, BTreeMap<String, crate::algo::declaration::Declaration>>")]
    methods: Value,
    measures: Vec<Measure>,
    /// `tokens[id]` spells token `id`.
    tokens: Vec<String>,
}

/// Every generated file's name and text, rendered into a fresh directory under `scratch`.
fn render(scratch: &Path) -> BTreeMap<String, String> {
    let dir = scratch.join(format!("ts-types-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Range's integer bounds are u64 but small: plain numbers in JSON.
    let cfg = Config::new().with_out_dir(&dir).with_large_int("number");
    StepInspection::export_all(&cfg).expect("StepInspection exports");
    SideValues::export_all(&cfg).expect("SideValues exports");
    StepMetrics::export_all(&cfg).expect("StepMetrics exports");
    Evaluation::export_all(&cfg).expect("Evaluation exports");
    Document::export_all(&cfg).expect("the schema document exports");
    let files = read_dir(&dir);
    std::fs::remove_dir_all(&dir).expect("the scratch directory can be removed");
    files
        .into_iter()
        .map(|(name, text)| {
            let body = text.split_once('\n').map_or("", |(_, rest)| rest);
            let header = format!(
                "// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. \
                 Regenerate: {REGENERATE}\n"
            );
            (name, header + body)
        })
        .collect()
}

/// The `.ts` files under `dir` by path relative to it (none if it does not exist).
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for path in entries.map(|e| e.expect("a readable entry").path()) {
        let name = path.file_name().expect("a file name").to_string_lossy();
        if path.is_dir() {
            for (inner, text) in read_dir(&path) {
                files.insert(format!("{name}/{inner}"), text);
            }
        } else if path.extension().is_some_and(|x| x == "ts") {
            let text = std::fs::read_to_string(&path).expect("a readable file");
            files.insert(name.into(), text);
        }
    }
    files
}

#[test]
fn generated_typescript_is_fresh() {
    let fresh = render(&std::env::temp_dir());
    let committed_dir = PathBuf::from(GENERATED);
    if std::env::var_os("UPDATE_TS_TYPES").is_some() {
        for name in read_dir(&committed_dir).keys() {
            std::fs::remove_file(committed_dir.join(name)).expect("a stale file can be removed");
        }
        for (name, text) in &fresh {
            let path = committed_dir.join(name);
            std::fs::create_dir_all(path.parent().expect("a folder"))
                .expect("www/src/generated can be created");
            std::fs::write(path, text).expect("a generated file can be written");
        }
        return;
    }
    let committed = read_dir(&committed_dir);
    let stale: Vec<&String> = fresh
        .keys()
        .chain(committed.keys())
        .filter(|name| fresh.get(*name) != committed.get(*name))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        stale.is_empty(),
        "www/src/generated/ is stale (differs from the Rust types in {stale:?}); regenerate it \
         with `{REGENERATE}`"
    );
}

#[test]
fn the_schema_document_is_of_its_type() {
    let written = crate::catalog::schema::schema();
    let doc: Document = crate::error::from_json_value(written.clone(), "schema")
        .unwrap_or_else(|e| panic!("the schema document is not of its declared type: {e}"));
    // The parts read as JSON above, each against its Rust type.
    let entries = |knobs: &[Knob], json: &[Value], section: &str| {
        assert_eq!(knobs.len(), json.len(), "{section}: one entry per knob");
        for (knob, json) in knobs.iter().zip(json) {
            let entry = KnobEntry {
                knob: *knob,
                default: json["default"].clone(),
                path: json["path"].as_str().unwrap_or_default().to_string(),
                allowed: json["allowed"].as_str().unwrap_or_default().to_string(),
            };
            assert_eq!(
                &serde_json::to_value(entry).unwrap(),
                json,
                "{section}.{}",
                knob.key
            );
        }
    };
    entries(Knobs::KNOBS, &doc.algo, "algo");
    entries(TrainConfig::KNOBS, &doc.train, "train");
    entries(ModelConfig::KNOBS, &doc.model, "model");
    for task in TaskConfig::all() {
        entries(task.knobs(), &doc.tasks[task.name()], task.name());
    }
    assert_eq!(
        serde_json::to_value(crate::train::metrics::METRICS).unwrap(),
        written["metrics"]
    );
    assert_eq!(
        serde_json::to_value(crate::algo::tex::SYMBOLS).unwrap(),
        written["formulas"]["symbols"]
    );
}
