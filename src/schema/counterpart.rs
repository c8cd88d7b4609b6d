//! What the tools that train real models have for a knob — a TRL `GRPOConfig` field and a verl
//! override — declared in the knob's own line (`export { trl: …, verl: … }` in `knobs!` and
//! `config_section!`), so a knob without one does not compile. [`crate::export`] reads it.

/// One tool's counterpart of a knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counterpart {
    /// A setting of the knob's own name and meaning: exported with the knob's value.
    Same,
    /// A setting of this name with the knob's meaning: exported with the knob's value.
    Renamed(&'static str),
    /// No counterpart, for this reason: listed with it while the knob is on.
    Unmapped(&'static str),
    /// Written by the tool's export code (`src/export/trl.rs`, `verl.rs`): a convention that
    /// bends, or one setting that carries several knobs. The export test fails, naming the knob,
    /// when that code leaves it out.
    Code,
}

/// A knob's counterparts in TRL and verl, and when an export lists it as off instead.
pub struct Counterparts<S> {
    /// The knob's JSON key within its section.
    pub key: &'static str,
    pub trl: Counterpart,
    pub verl: Counterpart,
    /// Whether a config reads the knob at all (its method is the chosen one); unread, it is off.
    pub read: fn(&S) -> bool,
    /// Whether the value turns the knob's feature off, which a tool without a counterpart
    /// matches by having none (a tool with one still gets the value).
    pub off: fn(&S) -> bool,
}

fn always<S>(_: &S) -> bool {
    true
}

fn never<S>(_: &S) -> bool {
    false
}

impl<S> Counterparts<S> {
    /// Read by every config and never off.
    pub const fn new(key: &'static str, trl: Counterpart, verl: Counterpart) -> Self {
        Self {
            key,
            trl,
            verl,
            read: always::<S>,
            off: never::<S>,
        }
    }

    /// Read only where `read` holds.
    pub const fn read_if(mut self, read: fn(&S) -> bool) -> Self {
        self.read = read;
        self
    }

    /// Off where `off` holds.
    pub const fn off_if(mut self, off: fn(&S) -> bool) -> Self {
        self.off = off;
        self
    }
}

/// One knob's [`Counterparts`] from its `export { … }` clause: `trl: C, verl: C` (or `both: C`),
/// then optionally `read: |k| …` and `off: |k| …` over the section `$s`.
macro_rules! counterparts {
    ($s:ty, $key:expr, {
        both: $both:expr
        $(, read: |$r:ident| $read:expr)? $(, off: |$o:ident| $off:expr)? $(,)?
    }) => {
        $crate::schema::Counterparts::<$s>::new($key, $both, $both)
            $(.read_if(|$r: &$s| $read))? $(.off_if(|$o: &$s| $off))?
    };
    ($s:ty, $key:expr, {
        trl: $trl:expr, verl: $verl:expr
        $(, read: |$r:ident| $read:expr)? $(, off: |$o:ident| $off:expr)? $(,)?
    }) => {
        $crate::schema::Counterparts::<$s>::new($key, $trl, $verl)
            $(.read_if(|$r: &$s| $read))? $(.off_if(|$o: &$s| $off))?
    };
}
pub(crate) use counterparts;
