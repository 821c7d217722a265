//! `linli gen` at a tiny scale on both engines: the same seed gives the same data, every ID
//! number validates, the dashboards and the window queue read the generated data as they read
//! real data, and a second run into the same database is refused.

use linli_domain::IdNumber;
use linli_store::generator::{GenError, GenOptions, GenReport, Scale};
use linli_store::privacy::Field;
use linli_store::register::ResidentQuery;
use linli_store::window::QueueQuery;
use linli_store::{Actor, Store};
use linli_testkit::{Engine, TestDb, engine_tests};

fn tiny(seed: u64) -> GenOptions {
    GenOptions { seed, communities: Some(2), residents: Some(150), requests: Some(300), ..GenOptions::new(Scale::Tiny) }
}

async fn generate(store: &Store, seed: u64) -> GenReport {
    store.generate(&tiny(seed), &|_| {}).await.expect("generate")
}

async fn as_user(store: &Store, username: &str) -> Actor {
    Actor::user(&store.user_by_username(username).await.expect("generated account"), None)
}

async fn generated_data_reads_like_real_data(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store();
    let report = generate(store, 7).await;
    assert_eq!(report.communities.len(), 2);
    assert!(report.residents >= 200, "{report:?}");
    assert!(report.year.requests >= 550 && report.year.ratings > 0 && report.year.complaints > 0, "{report:?}");
    assert!(report.visits > 0 && report.year.open_requests > 0, "{report:?}");

    // Same seed, another database: the same data; another seed: other data.
    let twin = TestDb::new(engine).await;
    let again = generate(twin.store(), 7).await;
    assert_eq!(again.checksum, report.checksum);
    assert_eq!(
        (again.residents, again.year.requests, again.year.events),
        (report.residents, report.year.requests, report.year.events)
    );
    let other = TestDb::new(engine).await;
    assert_ne!(generate(other.store(), 8).await.checksum, report.checksum);

    let today = linli_store::today();
    let (mut received, mut open, mut all) = (0, 0, 0);
    for code in &report.communities {
        let community = linli_domain::DivisionCode::parse(code).expect("code");
        let head = as_user(store, &format!("{code}.shuji")).await;
        let acting = store.acting(&head);
        // Every ID number in the register is a valid 居民身份证 number.
        let q = ResidentQuery { community: Some(community), limit: 500, ..ResidentQuery::default() };
        let (residents, total) = acting.residents(&q).await.expect("residents");
        assert!(total > 0 && residents.len() as i64 == total.min(500));
        for r in &residents {
            let number = acting.reveal_resident(r.id, Field::IdNumber).await.expect("reveal");
            IdNumber::parse(&number, today).unwrap_or_else(|e| panic!("{number}: {e:?}"));
        }
        // The figures count every generated request (thirteen months cover the year).
        let figures = acting.service_figures(community, 13).await.expect("figures");
        received += figures.iter().map(|f| f.received).sum::<i64>();
        assert!(figures.iter().map(|f| f.finished).sum::<i64>() > 0);
        assert!(figures.iter().map(|f| f.ratings).sum::<i64>() > 0);
        // The window's queue and home figures read them too.
        let desk = as_user(store, &format!("{code}.chuangkou1")).await;
        let window = store.acting(&desk);
        let q = QueueQuery { state: "all".into(), limit: 20, ..QueueQuery::default() };
        let (rows, n) = window.window_queue(community, &q).await.expect("queue");
        assert_eq!(rows.len(), 20);
        all += n;
        let (first, n) = window
            .window_queue(community, &QueueQuery { limit: 20, ..QueueQuery::default() })
            .await
            .expect("open queue");
        open += n;
        if let Some(r) = first.first() {
            let detail = window.request(r.id).await.expect("request detail");
            assert!(!detail.history.is_empty() && detail.history[0].action == "create");
        }
        let summary = window.window_summary(community).await.expect("summary");
        assert_eq!(summary.awaiting_intake + summary.awaiting_materials + summary.in_progress, n);
    }
    assert_eq!(received as u64, report.year.requests);
    assert_eq!(all as u64, report.year.requests);
    assert_eq!(open as u64, report.year.open_requests);

    // A second run into the same database is refused, and writes nothing.
    match store.generate(&tiny(7), &|_| {}).await {
        Err(GenError::Exists(code, _)) => assert_eq!(code, report.communities[0]),
        other => panic!("a second run must be refused: {other:?}"),
    }
}

engine_tests!(generated_data_reads_like_real_data);
