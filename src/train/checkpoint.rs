//! A checkpoint: config, step, RNG state, policy and reference weights, optimizer state, so a
//! resumed run continues identically. Layout: magic, then length-prefixed parts (a JSON header,
//! then burn's own byte records).

use serde::{Deserialize, Serialize};

use crate::config::RunConfig;
use crate::tasks::TaskRng;

const MAGIC: &[u8; 8] = b"GRPOCKP1";

/// What a checkpoint's JSON header holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub config: RunConfig,
    pub step: usize,
    pub rng: TaskRng,
}

/// A decoded checkpoint.
pub struct Checkpoint {
    pub header: Header,
    pub policy: Vec<u8>,
    pub optimizer: Vec<u8>,
    /// Empty when the run keeps no reference policy.
    pub reference: Vec<u8>,
}

impl Checkpoint {
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let header = serde_json::to_vec(&self.header).map_err(|e| e.to_string())?;
        let mut out = MAGIC.to_vec();
        for part in [&header, &self.policy, &self.optimizer, &self.reference] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part);
        }
        Ok(out)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or("not a grpo-playground checkpoint (bad magic)")?;
        let mut parts = Vec::with_capacity(4);
        let mut at = 0;
        for _ in 0..4 {
            let len_bytes: [u8; 8] = rest
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .ok_or("truncated checkpoint")?;
            let len = u64::from_le_bytes(len_bytes) as usize;
            at += 8;
            parts.push(
                rest.get(at..at + len)
                    .ok_or("truncated checkpoint")?
                    .to_vec(),
            );
            at += len;
        }
        let reference = parts.pop().unwrap_or_default();
        let optimizer = parts.pop().unwrap_or_default();
        let policy = parts.pop().unwrap_or_default();
        let header = serde_json::from_slice(&parts.pop().unwrap_or_default())
            .map_err(|e| format!("checkpoint header: {e}"))?;
        Ok(Self {
            header,
            policy,
            optimizer,
            reference,
        })
    }
}
