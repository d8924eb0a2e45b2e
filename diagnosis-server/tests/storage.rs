//! One test suite for both storage backends: SQLite always, PostgreSQL when
//! `MIMAMORI_TEST_POSTGRES_URL` is set (a fresh database is created for each run). With
//! `MIMAMORI_REQUIRE_POSTGRES=1` (CI) a missing URL fails the test instead of skipping it.

use std::sync::Arc;

use mimamori_api::v1::TestType;
use mimamori_diagnosis_server::storage::{
    ExportFileRecord, NewCode, NoticeRequestRow, PostgresStorage, RedeemOutcome, SqliteStorage,
    Storage, StoredExposure, StoredNotice, VenueKeywordRow, VenuePublicationRow,
    VenueRegistrationRow,
};

use crate::common;

const NOW: i64 = 1_795_176_000;

fn code(id: &str, hash: &str, expires_at: i64) -> NewCode {
    NewCode {
        id: id.into(),
        code_hash: hash.into(),
        test_type: TestType::Likely,
        symptom_date: Some("2026-11-18".into()),
        test_date: None,
        issued_at: NOW,
        expires_at,
        issued_by: "tanaka".into(),
    }
}

fn exposure(byte: u8, available_at: i64) -> StoredExposure {
    StoredExposure {
        key: [byte; 16],
        rolling_start: 2_991_888,
        rolling_period: 144,
        transmission_risk: 0,
        report_type: 1,
        days_since_onset: Some(2),
        available_at,
    }
}

const ALL_TYPES: &[TestType] = &[TestType::Confirmed, TestType::Likely, TestType::Negative];

/// Stores the code `id` with hash `hash`, valid until `NOW + 900`; whether it was new.
async fn insert_code(storage: &Arc<dyn Storage>, id: &str, hash: &str) -> bool {
    storage
        .insert_code(&code(id, hash, NOW + 900))
        .await
        .unwrap()
}

/// Redeems the code with hash `hash` at `at` for an app that accepts every test type.
async fn redeem(storage: &Arc<dyn Storage>, hash: &str, at: i64) -> RedeemOutcome {
    storage.redeem_code(hash, ALL_TYPES, at).await.unwrap()
}

async fn suite(storage: Arc<dyn Storage>) {
    // API keys.
    storage.put_api_key("staff", "hash-1", NOW).await.unwrap();
    assert_eq!(
        storage.api_key_name("hash-1").await.unwrap().as_deref(),
        Some("staff")
    );
    storage.put_api_key("staff", "hash-2", NOW).await.unwrap();
    assert_eq!(
        storage.api_key_name("hash-1").await.unwrap(),
        None,
        "replaced"
    );
    assert_eq!(storage.api_key_name("nope").await.unwrap(), None);

    // Codes: insert, duplicate hash, redeem once, expiry, manual expiry.
    assert!(insert_code(&storage, "a", "h-a").await);
    assert!(!insert_code(&storage, "a2", "h-a").await);
    // Issue 13 defect 3: a code of a type the app does not accept is left usable.
    assert_eq!(
        storage
            .redeem_code("h-a", &[TestType::Confirmed], NOW + 9)
            .await
            .unwrap(),
        RedeemOutcome::UnsupportedTestType
    );
    assert_eq!(
        storage.code_status("a").await.unwrap().unwrap().redeemed_at,
        None
    );
    assert_eq!(
        redeem(&storage, "h-a", NOW + 10).await,
        RedeemOutcome::Redeemed {
            test_type: TestType::Likely,
            symptom_date: Some("2026-11-18".into()),
            test_date: None
        }
    );
    assert_eq!(
        redeem(&storage, "h-a", NOW + 11).await,
        RedeemOutcome::AlreadyUsed
    );
    assert_eq!(redeem(&storage, "h-x", NOW).await, RedeemOutcome::NotFound);
    assert!(insert_code(&storage, "b", "h-b").await);
    assert_eq!(
        redeem(&storage, "h-b", NOW + 900).await,
        RedeemOutcome::Expired
    );
    assert!(insert_code(&storage, "c", "h-c").await);
    assert!(storage.expire_code("c", NOW + 5).await.unwrap());
    assert!(!storage.expire_code("c", NOW + 6).await.unwrap());
    assert!(
        !storage.expire_code("a", NOW + 6).await.unwrap(),
        "a redeemed code stays redeemed"
    );
    assert_eq!(
        redeem(&storage, "h-c", NOW + 7).await,
        RedeemOutcome::Expired
    );
    let status = storage.code_status("a").await.unwrap().unwrap();
    assert_eq!(status.issued_by.as_deref(), Some("tanaka"), "who issued it");
    assert_eq!(status.redeemed_at, Some(NOW + 10));
    assert_eq!(
        storage.code_status("c").await.unwrap().unwrap().expired_at,
        Some(NOW + 5)
    );
    assert_eq!(storage.code_status("zzz").await.unwrap(), None);

    // Concurrent redeem: exactly one winner.
    assert!(insert_code(&storage, "d", "h-d").await);
    let attempts: Vec<_> = (0..16)
        .map(|_| {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move { redeem(&storage, "h-d", NOW + 1).await })
        })
        .collect();
    let mut winners = 0;
    for attempt in attempts {
        if matches!(attempt.await.unwrap(), RedeemOutcome::Redeemed { .. }) {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);

    // The failed verification budget: counted per minute, given back, old minutes dropped.
    let minute = NOW / 60;
    for expected in 1..=3 {
        assert_eq!(
            storage
                .count_verification_attempt(minute, NOW)
                .await
                .unwrap(),
            expected
        );
    }
    assert_eq!(storage.verification_attempts(minute).await.unwrap(), 3);
    assert_eq!(storage.verification_attempts(minute + 5).await.unwrap(), 0);
    storage.uncount_verification_attempt(minute).await.unwrap();
    assert_eq!(
        storage
            .count_verification_attempt(minute, NOW)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        storage
            .count_verification_attempt(minute + 1, NOW + 60)
            .await
            .unwrap(),
        1,
        "a new minute starts from zero"
    );
    // An hour later the old minute is dropped (counting it again starts over).
    assert_eq!(
        storage
            .count_verification_attempt(minute, NOW + 3700)
            .await
            .unwrap(),
        1
    );

    // Tokens are claimed once.
    assert!(storage.claim_token("t1", NOW + 100).await.unwrap());
    assert!(!storage.claim_token("t1", NOW + 100).await.unwrap());

    // Keys: duplicates ignored.
    assert_eq!(
        storage
            .insert_exposures(&[exposure(1, NOW), exposure(2, NOW + 50_000)], NOW)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        storage
            .insert_exposures(&[exposure(1, NOW), exposure(3, NOW)], NOW)
            .await
            .unwrap(),
        1
    );

    // Batches: one claim at a time, a stale claim is taken over, the next starts at the end.
    let batch = storage
        .begin_export_batch(NOW + 1, NOW - 1000, 600, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((batch.start, batch.end), (NOW - 1000, NOW + 1));
    assert_eq!(
        storage
            .begin_export_batch(NOW + 2, NOW - 1000, 600, NOW + 1)
            .await
            .unwrap(),
        None,
        "another claim is held"
    );
    // A renewed claim holds past its first lease (issue 13: the exporter renews while it works).
    assert!(storage.renew_export_batch(&batch, NOW + 50).await.unwrap());
    assert_eq!(
        storage
            .begin_export_batch(NOW + 620, NOW - 1000, 600, NOW + 620)
            .await
            .unwrap(),
        None,
        "the renewed claim is held beyond 600 s after it was first made"
    );
    // A key uploaded now, committing after the claim, goes to the next batch.
    storage
        .insert_exposures(&[exposure(4, NOW)], NOW)
        .await
        .unwrap();
    let mut keys = storage
        .exposures_between(batch.start, batch.end)
        .await
        .unwrap();
    keys.sort_by_key(|key| key.key);
    assert_eq!(
        keys.iter().map(|key| key.key[0]).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(keys[0], exposure(1, NOW));
    let stale = storage
        .begin_export_batch(NOW + 700, NOW - 1000, 600, NOW + 700)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stale.start, NOW - 1000, "the stale claim was taken over");
    assert!(
        !storage.renew_export_batch(&batch, NOW + 701).await.unwrap(),
        "a claim taken over cannot be renewed"
    );
    assert!(
        storage.complete_export_batch(&batch, &[]).await.is_err(),
        "the original claimer lost its batch and lists nothing"
    );
    let file = ExportFileRecord {
        region: "JP".into(),
        object_name: "exports/JP/1-2-00001.zip".into(),
        batch_id: stale.id,
        batch_num: 1,
        batch_size: 1,
        key_count: 1000,
        created_ms: (NOW + 700) * 1000,
    };
    storage
        .complete_export_batch(&stale, std::slice::from_ref(&file))
        .await
        .unwrap();
    assert_eq!(
        storage.export_files("JP").await.unwrap(),
        std::slice::from_ref(&file)
    );
    assert_eq!(storage.export_files("US").await.unwrap(), []);
    let next = storage
        .begin_export_batch(NOW + 60_000, NOW - 1000, 600, NOW + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.start, NOW + 700);
    let mut keys = storage
        .exposures_between(next.start, next.end)
        .await
        .unwrap();
    keys.sort_by_key(|key| key.key);
    assert_eq!(keys.iter().map(|key| key.key[0]).collect::<Vec<_>>(), [2]);
    let _ = storage
        .exposures_between(stale.start, stale.end)
        .await
        .unwrap();
    storage.complete_export_batch(&next, &[]).await.unwrap();

    // Instances racing for the next batch: exactly one claims it.
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move {
                storage
                    .begin_export_batch(NOW + 70_000, 0, 600, NOW + 70_000)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for racer in racers {
        claimed.extend(racer.await.unwrap());
    }
    assert_eq!(claimed.len(), 1, "one instance claims the batch");
    assert_eq!(claimed[0].start, NOW + 60_000);
    storage
        .complete_export_batch(&claimed[0], &[])
        .await
        .unwrap();

    // Retention.
    let swept = storage
        .delete_expired(NOW + 1, (NOW + 701) * 1000, NOW + 1000)
        .await
        .unwrap();
    assert_eq!(swept.keys_deleted, 2, "keys 1 and 3");
    assert_eq!(swept.files_deleted, [file]);
    assert_eq!(storage.export_files("JP").await.unwrap(), []);
    assert_eq!(
        storage.code_status("a").await.unwrap(),
        None,
        "old codes are deleted"
    );
    assert!(
        storage.claim_token("t1", NOW + 100).await.unwrap(),
        "old token records go too"
    );
    assert_eq!(
        storage
            .begin_export_batch(NOW + 60_000, 0, 600, NOW + 60_001)
            .await
            .unwrap(),
        None,
        "the latest batch end is kept, so nothing is exported twice"
    );

    // Statistics: issued 5 (a, b, c, d + the duplicate refused), redeemed 2, expired: c by
    // staff and b lapsed.
    let days = storage.statistics("2026-11-20").await.unwrap();
    assert_eq!(days.len(), 1);
    let day = &days[0];
    assert_eq!(day.day, "2026-11-20");
    assert_eq!(day.codes_issued, 4);
    assert_eq!(day.codes_redeemed, 2);
    assert_eq!(day.codes_expired, 2);
    assert_eq!(day.uploads, 3);
    assert_eq!(day.keys_published, 4);
    assert_eq!(day.export_files, 1);
}

fn registration(id: &str) -> VenueRegistrationRow {
    VenueRegistrationRow {
        id: id.into(),
        created_at: NOW,
        trace_lookup: format!("trace-{id}"),
        manager_lookup: format!("manager-{id}"),
        sealed_for_trace: format!("sealed-trace-{id}").into_bytes(),
        sealed_for_manager: format!("sealed-manager-{id}").into_bytes(),
    }
}

fn keyword(lookup: &str, registration_id: &str, expires_at: i64) -> VenueKeywordRow {
    VenueKeywordRow {
        lookup: lookup.into(),
        registration_id: registration_id.into(),
        sealed: format!("sealed-{lookup}").into_bytes(),
        expires_at,
    }
}

fn request(id: &str, registration_id: &str, created_at: i64) -> NoticeRequestRow {
    NoticeRequestRow {
        id: id.into(),
        registration_id: registration_id.into(),
        created_at,
        status: "pending".into(),
        decided_at: None,
        summary: format!("summary-{id}").into_bytes(),
        entries: format!("entries-{id}").into_bytes(),
    }
}

fn notice(id: &str, published_at: i64) -> StoredNotice {
    StoredNotice {
        notice_id: id.into(),
        published_at,
        entry: format!("entry-{id}").into_bytes(),
    }
}

/// The list entry of publishing `entries` rooms' notices as `id` at `published_at`.
fn publication(id: &str, published_at: i64, entries: usize) -> VenuePublicationRow {
    VenuePublicationRow {
        id: id.into(),
        registration_id: "V-1".into(),
        published_at,
        published_by: "tanaka".into(),
        entries: i64::try_from(entries).unwrap(),
        summary: format!("sealed-{id}").into_bytes(),
    }
}

async fn by_trace(storage: &Arc<dyn Storage>, lookup: &str) -> Option<VenueRegistrationRow> {
    storage.venue_by_trace_lookup(lookup).await.unwrap()
}

async fn by_manager(storage: &Arc<dyn Storage>, lookup: &str) -> Option<VenueRegistrationRow> {
    storage.venue_by_manager_lookup(lookup).await.unwrap()
}

async fn take_keyword(
    storage: &Arc<dyn Storage>,
    lookup: &str,
    now: i64,
) -> Option<VenueKeywordRow> {
    storage.take_venue_keyword(lookup, now).await.unwrap()
}

/// Decides the notice request `id` (`approve` or reject), publishing `published` (and listing
/// it as [`publication`]) if approved.
async fn decide(
    storage: &Arc<dyn Storage>,
    id: &str,
    approve: bool,
    published: &[StoredNotice],
    now: i64,
) -> Option<NoticeRequestRow> {
    let listed = publication(id, now, published.len());
    storage
        .decide_notice_request(id, approve, published, Some(&listed), now)
        .await
        .unwrap()
}

/// Venue registrations, keywords, notice requests and notices ([`VenueStorage`]) on one backend.
///
/// [`VenueStorage`]: mimamori_diagnosis_server::storage::VenueStorage
async fn venue_suite(storage: Arc<dyn Storage>) {
    // Registrations: found by either lookup, unknown lookups find nothing.
    let v1 = registration("V-1");
    storage.insert_venue_registration(&v1).await.unwrap();
    storage
        .insert_venue_registration(&registration("V-2"))
        .await
        .unwrap();
    assert_eq!(by_trace(&storage, "trace-V-1").await, Some(v1.clone()));
    assert_eq!(by_manager(&storage, "manager-V-1").await, Some(v1.clone()));
    assert_eq!(by_trace(&storage, "trace-nope").await, None);
    assert_eq!(by_manager(&storage, "manager-nope").await, None);
    assert_eq!(
        by_trace(&storage, "manager-V-1").await,
        None,
        "a manager lookup is not a trace lookup"
    );

    // Uniqueness: a duplicate id or lookup is refused and changes nothing already stored.
    let mut same_id = registration("V-1");
    same_id.trace_lookup = "trace-other".into();
    same_id.manager_lookup = "manager-other".into();
    same_id.sealed_for_trace = b"replacement".to_vec();
    assert!(storage.insert_venue_registration(&same_id).await.is_err());
    let mut same_trace = registration("V-3");
    same_trace.trace_lookup = v1.trace_lookup.clone();
    assert!(
        storage
            .insert_venue_registration(&same_trace)
            .await
            .is_err()
    );
    let mut same_manager = registration("V-4");
    same_manager.manager_lookup = v1.manager_lookup.clone();
    assert!(
        storage
            .insert_venue_registration(&same_manager)
            .await
            .is_err()
    );
    assert_eq!(
        by_trace(&storage, "trace-V-1").await,
        Some(v1.clone()),
        "the first registration is untouched"
    );
    assert_eq!(by_manager(&storage, "manager-V-1").await, Some(v1.clone()));
    for lookup in ["trace-other", "trace-V-3", "trace-V-4"] {
        assert_eq!(by_trace(&storage, lookup).await, None);
    }
    for lookup in ["manager-other", "manager-V-3", "manager-V-4"] {
        assert_eq!(by_manager(&storage, lookup).await, None);
    }

    // Keywords: taken exactly once, never after expiry.
    let k1 = keyword("kw-1", "V-1", NOW + 600);
    storage.insert_venue_keyword(&k1).await.unwrap();
    assert_eq!(take_keyword(&storage, "kw-1", NOW).await, Some(k1.clone()));
    assert_eq!(
        take_keyword(&storage, "kw-1", NOW + 1).await,
        None,
        "a keyword works once"
    );
    assert_eq!(take_keyword(&storage, "kw-nope", NOW).await, None);
    storage
        .insert_venue_keyword(&keyword("kw-2", "V-1", NOW + 600))
        .await
        .unwrap();
    assert_eq!(
        take_keyword(&storage, "kw-2", NOW + 600).await,
        None,
        "expired at its expiry time"
    );
    assert_eq!(
        take_keyword(&storage, "kw-2", NOW).await,
        None,
        "an expired keyword was deleted"
    );
    // Another keyword's expiry sweep leaves a live keyword alone.
    let k3 = keyword("kw-3", "V-2", NOW + 900);
    storage.insert_venue_keyword(&k3).await.unwrap();
    storage
        .insert_venue_keyword(&keyword("kw-4", "V-2", NOW + 100))
        .await
        .unwrap();
    assert_eq!(take_keyword(&storage, "kw-4", NOW + 500).await, None);
    // A duplicate keyword or one for an unknown registration is refused; the stored one stays.
    let mut k3_again = keyword("kw-3", "V-1", NOW + 5000);
    k3_again.sealed = b"replacement".to_vec();
    assert!(storage.insert_venue_keyword(&k3_again).await.is_err());
    assert!(
        storage
            .insert_venue_keyword(&keyword("kw-5", "V-unknown", NOW + 900))
            .await
            .is_err()
    );
    assert_eq!(take_keyword(&storage, "kw-5", NOW).await, None);
    // Racing takes of one keyword: exactly one gets it.
    let takers: Vec<_> = (0..8)
        .map(|_| {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move { take_keyword(&storage, "kw-3", NOW + 501).await })
        })
        .collect();
    let mut taken = Vec::new();
    for taker in takers {
        taken.extend(taker.await.unwrap());
    }
    assert_eq!(taken, [k3], "one taker, and the original keyword");

    // Notice requests: listed oldest first while pending.
    let r1 = request("req-1", "V-1", NOW + 20);
    let r2 = request("req-2", "V-2", NOW + 10);
    let r3 = request("req-3", "V-1", NOW + 30);
    for row in [&r1, &r2, &r3] {
        storage.insert_notice_request(row).await.unwrap();
    }
    assert_eq!(
        storage.pending_notice_requests().await.unwrap(),
        [r2.clone(), r1.clone(), r3.clone()]
    );
    // A duplicate id or an unknown registration is refused; nothing listed changes.
    let mut r1_again = request("req-1", "V-2", NOW);
    r1_again.summary = b"replacement".to_vec();
    assert!(storage.insert_notice_request(&r1_again).await.is_err());
    assert!(
        storage
            .insert_notice_request(&request("req-9", "V-unknown", NOW))
            .await
            .is_err()
    );
    assert_eq!(
        storage.pending_notice_requests().await.unwrap(),
        [r2.clone(), r1.clone(), r3.clone()]
    );

    // Decisions: once each. Approval publishes the notices in the same transaction; a second
    // decision (either way) returns None and publishes nothing.
    assert_eq!(storage.venue_notices_since(0).await.unwrap(), []);
    let approved = decide(
        &storage,
        "req-1",
        true,
        &[notice("n-1", NOW + 100), notice("n-2", NOW + 100)],
        NOW + 100,
    )
    .await
    .unwrap();
    assert_eq!(
        approved,
        NoticeRequestRow {
            status: "approved".into(),
            decided_at: Some(NOW + 100),
            ..r1.clone()
        }
    );
    assert_eq!(
        decide(&storage, "req-1", false, &[], NOW + 101).await,
        None,
        "an approved request cannot then be rejected"
    );
    assert_eq!(
        decide(
            &storage,
            "req-1",
            true,
            &[notice("n-3", NOW + 102)],
            NOW + 102
        )
        .await,
        None,
        "nor approved twice"
    );
    let rejected = decide(
        &storage,
        "req-2",
        false,
        &[notice("n-4", NOW + 103)],
        NOW + 103,
    )
    .await
    .unwrap();
    assert_eq!(
        rejected,
        NoticeRequestRow {
            status: "rejected".into(),
            decided_at: Some(NOW + 103),
            ..r2.clone()
        }
    );
    assert_eq!(
        decide(
            &storage,
            "req-2",
            true,
            &[notice("n-5", NOW + 104)],
            NOW + 104
        )
        .await,
        None,
        "a rejected request cannot then be approved"
    );
    assert_eq!(
        decide(
            &storage,
            "req-nope",
            true,
            &[notice("n-6", NOW + 105)],
            NOW + 105
        )
        .await,
        None
    );
    assert_eq!(
        storage.pending_notice_requests().await.unwrap(),
        std::slice::from_ref(&r3)
    );
    assert_eq!(
        storage.venue_notices_since(0).await.unwrap(),
        [notice("n-1", NOW + 100), notice("n-2", NOW + 100)],
        "only the approval published; refused decisions published nothing"
    );

    // Staff deciding the same request at once: exactly one decision wins, never both.
    let deciders: Vec<_> = (0..8)
        .map(|index| {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move {
                let approve = index % 2 == 0;
                let published = [notice(&format!("n-race-{index}"), NOW + 200)];
                let outcome = decide(&storage, "req-3", approve, &published, NOW + 200).await;
                outcome.map(|row| (index, row))
            })
        })
        .collect();
    let mut decided = Vec::new();
    for decider in deciders {
        decided.extend(decider.await.unwrap());
    }
    assert_eq!(decided.len(), 1, "one decision");
    let (winner, row) = &decided[0];
    let expected_status = if winner % 2 == 0 {
        "approved"
    } else {
        "rejected"
    };
    assert_eq!(row.status, expected_status);
    let mut expected = vec![notice("n-1", NOW + 100), notice("n-2", NOW + 100)];
    if winner % 2 == 0 {
        expected.push(notice(&format!("n-race-{winner}"), NOW + 200));
    }
    assert_eq!(storage.venue_notices_since(0).await.unwrap(), expected);
    assert_eq!(storage.pending_notice_requests().await.unwrap(), []);
    // The list of published notices: the approvals only, newest first.
    let mut listed = vec![publication("req-1", NOW + 100, 2)];
    if winner % 2 == 0 {
        listed.insert(0, publication("req-3", NOW + 200, 1));
    }
    assert_eq!(storage.venue_publications_since(0).await.unwrap(), listed);

    // Notices: stored ids are kept as they were, and only those published at or after `since`
    // are returned (older ones are deleted).
    let direct = publication("direct-1", NOW + 300, 2);
    storage
        .insert_venue_notices(
            &[notice("n-7", NOW + 300), notice("n-8", NOW + 400)],
            Some(&direct),
        )
        .await
        .unwrap();
    let mut n7_again = notice("n-7", NOW + 50);
    n7_again.entry = b"replacement".to_vec();
    storage
        .insert_venue_notices(&[n7_again, notice("n-9", NOW + 500)], None)
        .await
        .unwrap();
    // Publications are listed newest first and, like notices, only from `since` on.
    assert_eq!(
        storage.venue_publications_since(NOW + 101).await.unwrap()[0],
        direct
    );
    assert_eq!(
        storage.venue_publications_since(NOW + 201).await.unwrap(),
        std::slice::from_ref(&direct),
        "the older approvals are dropped from the list"
    );
    assert_eq!(
        storage.venue_publications_since(0).await.unwrap(),
        [direct],
        "and deleted"
    );
    assert_eq!(
        storage.venue_publications_since(NOW + 301).await.unwrap(),
        []
    );
    assert_eq!(
        storage.venue_notices_since(NOW + 300).await.unwrap(),
        [
            notice("n-7", NOW + 300),
            notice("n-8", NOW + 400),
            notice("n-9", NOW + 500)
        ],
        "n-7 was not replaced; the older notices are not returned"
    );
    assert_eq!(
        storage.venue_notices_since(NOW + 401).await.unwrap(),
        [notice("n-9", NOW + 500)]
    );
    assert_eq!(
        storage.venue_notices_since(0).await.unwrap(),
        [notice("n-9", NOW + 500)],
        "older notices were deleted"
    );
    assert_eq!(storage.venue_notices_since(NOW + 501).await.unwrap(), []);

    // Registrations are still there after all of that.
    assert_eq!(by_trace(&storage, "trace-V-1").await, Some(v1));
}

#[tokio::test]
async fn sqlite_passes_the_storage_suite() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("diagnosis.sqlite3");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&path).await.unwrap());
    suite(Arc::clone(&storage)).await;
    venue_suite(storage).await;
    // Reopening keeps what was stored.
    let again = SqliteStorage::open(&path).await.unwrap();
    assert_eq!(
        again.api_key_name("hash-2").await.unwrap().as_deref(),
        Some("staff")
    );
}

#[tokio::test]
async fn sqlite_refuses_another_applications_database() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("other.sqlite3");
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .pragma_update(None, "application_id", 1234)
        .unwrap();
    connection
        .execute_batch("CREATE TABLE precious (x)")
        .unwrap();
    drop(connection);
    let error = SqliteStorage::open(&path).await.unwrap_err().to_string();
    assert!(error.contains("another application"), "{error}");
    let connection = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "nothing was added to the foreign file");
}

#[tokio::test]
async fn postgres_passes_the_storage_suite() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let test_url = common::fresh_postgres_database(&url, "storage").await;
    let storage = PostgresStorage::connect(&test_url).await.unwrap();
    let storage: Arc<dyn Storage> = Arc::new(storage);
    suite(Arc::clone(&storage)).await;
    venue_suite(storage).await;
    // Connecting again finds the schema in place.
    let again = PostgresStorage::connect(&test_url).await.unwrap();
    assert_eq!(
        again.api_key_name("hash-2").await.unwrap().as_deref(),
        Some("staff")
    );
    drop(again);
    // A database from before the list of published notices gets the table on connecting.
    let (client, connection) = tokio_postgres::connect(&test_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("DROP TABLE venue_publications")
        .await
        .unwrap();
    let older: Arc<dyn Storage> = Arc::new(PostgresStorage::connect(&test_url).await.unwrap());
    assert_eq!(older.venue_publications_since(0).await.unwrap(), []);
    let listed = publication("direct-2", NOW, 1);
    older
        .insert_venue_notices(&[notice("n-10", NOW)], Some(&listed))
        .await
        .unwrap();
    assert_eq!(older.venue_publications_since(0).await.unwrap(), [listed]);
}

/// A database made before codes recorded who issued them gets the column: its old codes show
/// no issuer, new ones do.
#[tokio::test]
async fn sqlite_adds_the_issuer_column_to_an_older_database() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("old.sqlite3");
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE codes (id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE,
             test_type TEXT NOT NULL, symptom_date TEXT, test_date TEXT,
             issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, redeemed_at INTEGER,
             expired_at INTEGER);
             INSERT INTO codes (id, code_hash, test_type, issued_at, expires_at)
             VALUES ('old', 'old-hash', 'likely', 1795176000, 1795176900);",
        )
        .unwrap();
    drop(connection);
    let storage = SqliteStorage::open(&path).await.unwrap();
    let old = storage.code_status("old").await.unwrap().unwrap();
    assert_eq!(old.issued_by, None);
    assert!(
        storage
            .insert_code(&code("new", "new-hash", NOW + 900))
            .await
            .unwrap()
    );
    let new = storage.code_status("new").await.unwrap().unwrap();
    assert_eq!(new.issued_by.as_deref(), Some("tanaka"));
    drop(storage);
    // Opening again does not add it twice.
    SqliteStorage::open(&path).await.unwrap();
}

/// A database made before the list of published notices existed gets the table when opened:
/// the list starts empty and lists what is published from then on.
#[tokio::test]
async fn sqlite_adds_the_publications_table_to_an_older_database() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("old.sqlite3");
    drop(SqliteStorage::open(&path).await.unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch("DROP TABLE venue_publications")
        .unwrap();
    drop(connection);
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&path).await.unwrap());
    assert_eq!(storage.venue_publications_since(0).await.unwrap(), []);
    let listed = publication("direct-1", NOW, 1);
    storage
        .insert_venue_notices(&[notice("n-1", NOW)], Some(&listed))
        .await
        .unwrap();
    assert_eq!(storage.venue_publications_since(0).await.unwrap(), [listed]);
}

/// Statistics count on the day of the configured staff zone: a code issued at 23:45 UTC is on
/// the 21st in Tokyo (the default) and on the 20th in Los Angeles.
async fn zone_suite(tokyo: Arc<dyn Storage>, los_angeles: Arc<dyn Storage>) {
    let late = NewCode {
        issued_at: NOW + 11 * 3600 + 45 * 60,
        ..code("late-tokyo", "late-hash-tokyo", NOW + 12 * 3600)
    };
    assert!(tokyo.insert_code(&late).await.unwrap());
    let days = tokyo.statistics("2026-11-19").await.unwrap();
    let issued: Vec<(&str, i64)> = days
        .iter()
        .map(|day| (day.day.as_str(), day.codes_issued))
        .filter(|(_, issued)| *issued > 0)
        .collect();
    assert_eq!(issued, [("2026-11-21", 1)]);
    let late = NewCode {
        id: "late-la".into(),
        code_hash: "late-hash-la".into(),
        ..late
    };
    assert!(los_angeles.insert_code(&late).await.unwrap());
    let days = los_angeles.statistics("2026-11-19").await.unwrap();
    let issued: Vec<(&str, i64)> = days
        .iter()
        .map(|day| (day.day.as_str(), day.codes_issued))
        .filter(|(_, issued)| *issued > 0)
        .collect();
    assert_eq!(issued, [("2026-11-20", 1)]);
}

fn los_angeles() -> mimamori_diagnosis_server::staff_time::StaffZone {
    mimamori_diagnosis_server::staff_time::StaffZone::parse("America/Los_Angeles").unwrap()
}

#[tokio::test]
async fn sqlite_counts_statistics_in_the_staff_zone() {
    let directory = tempfile::tempdir().unwrap();
    let tokyo = SqliteStorage::open(&directory.path().join("tokyo.sqlite3"))
        .await
        .unwrap();
    let la = SqliteStorage::open(&directory.path().join("la.sqlite3"))
        .await
        .unwrap()
        .with_staff_zone(los_angeles());
    zone_suite(Arc::new(tokyo), Arc::new(la)).await;
}

#[tokio::test]
async fn postgres_counts_statistics_in_the_staff_zone() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let tokyo = common::fresh_postgres_database(&url, "zone_tokyo").await;
    let la = common::fresh_postgres_database(&url, "zone_la").await;
    let tokyo = PostgresStorage::connect(&tokyo).await.unwrap();
    let la = PostgresStorage::connect(&la)
        .await
        .unwrap()
        .with_staff_zone(los_angeles());
    zone_suite(Arc::new(tokyo), Arc::new(la)).await;
}
