//! Helpers shared by the benchmark examples (not an example itself).
#![allow(dead_code, clippy::unwrap_used)]
use enlace_app::{App, Ctx, Origin};

/// A field of /proc/self/status in KiB: `VmRSS` (now) or `VmHWM` (peak).
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A demo user's context, as a request of theirs would carry it.
pub async fn ctx(app: &App, username: &str) -> Ctx {
    let u = app.store.user_by_username(username).await.unwrap().unwrap();
    Ctx {
        actor: u.actor(),
        origin: Origin {
            request_id: "bench".into(),
            client_addr: "127.0.0.1".into(),
            purpose: None,
        },
    }
}
