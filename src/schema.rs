//! Knob declarations: each config section declares its knobs once — default, range, help (the
//! field's doc comment), source paper, live or restart — and validation, `grpo-playground
//! schema`, the page's controls and the live setters all read that declaration.

use serde::Serialize;
use serde_json::Value;

use crate::error::ConfigError;

mod counterpart;
pub(crate) use counterpart::counterparts;
pub use counterpart::{Counterpart, Counterparts};

/// What values a knob accepts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "KnobRange"))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Range {
    /// A whole number in `[min, max]` (no `max`: unbounded), except the values in `except`.
    Int {
        min: u64,
        max: Option<u64>,
        except: &'static [u64],
    },
    /// A finite number between the bounds (inclusive unless `exclusive_*`; none: unbounded).
    Float {
        min: Option<f64>,
        exclusive_min: bool,
        max: Option<f64>,
        exclusive_max: bool,
    },
    Bool,
    /// One of `options`.
    Choice {
        options: &'static [&'static str],
    },
    /// A non-empty list of distinct `options`.
    Set {
        options: &'static [&'static str],
    },
    /// A token count ≥ 0, or `{"fraction_of_max": f}` with f in (0, 1] of max_completion_length.
    Tokens,
    /// `{name: weight}`: a finite weight ≥ 0 for some of the named `options` (a task's reward
    /// components).
    Weights {
        options: &'static [&'static str],
    },
}

impl Range {
    /// The accepted values as error messages and the page write them: `[1, 4]`, `> 0`, `[0, 1)`.
    pub fn allowed(&self) -> String {
        match *self {
            Self::Int { min, max, except } => {
                let mut text = match max {
                    Some(max) => format!("[{min}, {max}]"),
                    None => format!(">= {min}"),
                };
                if !except.is_empty() {
                    let except: Vec<String> = except.iter().map(u64::to_string).collect();
                    text += &format!(" except {}", except.join(", "));
                }
                text
            }
            Self::Float {
                min,
                exclusive_min,
                max,
                exclusive_max,
            } => match (min, max) {
                (Some(a), Some(b)) => format!(
                    "{}{a}, {b}{}",
                    if exclusive_min { '(' } else { '[' },
                    if exclusive_max { ')' } else { ']' }
                ),
                (Some(a), None) => format!("{} {a}", if exclusive_min { ">" } else { ">=" }),
                (None, Some(b)) => format!("{} {b}", if exclusive_max { "<" } else { "<=" }),
                (None, None) => "any finite number".to_string(),
            },
            Self::Bool => "true or false".to_string(),
            Self::Choice { options } => format!("one of {}", options.join(", ")),
            Self::Set { options } => {
                format!("a non-empty list of distinct {}", options.join(", "))
            }
            Self::Tokens => ">= 0 tokens, or {\"fraction_of_max\": f} with f in (0, 1]".to_string(),
            Self::Weights { options } => {
                format!(
                    "{{name: weight >= 0}} for names among {}",
                    options.join(", ")
                )
            }
        }
    }

    fn contains_f64(&self, x: f64) -> bool {
        let Self::Float {
            min,
            exclusive_min,
            max,
            exclusive_max,
        } = *self
        else {
            return false;
        };
        let above = min.is_none_or(|a| if exclusive_min { x > a } else { x >= a });
        let below = max.is_none_or(|b| if exclusive_max { x < b } else { x <= b });
        x.is_finite() && above && below
    }
}

/// One knob: its JSON key, what it accepts, what it means and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Knob {
    pub key: &'static str,
    #[serde(flatten)]
    pub range: Range,
    /// What leaving the knob unset (`null`) means; `None`: it always has a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub unset: Option<&'static str>,
    /// The field's doc comment.
    #[serde(serialize_with = "trimmed")]
    pub help: &'static str,
    /// The paper the knob comes from (title and arXiv id); empty for engineering knobs.
    pub source: &'static str,
    /// Whether a running session may change it between steps (`Trainer::set_live`); the other
    /// knobs need a reset.
    pub live: bool,
}

/// Writes a doc-comment help without the leading space `///` leaves.
pub(crate) fn trimmed<S: serde::Serializer>(help: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(help.trim())
}

impl Knob {
    const fn of(range: Range) -> Self {
        Self {
            key: "",
            range,
            unset: None,
            help: "",
            source: "",
            live: false,
        }
    }

    /// An integer in `[min, max]`.
    pub const fn int(min: u64, max: u64) -> Self {
        Self::of(Range::Int {
            min,
            max: Some(max),
            except: &[],
        })
    }

    /// An integer ≥ `min`.
    pub const fn int_from(min: u64) -> Self {
        Self::of(Range::Int {
            min,
            max: None,
            except: &[],
        })
    }

    /// An integer in `[min, max]` other than `except`.
    pub const fn int_except(min: u64, max: u64, except: &'static [u64]) -> Self {
        Self::of(Range::Int {
            min,
            max: Some(max),
            except,
        })
    }

    const fn float(
        min: Option<f64>,
        exclusive_min: bool,
        max: Option<f64>,
        exclusive_max: bool,
    ) -> Self {
        Self::of(Range::Float {
            min,
            exclusive_min,
            max,
            exclusive_max,
        })
    }

    /// A number > `min`.
    pub const fn above(min: f64) -> Self {
        Self::float(Some(min), true, None, false)
    }

    /// A number ≥ `min`.
    pub const fn at_least(min: f64) -> Self {
        Self::float(Some(min), false, None, false)
    }

    /// A number in `[min, max]`.
    pub const fn closed(min: f64, max: f64) -> Self {
        Self::float(Some(min), false, Some(max), false)
    }

    /// A number in `[min, max)`.
    pub const fn right_open(min: f64, max: f64) -> Self {
        Self::float(Some(min), false, Some(max), true)
    }

    /// A number in `(min, max]`.
    pub const fn left_open(min: f64, max: f64) -> Self {
        Self::float(Some(min), true, Some(max), false)
    }

    pub const fn flag() -> Self {
        Self::of(Range::Bool)
    }

    pub const fn choice(options: &'static [&'static str]) -> Self {
        Self::of(Range::Choice { options })
    }

    pub const fn set(options: &'static [&'static str]) -> Self {
        Self::of(Range::Set { options })
    }

    pub const fn tokens() -> Self {
        Self::of(Range::Tokens)
    }

    pub const fn weights(options: &'static [&'static str]) -> Self {
        Self::of(Range::Weights { options })
    }

    /// May be left unset (`null`), which means `meaning`.
    pub const fn unset(mut self, meaning: &'static str) -> Self {
        self.unset = Some(meaning);
        self
    }

    /// Comes from `paper`.
    pub const fn source(mut self, paper: &'static str) -> Self {
        self.source = paper;
        self
    }

    /// May change during a run.
    pub const fn live(mut self) -> Self {
        self.live = true;
        self
    }

    /// The key and help, filled in by the declaring macro from the field's name and doc comment.
    pub const fn named(mut self, key: &'static str, help: &'static str) -> Self {
        self.key = key;
        self.help = help;
        self
    }

    /// The accepted values, with what unset means.
    pub fn allowed(&self) -> String {
        match self.unset {
            Some(meaning) => format!("{}, or null ({meaning})", self.range.allowed()),
            None => self.range.allowed(),
        }
    }

    /// Checks one value as serde wrote it (types are serde's to check; ranges are this).
    pub fn check(&self, value: &Value) -> Result<(), ConfigError> {
        let out_of_range = |shown: &dyn std::fmt::Display| {
            Err(ConfigError::out_of_range(self.key, shown, &self.allowed()))
        };
        match (&self.range, value) {
            (_, Value::Null) if self.unset.is_some() => Ok(()),
            // serde writes NaN and infinities as null.
            (Range::Float { .. }, Value::Null) => out_of_range(&"NaN or infinity"),
            (Range::Int { min, max, except }, Value::Number(n)) => match n.as_u64() {
                Some(x) if x >= *min && max.is_none_or(|m| x <= m) && !except.contains(&x) => {
                    Ok(())
                }
                _ => out_of_range(n),
            },
            (range @ Range::Float { .. }, Value::Number(n)) => match n.as_f64() {
                Some(x) if range.contains_f64(x) => Ok(()),
                // As f64 prints it (`-1`, not serde's `-1.0`).
                Some(x) => out_of_range(&x),
                None => out_of_range(n),
            },
            (Range::Tokens, Value::Number(_)) => Ok(()),
            (Range::Tokens, Value::Object(fraction)) => {
                match fraction.get("fraction_of_max").and_then(Value::as_f64) {
                    Some(f) if f > 0.0 && f <= 1.0 => Ok(()),
                    _ => Err(ConfigError::out_of_range(
                        format!("{}.fraction_of_max", self.key),
                        fraction.get("fraction_of_max").unwrap_or(&Value::Null),
                        "(0, 1]",
                    )),
                }
            }
            (Range::Set { options }, Value::Array(items)) => {
                if items.is_empty() {
                    return Err(ConfigError::new(
                        self.key,
                        format!("is empty; allowed: {}", self.allowed()),
                    ));
                }
                match items
                    .iter()
                    .enumerate()
                    .find(|(i, x)| items[..*i].contains(x))
                {
                    Some((_, twice)) => Err(ConfigError::new(
                        self.key,
                        format!(
                            "lists {twice} twice; allowed: each of {} at most once",
                            options.join(", ")
                        ),
                    )),
                    None => Ok(()),
                }
            }
            (Range::Weights { options }, Value::Object(weights)) => {
                for (name, w) in weights {
                    let field = format!("{}.{name}", self.key);
                    if !options.contains(&name.as_str()) {
                        return Err(ConfigError::new(
                            field,
                            format!(
                                "is not a component of this task; allowed: {}",
                                options.join(", ")
                            ),
                        ));
                    }
                    match w.as_f64() {
                        Some(x) if x.is_finite() && x >= 0.0 => {}
                        // As f64 prints it (`-1`, not serde's `-1.0`).
                        Some(x) => return Err(ConfigError::out_of_range(field, x, ">= 0")),
                        None => return Err(ConfigError::out_of_range(field, w, ">= 0")),
                    }
                }
                Ok(())
            }
            (Range::Bool | Range::Choice { .. }, _) => Ok(()),
            (_, other) => Err(ConfigError::new(
                self.key,
                format!("{other} is not valid; allowed: {}", self.allowed()),
            )),
        }
    }
}

/// Checks every knob of a section against the section as serde writes it (a knob left out
/// counts as unset).
pub fn check_section(knobs: &[Knob], section: &impl Serialize) -> Result<(), ConfigError> {
    let value = serde_json::to_value(section)
        .map_err(|e| ConfigError::new("", format!("cannot be written as JSON: {e}")))?;
    for knob in knobs {
        knob.check(value.get(knob.key).unwrap_or(&Value::Null))?;
    }
    Ok(())
}

/// Declares a config section: the struct, its `Default` and its `KNOBS` table, from one list in
/// which each field's doc comment is its help, followed by `= default, Knob` (range, source,
/// live). A section the exports read ends every line with `, export { … }` (its TRL and verl
/// [`Counterparts`], in a `COUNTERPARTS` table).
macro_rules! config_section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                pub $field:ident : $ty:ty = $default:expr, $knob:expr, export $export:tt;
            )*
        }
    ) => {
        $crate::schema::config_section! {
            $(#[$meta])*
            pub struct $name { $( $(#[doc = $doc])* pub $field: $ty = $default, $knob; )* }
        }

        impl $name {
            /// Every knob's TRL and verl counterparts, in declaration order.
            pub const COUNTERPARTS: &'static [$crate::schema::Counterparts<Self>] = &[
                $( $crate::schema::counterparts!(Self, stringify!($field), $export), )*
            ];
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                pub $field:ident : $ty:ty = $default:expr, $knob:expr;
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Every knob of the section, in declaration order.
            pub const KNOBS: &'static [$crate::schema::Knob] = &[
                $( $knob.named(stringify!($field), concat!($($doc),*)), )*
            ];
        }
    };
}
pub(crate) use config_section;

#[cfg(test)]
mod tests {
    use super::*;

    fn knob(k: Knob) -> Knob {
        k.named("x", " help")
    }

    #[test]
    fn ranges_read_as_messages_write_them() {
        assert_eq!(Knob::int(1, 4).range.allowed(), "[1, 4]");
        assert_eq!(Knob::int_from(1).range.allowed(), ">= 1");
        assert_eq!(
            Knob::int_except(0, 64, &[1]).range.allowed(),
            "[0, 64] except 1"
        );
        assert_eq!(Knob::above(0.0).range.allowed(), "> 0");
        assert_eq!(Knob::at_least(0.0).range.allowed(), ">= 0");
        assert_eq!(Knob::right_open(0.0, 1.0).range.allowed(), "[0, 1)");
        assert_eq!(Knob::left_open(0.0, 1.0).range.allowed(), "(0, 1]");
        assert_eq!(
            knob(Knob::above(0.0).unset("= epsilon")).allowed(),
            "> 0, or null (= epsilon)"
        );
    }

    #[test]
    fn checks_bounds_openness_exceptions_and_non_finite_values() {
        let open = knob(Knob::above(0.0));
        assert!(open.check(&serde_json::json!(0.0)).is_err());
        assert!(open.check(&serde_json::json!(1e-9)).is_ok());
        assert!(open.check(&Value::Null).is_err(), "NaN arrives as null");
        let half = knob(Knob::right_open(0.0, 1.0));
        assert!(half.check(&serde_json::json!(0.0)).is_ok());
        assert!(half.check(&serde_json::json!(1.0)).is_err());
        let ints = knob(Knob::int_except(0, 64, &[1]));
        assert!(ints.check(&serde_json::json!(0)).is_ok());
        assert!(ints.check(&serde_json::json!(1)).is_err());
        assert!(ints.check(&serde_json::json!(65)).is_err());
        assert!(
            knob(Knob::above(0.0).unset("off"))
                .check(&Value::Null)
                .is_ok()
        );
        let err = ints.check(&serde_json::json!(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x: 1 is out of range; allowed: [0, 64] except 1"
        );
    }

    #[test]
    fn sets_must_be_non_empty_and_distinct_and_fractions_in_range() {
        let ops = knob(Knob::set(&["add", "sub"]));
        assert!(ops.check(&serde_json::json!(["add"])).is_ok());
        assert!(ops.check(&serde_json::json!([])).is_err());
        assert!(ops.check(&serde_json::json!(["add", "add"])).is_err());
        let tokens = knob(Knob::tokens());
        assert!(tokens.check(&serde_json::json!(4)).is_ok());
        assert!(
            tokens
                .check(&serde_json::json!({"fraction_of_max": 0.5}))
                .is_ok()
        );
        let err = tokens
            .check(&serde_json::json!({"fraction_of_max": 1.5}))
            .unwrap_err();
        assert_eq!(err.field, "x.fraction_of_max");
    }

    #[test]
    fn weights_name_components_and_are_not_negative() {
        let w = knob(Knob::weights(&["exact", "format"]).unset("the task's"));
        assert!(w.check(&serde_json::json!({"format": 0.5})).is_ok());
        assert!(w.check(&Value::Null).is_ok());
        let err = w.check(&serde_json::json!({"digits": 1})).unwrap_err();
        assert_eq!(err.field, "x.digits");
        assert!(
            err.problem.contains("allowed: exact, format"),
            "{}",
            err.problem
        );
        let err = w.check(&serde_json::json!({"exact": -1.0})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.exact: -1 is out of range; allowed: >= 0"
        );
    }
}
