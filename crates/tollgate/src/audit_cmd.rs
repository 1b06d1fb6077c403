//! `tollgate audit verify`: walks the audit chain page by page and names the first event
//! that does not match.

use std::process::ExitCode;

use tollgate_domain::audit::{GENESIS_HASH, verify_chain};
use tollgate_store::Store;

const PAGE: i64 = 10_000;

pub async fn verify(store: &dyn Store, json: bool) -> anyhow::Result<ExitCode> {
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut next_seq = 1;
    let mut after = 0;
    loop {
        let page = store.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        match verify_chain(&page, prev_hash, next_seq) {
            Ok((hash, seq)) => {
                prev_hash = hash;
                next_seq = seq;
            }
            Err(broken) => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "whole": false, "first_bad_event": broken.seq, "reason": broken.reason })
                    );
                } else {
                    println!(
                        "audit chain broken at event {}: {}",
                        broken.seq, broken.reason
                    );
                }
                return Ok(ExitCode::from(1));
            }
        }
    }
    let events = next_seq - 1;
    if json {
        println!(
            "{}",
            serde_json::json!({ "whole": true, "events": events, "head": prev_hash })
        );
    } else {
        println!("audit chain whole: {events} events, head {prev_hash}");
    }
    Ok(ExitCode::SUCCESS)
}
