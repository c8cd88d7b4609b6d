//! The one token vocabulary every task and policy shares. Token ids are dense `u32`s, so a
//! policy's embedding table has [`VOCAB_SIZE`] rows whatever the task.

/// A token id.
pub type TokenId = u32;

/// Padding (never sampled, never scored).
pub const PAD: TokenId = 0;
/// Start of a prompt.
pub const BOS: TokenId = 1;
/// End of a completion; a completion's last token when it finished before `max_completion_length`.
pub const EOS: TokenId = 2;
/// Digits `0`..`9` are `DIGIT_0 + d`.
pub const DIGIT_0: TokenId = 3;
pub const PLUS: TokenId = 13;
pub const MINUS: TokenId = 14;
pub const TIMES: TokenId = 15;
pub const EQUALS: TokenId = 16;
/// Maze cells and the row separator.
pub const WALL: TokenId = 17;
pub const OPEN: TokenId = 18;
pub const START: TokenId = 19;
pub const GOAL: TokenId = 20;
pub const ROW_END: TokenId = 21;
/// Maze moves.
pub const UP: TokenId = 22;
pub const DOWN: TokenId = 23;
pub const LEFT: TokenId = 24;
pub const RIGHT: TokenId = 25;
/// Bandit prompt marker.
pub const BANDIT: TokenId = 26;
/// Bandit arms `ARM_0 + k`, k < [`MAX_ARMS`].
pub const ARM_0: TokenId = 27;
pub const MAX_ARMS: u32 = 16;
/// Bandit contexts `CONTEXT_0 + c`, c < [`MAX_CONTEXTS`].
pub const CONTEXT_0: TokenId = ARM_0 + MAX_ARMS;
pub const MAX_CONTEXTS: u32 = 16;
/// Marks a prompt whose answer is to be written with its digits reversed.
pub const REVERSED: TokenId = CONTEXT_0 + MAX_CONTEXTS;
/// Number of token ids.
pub const VOCAB_SIZE: usize = (REVERSED + 1) as usize;

/// The digit token for `d` (0–9).
pub fn digit(d: u32) -> TokenId {
    debug_assert!(d < 10, "a digit is 0..=9");
    DIGIT_0 + d
}

/// Appends the decimal digit tokens of `x`, most significant first.
pub fn push_digits(out: &mut Vec<TokenId>, x: u64) {
    let start = out.len();
    let mut x = x;
    loop {
        out.push(digit((x % 10) as u32));
        x /= 10;
        if x == 0 {
            break;
        }
    }
    out[start..].reverse();
}

/// A short human-readable spelling of a token, for logs and the sample viewer.
pub fn spell(token: TokenId) -> String {
    match token {
        PAD => "·".into(),
        BOS => "^".into(),
        EOS => "$".into(),
        t if (DIGIT_0..DIGIT_0 + 10).contains(&t) => (t - DIGIT_0).to_string(),
        PLUS => "+".into(),
        MINUS => "-".into(),
        TIMES => "*".into(),
        EQUALS => "=".into(),
        WALL => "#".into(),
        OPEN => ".".into(),
        START => "S".into(),
        GOAL => "G".into(),
        ROW_END => "/".into(),
        UP => "U".into(),
        DOWN => "D".into(),
        LEFT => "L".into(),
        RIGHT => "R".into(),
        BANDIT => "bandit:".into(),
        t if (ARM_0..ARM_0 + MAX_ARMS).contains(&t) => format!("a{}", t - ARM_0),
        t if (CONTEXT_0..CONTEXT_0 + MAX_CONTEXTS).contains(&t) => format!("c{}", t - CONTEXT_0),
        REVERSED => "rev:".into(),
        t => format!("<{t}>"),
    }
}

/// Spells a sequence, e.g. `^12+7=` or `19$`.
pub fn spell_all(tokens: &[TokenId]) -> String {
    tokens.iter().map(|&t| spell(t)).collect()
}
