//! The audit trail: an append-only chain of events, each holding the SHA-256 of the one before,
//! so that altering or removing any event breaks every hash after it.

use sha2::{Digest, Sha256};

use crate::time::Timestamp;

/// The hash the first event of a chain links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// Who acted: `user:<email>`, `system:<component>`, `import:<file>`.
    pub actor: String,
    /// What happened, dotted: `customer.created`, `subscription.suspended`.
    pub action: String,
    /// What it happened to: `customer:<id>`, `outbox:<id>`.
    pub subject: String,
    /// Why, as reason codes or sentences.
    pub reasons: Vec<String>,
    /// Further detail as JSON text (the domain does not read it).
    pub details: String,
    pub at: Timestamp,
}

/// An event as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: i64,
    pub event: NewAuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event given the hash of the one before it. Every field is length-prefixed,
/// so no two different events encode alike.
pub fn chain_hash(seq: i64, prev_hash: &str, event: &NewAuditEvent) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(&seq.to_be_bytes());
    field(prev_hash.as_bytes());
    field(&event.at.millis().to_be_bytes());
    field(event.actor.as_bytes());
    field(event.action.as_bytes());
    field(event.subject.as_bytes());
    field(&(event.reasons.len() as u64).to_be_bytes());
    for reason in &event.reasons {
        field(reason.as_bytes());
    }
    field(event.details.as_bytes());
    hex::encode(hasher.finalize())
}

/// Where a chain stops being whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks events in order, continuing from `prev_hash` (the genesis hash at the start) and
/// `expected_seq`; returns the last good hash or the first break.
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    mut prev_hash: String,
    mut expected_seq: i64,
) -> Result<(String, i64), ChainBreak> {
    for stored in events {
        if stored.seq != expected_seq {
            return Err(ChainBreak {
                seq: stored.seq,
                reason: format!(
                    "expected event {expected_seq} next, found {}: an event is missing",
                    stored.seq
                ),
            });
        }
        if stored.prev_hash != prev_hash {
            return Err(ChainBreak {
                seq: stored.seq,
                reason: "its previous-hash does not match the event before it".to_string(),
            });
        }
        let recomputed = chain_hash(stored.seq, &prev_hash, &stored.event);
        if recomputed != stored.hash {
            return Err(ChainBreak {
                seq: stored.seq,
                reason: "its content does not match its hash: the event was altered".to_string(),
            });
        }
        prev_hash = recomputed;
        expected_seq += 1;
    }
    Ok((prev_hash, expected_seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> NewAuditEvent {
        NewAuditEvent {
            actor: "system:test".into(),
            action: action.into(),
            subject: "customer:1".into(),
            reasons: vec!["because".into()],
            details: "{}".into(),
            at: Timestamp::from_millis(1),
        }
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let e = event(&format!("a{seq}"));
                let hash = chain_hash(seq, &prev, &e);
                let stored = AuditEvent {
                    seq,
                    event: e,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn a_whole_chain_verifies() {
        let events = chain(5);
        let (last, next) = verify_chain(&events, GENESIS_HASH.into(), 1).unwrap();
        assert_eq!(next, 6);
        assert_eq!(last, events[4].hash);
    }

    #[test]
    fn an_altered_event_is_named() {
        let mut events = chain(5);
        events[2].event.reasons = vec!["forged".into()];
        let broken = verify_chain(&events, GENESIS_HASH.into(), 1).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("altered"));
    }

    #[test]
    fn a_removed_event_is_named() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(
            verify_chain(&events, GENESIS_HASH.into(), 1)
                .unwrap_err()
                .seq,
            3
        );
    }
}
