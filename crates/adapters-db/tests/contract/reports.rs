// Report cases about the databases (the status spans' data migration), included into
// `mod cases` of `contract.rs`; the report figures themselves are in the shared contract.

/// The spans the migration fills from existing history are those the trigger keeps: the
/// reports' data set written with the trigger, the spans dropped (the migration and those
/// after it reverted) and rebuilt from the history by re-applying it, and every report
/// still gives the hand-computed figures.
pub async fn status_spans_rebuilt_from_history_give_the_same_reports(db: &Database) {
    let s = store(db);
    let fixture = shared::reports_fixture(&s).await;
    shared::reports_match_the_fixture(&s, &fixture).await;
    // Bounded by far more than the migrations after it, which grow with every release.
    for _ in 0..100 {
        let reverted = db.revert_last().await.expect("reverts the newest migration");
        if reverted.starts_with("2026-12-10-000001") || reverted.starts_with("20261210000001") {
            break;
        }
    }
    db.migrate().await.expect("re-applies");
    shared::reports_match_the_fixture(&s, &fixture).await;
}
