//! Encryption at rest, the app's part: bringing stored sensitive entities and check subjects
//! to the current key version (at start, after `enlace keys rotate`, and when a case file
//! becomes sensitive or stops being so). The store seals and opens; only here are the plain
//! search terms worked out again (`terms_of`), to re-hash the blind index.
use crate::entities::terms_of;
use enlace_store::{Store, StoreError, Tx};

/// Entities and check subjects resealed by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SealReport {
    pub version: u32,
    pub entities: usize,
    pub checks: usize,
}

/// Rows per transaction: each batch is short, so a running server's writes interleave.
const BATCH: i64 = 200;

/// Reseals what is not yet under the current key version, batch by batch, each batch its own
/// short transaction (the server keeps running; readers open every version). Skipped when
/// the marker says everything is already there, unless `force` (a rotation's second pass
/// catches rows a server wrote under the older version before it saw the new one).
pub async fn seal_records(store: &Store, force: bool) -> Result<SealReport, StoreError> {
    let Some(version) = store.record_keys().map(|k| k.current()) else {
        return Ok(SealReport::default());
    };
    let mut report = SealReport {
        version,
        ..Default::default()
    };
    for what in ["entities", "checks"] {
        let mut tx = store.begin().await?;
        let done = tx.sealed_version(what).await? == Some(version);
        tx.commit().await?;
        if done && !force {
            continue;
        }
        let mut after = String::new();
        loop {
            let (n, next) = retry(|| async {
                let mut tx = store.begin().await?;
                let r = match what {
                    "entities" => reseal_batch(&mut tx, &after, None).await?,
                    _ => tx.reseal_check_subjects(&after, BATCH).await?,
                };
                tx.commit().await?;
                Ok(r)
            })
            .await?;
            match what {
                "entities" => report.entities += n,
                _ => report.checks += n,
            }
            match next {
                Some(n) => after = n,
                None => break,
            }
        }
        let mut tx = store.begin().await?;
        tx.set_sealed_version(what, version).await?;
        tx.commit().await?;
    }
    if report.entities + report.checks > 0 {
        tracing::info!(
            version,
            entities = report.entities,
            checks = report.checks,
            "sensitive records sealed under the current key"
        );
    }
    Ok(report)
}

/// One batch of entities after `after` (of one case file when given): returns how many
/// were rewritten and the cursor of the next batch.
async fn reseal_batch(
    tx: &mut Tx,
    after: &str,
    case_id: Option<&str>,
) -> Result<(usize, Option<String>), StoreError> {
    let (items, next) = tx
        .unrestricted_entities_to_reseal(after, case_id, BATCH)
        .await?;
    for item in &items {
        let e = &item.entity;
        tx.reseal_entity(e, &terms_of(&e.schema, &e.properties))
            .await?;
    }
    Ok((items.len(), next))
}

/// Reseals one case file's entities inside the caller's transaction (its sensitivity
/// changed: they are sealed now, or opened).
pub(crate) async fn reseal_case(tx: &mut Tx, case_id: &str) -> Result<(), StoreError> {
    let mut after = String::new();
    while let (_, Some(next)) = reseal_batch(tx, &after, Some(case_id)).await? {
        after = next;
    }
    Ok(())
}

/// A batch that lost a race with another process's writer (SQLite answers busy when a
/// read snapshot went stale) is simply run again.
async fn retry<T, F, Fut>(f: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        match f().await {
            Err(StoreError::Db(e)) if tries < 50 => {
                tries += 1;
                tracing::debug!(error = %e, "sealing batch retried");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}
