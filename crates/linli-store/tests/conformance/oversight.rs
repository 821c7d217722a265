//! 好差评 and rectification on both engines: one rating per finished request by account, code
//! or window; a bad one opens a rectification that is verified, put right and revisited within
//! its limits, visible to the rater.

use std::collections::BTreeMap;

use linli_domain::calendar::{DayKind, DayRule};
use linli_domain::oversight::ComplaintInput;
use linli_domain::window::request::{RequestInput, Source};
use linli_store::oversight::RatingInput;
use linli_store::window::MoveInput;
use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;

use crate::{as_user, code, demo};

const MAIN: &str = "350103001001";

fn codes<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(i)) => i.0.iter().map(|e| (e.field.clone(), e.code)).collect(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

/// The stored day counts behind the figures equal a recount from the records.
pub async fn counts_agree(store: &Store) {
    let wrong = store.check_figures().await.expect("check figures");
    assert!(wrong.is_empty(), "stored counts differ from a recount: {wrong:#?}");
}

/// A complaint taken at the window about a worker's manner.
fn window_complaint() -> ComplaintInput {
    ComplaintInput {
        channel: "window".into(),
        complainant_name: "张伟".into(),
        phone: "13905913333".into(),
        subject: "态度".into(),
        content: "被催促".into(),
        request_number: String::new(),
    }
}

/// The main community's home-repair item (便民维修), and a request for it.
async fn repair_item(desk: &linli_store::Acting<'_>) -> uuid::Uuid {
    let items = desk.catalogue(code(MAIN)).await.expect("catalogue");
    items.into_iter().find(|i| i.code == "BM-004").expect("BM-004").id
}

fn repair_request() -> RequestInput {
    RequestInput {
        applicant_name: "陈桂英".into(),
        applicant_phone: "13905910022".into(),
        fields: BTreeMap::from([("f1".to_owned(), "水电维修".to_owned())]),
        ..RequestInput::default()
    }
}

fn mv(action: &str, reason: &str) -> MoveInput {
    MoveInput { action: action.into(), reason: reason.into(), ..MoveInput::default() }
}

fn rating(level: &str, comment: &str) -> RatingInput {
    RatingInput { level: level.into(), comment: comment.into() }
}

async fn ratings_and_rectification(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let jumin = as_user(&store, "jumin").await;
    let me = store.acting(&jumin);
    let catalogue = desk.catalogue(code(MAIN)).await.expect("catalogue");
    let repair = catalogue.iter().find(|i| i.code == "BM-004").expect("BM-004").id;
    let input = RequestInput {
        applicant_name: "李秀英".into(),
        applicant_phone: "13905910011".into(),
        fields: BTreeMap::from([("f1".to_owned(), "水电维修".to_owned())]),
        ..RequestInput::default()
    };

    // Only finished requests are rated.
    let mine = me.apply_online(code(MAIN), repair, &input).await.expect("apply");
    assert_eq!(codes(me.rate(mine.id, &rating("满意", "")).await), [(String::new(), "rating_not_finished")]);
    desk.move_request(mine.id, &mv("accept", "")).await.expect("accept");
    desk.move_request(mine.id, &mv("complete", "师傅已上门维修")).await.expect("complete");
    let d = me.request(mine.id).await.expect("detail");
    let code_on_notice = d.rating_code.clone().expect("a rating code once completed");
    assert_eq!(code_on_notice.len(), 10);

    // A bad rating from the resident's account opens a rectification; a second is refused.
    assert_eq!(codes(me.rate(mine.id, &rating("很好", "")).await), [("level".into(), "rating_level")]);
    me.rate(mine.id, &rating("不满意", "师傅迟到两个小时")).await.expect("rate");
    assert!(matches!(me.rate(mine.id, &rating("满意", "")).await, Err(StoreError::Conflict { .. })));
    assert!(matches!(store.rate_by_code(&code_on_notice, &rating("满意", "")).await, Err(StoreError::Conflict { .. })));
    let r = me.rating(mine.id).await.expect("rating").expect("rated");
    assert_eq!((r.level.as_str(), r.channel.as_str()), ("dissatisfied", "account"));
    let rect = r.rectification_id.expect("a rectification");

    // The rectification: first to act owns it, three steps with their own limits.
    let grid_actor = as_user(&store, "wangge").await;
    let grid = store.acting(&grid_actor);
    let d = grid.rectification(rect).await.expect("detail");
    assert_eq!(d.work.state, "verifying");
    assert!(d.work.due_at.is_some());
    assert_eq!(codes(grid.move_rectification(rect, &mv("verify", "")).await), [("action".into(), "move_reason")]);
    grid.move_rectification(rect, &mv("verify", "属实：师傅记错了时间")).await.expect("verify");
    assert_eq!(codes(desk.move_rectification(rect, &mv("rectify", "x")).await), [("action".into(), "move_not_yours")]);
    let stale = MoveInput { version: Some(1), ..mv("rectify", "已约谈维修单位") };
    assert!(matches!(grid.move_rectification(rect, &stale).await, Err(StoreError::Conflict { .. })));
    // 核实 had 2 working days; 整改 has 5 from now.
    assert!(grid.rectification(rect).await.expect("d").work.due_at > d.work.due_at, "each step has its own deadline");
    grid.move_rectification(rect, &mv("rectify", "已约谈维修单位，免收上门费")).await.expect("rectify");
    let assessor = as_user(&store, "pingshen").await;
    assert!(matches!(
        store.acting(&assessor).move_rectification(rect, &mv("revisit", "x")).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(me.move_rectification(rect, &mv("revisit", "x")).await, Err(StoreError::Forbidden)));
    grid.move_rectification(rect, &mv("revisit", "电话回访：居民表示满意")).await.expect("revisit");
    let d = me.rectification(rect).await.expect("the rater sees it");
    assert_eq!(d.work.state, "closed");
    assert!(d.work.closed_at.is_some() && d.moves.is_empty());
    assert_eq!(d.work.owner_name, "刘强", "names, not accounts");
    assert!(store.messages_for(rect).await.expect("outbox").iter().any(|(b, _)| b.contains("回访")));
    let volunteer = as_user(&store, "zhiyuan").await;
    assert!(matches!(store.acting(&volunteer).rectification(rect).await, Err(StoreError::NotFound(_))));
    let sibling = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&sibling).rectification(rect).await, Err(StoreError::NotFound(_))));
    let list = desk.rectifications(code(MAIN), false).await.expect("list");
    assert!(list.iter().any(|x| x.id == rect && x.state == "closed" && x.level == "dissatisfied"));
    assert!(desk.rectifications(code(MAIN), true).await.expect("open").iter().all(|x| x.id != rect));

    // At the window, and by the code on the notice; a good rating opens nothing.
    let taken = desk
        .take_request(
            code(MAIN),
            repair,
            &RequestInput { applicant_name: "王建国".into(), ..input.clone() },
            Source::Window,
        )
        .await
        .expect("take");
    desk.move_request(taken.id, &mv("complete", "已修好")).await.expect("complete");
    // Not by whoever did the work, and not for a resident with an account.
    assert_eq!(codes(desk.rate(taken.id, &rating("非常满意", "")).await), [(String::new(), "rating_own_work")]);
    let social_actor = as_user(&store, "shegong").await;
    assert_eq!(
        codes(store.acting(&social_actor).rate(mine.id, &rating("满意", "")).await),
        [(String::new(), "rating_by_account")]
    );
    store
        .acting(&social_actor)
        .rate(taken.id, &rating("非常满意", "居民当面表示感谢"))
        .await
        .expect("recorded at the window");
    let r = desk.rating(taken.id).await.expect("rating").expect("rated");
    assert_eq!((r.channel.as_str(), r.rectification_id), ("window", None));
    let third = desk.take_request(code(MAIN), repair, &input, Source::Phone).await.expect("take");
    desk.move_request(third.id, &mv("complete", "已修好")).await.expect("complete");
    let code3 = desk.request(third.id).await.expect("d").rating_code.expect("code");
    let target = store.rating_target(&code3.to_lowercase()).await.expect("target");
    assert!(!target.rated && target.item_name == "家政维修预约");
    store.rate_by_code(&code3, &rating("fair", "")).await.expect("by code");
    assert!(store.rating_target(&code3).await.expect("target").rated);
    assert!(matches!(store.rate_by_code("ZZZZZZZZZZ", &rating("fair", "")).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.acting(&assessor).rate(third.id, &rating("fair", "")).await, Err(StoreError::Forbidden)));
}

// Complaints: taken by phone (or anonymously), investigated, answered within the limit; a
// rejected reply and an overdue one go to the street office, which answers it.
async fn complaints(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let some_request = desk.window_queue(code(MAIN), &Default::default()).await.expect("queue").0[0].number.clone();
    let input = ComplaintInput {
        channel: "phone".into(),
        complainant_name: "张伟".into(),
        phone: "13905913333".into(),
        subject: "办理太慢".into(),
        content: "申请已经一周没有消息".into(),
        request_number: some_request.clone(),
    };
    let unknown = ComplaintInput { request_number: "350103001001-20200101-0001".into(), ..input.clone() };
    assert_eq!(
        codes(desk.take_complaint(code(MAIN), &unknown).await),
        [("request_number".into(), "request_number_unknown")]
    );
    let online = ComplaintInput { channel: "online".into(), ..input.clone() };
    assert_eq!(
        codes(desk.take_complaint(code(MAIN), &online).await),
        [("channel".into(), "choice")],
        "staff do not file online"
    );
    let (id, number) = desk.take_complaint(code(MAIN), &input).await.expect("take");
    assert!(number.starts_with(MAIN));
    let d = desk.complaint(id).await.expect("detail");
    assert_eq!((d.work.state.as_str(), d.phone_masked.as_str()), ("accepted", "139****3333"));
    assert_eq!(d.request.as_ref().map(|r| r.1.as_str()), Some(some_request.as_str()));
    let cal = store.calendar().await.expect("calendar");
    let accepted = d.work.accepted_at.expect("accepted");
    assert_eq!(
        d.work.due_at,
        Some(linli_domain::workflow::due_at(&cal, accepted, linli_domain::workflow::Limit::WorkingDays(5)))
    );

    desk.move_complaint(id, &mv("investigate", "")).await.expect("investigate");
    desk.move_complaint(id, &mv("handle", "查明：材料在区里审批")).await.expect("handle");
    assert_eq!(codes(desk.move_complaint(id, &mv("reply", "")).await), [("action".into(), "move_reason")]);
    desk.move_complaint(id, &mv("reply", "已催办，区民政局本周审批")).await.expect("reply");
    assert_eq!(
        codes(desk.move_complaint(id, &mv("close", "未表态")).await),
        [("action".into(), "complaint_close_early")]
    );
    assert_eq!(
        codes(desk.move_complaint(id, &mv("accept_reply", "")).await),
        [("action".into(), "move_reason")],
        "staff write down what was said"
    );
    // The complainant (recorded by phone) rejects the reply: it goes to the street office.
    desk.move_complaint(id, &mv("reject_reply", "还是没有结果")).await.expect("reject");
    let d = desk.complaint(id).await.expect("detail");
    assert_eq!((d.work.state.as_str(), d.escalated_to.as_deref()), ("escalated", Some("350103001000")));
    assert!(d.moves.is_empty() || !d.moves.contains(&"reply"), "the community no longer answers it: {:?}", d.moves);
    let street_actor = as_user(&store, "jiedao").await;
    let street = store.acting(&street_actor);
    let listed = street.complaints(code("350103001000"), true).await.expect("street list");
    assert!(listed.iter().any(|c| c.id == id));
    street.move_complaint(id, &mv("reply", "街道协调区民政局，已于今日审批")).await.expect("street replies");
    // The street office owns it now, and records the complainant's verdict.
    assert_eq!(codes(desk.move_complaint(id, &mv("accept_reply", "")).await), [("action".into(), "move_not_yours")]);
    let head = as_user(&store, "shuji").await;
    assert_eq!(
        codes(store.acting(&head).move_complaint(id, &mv("accept_reply", "满意")).await),
        [("action".into(), "move_not_yours")],
        "the community head cannot close what the street took over"
    );
    street.move_complaint(id, &mv("accept_reply", "投诉人来电表示满意")).await.expect("satisfied");
    counts_agree(&store).await;
    assert_eq!(desk.complaint(id).await.expect("d").work.state, "closed");
    assert!(store.messages_for(id).await.expect("outbox").iter().any(|(b, _)| b.contains("已答复")));

    // Anonymous, and a resident online who sees only their own.
    let anon = ComplaintInput {
        channel: "anonymous".into(),
        complainant_name: String::new(),
        phone: String::new(),
        request_number: String::new(),
        ..input.clone()
    };
    let (anon_id, _) = desk.take_complaint(code(MAIN), &anon).await.expect("anonymous");
    assert!(desk.complaint(anon_id).await.expect("d").anonymous);
    let jumin = as_user(&store, "jumin").await;
    let me = store.acting(&jumin);
    let (mine, _) = me
        .take_complaint(code(MAIN), &ComplaintInput { channel: "window".into(), ..input.clone() })
        .await
        .expect("online");
    assert_eq!(me.complaint(mine).await.expect("own").channel, "online");
    assert!(matches!(me.complaint(anon_id).await, Err(StoreError::NotFound(_))));
    assert!(me.my_complaints().await.expect("mine").iter().all(|c| c.id == mine));
    assert!(matches!(me.complaints(code(MAIN), true).await, Err(StoreError::Forbidden)));
    let sibling = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&sibling).complaint(mine).await, Err(StoreError::NotFound(_))));

    // An overdue reply escalates by itself.
    let past = linli_store::now() - time::Duration::days(30);
    store.backdate_item(anon_id, past, past + time::Duration::days(7)).await.expect("backdate");
    assert!(store.escalate_overdue_complaints().await.expect("escalate") >= 1);
    let d = desk.complaint(anon_id).await.expect("d");
    assert_eq!(d.work.state, "escalated");
    assert!(d.history.iter().any(|e| e.action == "escalate" && e.actor_name == "超期自动升级"));
    assert_eq!(store.escalate_overdue_complaints().await.expect("again"), 0);
    counts_agree(&store).await;
}

// The month's figures count what the records say.
async fn figures(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    let head = as_user(&store, "shuji").await;
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let before = store.acting(&head).service_figures(code(MAIN), 12).await.expect("figures");
    assert_eq!(before.len(), 12);
    let now = before.last().expect("this month").clone();
    // The demo: 10 taken at the window and one online; two completed; one 12 working days late.
    assert_eq!((now.received, now.finished), (11, 2), "{now:?}");
    assert!(now.late >= 1);
    // Two finished on time, one still open past its deadline: open late work counts against.
    assert_eq!(now.on_time_rate, Some(66.7));
    // Rate both finished ones, one badly; answer a complaint in time.
    let (done, _) = desk
        .window_queue(
            code(MAIN),
            &linli_store::window::QueueQuery { state: "completed".into(), limit: 10, ..Default::default() },
        )
        .await
        .expect("done");
    let social_actor = as_user(&store, "shegong").await;
    let social = store.acting(&social_actor);
    social.rate(done[0].id, &rating("满意", "")).await.expect("rate");
    social.rate(done[1].id, &rating("非常不满意", "")).await.expect("rate");
    let input = window_complaint();
    let (c, _) = desk.take_complaint(code(MAIN), &input).await.expect("complaint");
    desk.move_complaint(c, &mv("reply", "已批评教育")).await.expect("reply");
    counts_agree(&store).await;
    let after = store.acting(&head).service_figures(code(MAIN), 12).await.expect("figures");
    let now = after.last().expect("this month");
    assert_eq!((now.ratings, now.satisfaction_rate), (2, Some(50.0)));
    assert_eq!((now.complaints, now.complaints_in_time_rate), (1, Some(100.0)));
    let resident = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&resident).service_figures(code(MAIN), 12).await, Err(StoreError::Forbidden)));
    // The street's comparison adds each community's months up exactly.
    let street = as_user(&store, "jiedao").await;
    let compared = store.acting(&street).compare_communities(code("350103001000"), 12).await.expect("compare");
    let main = compared.iter().find(|c| c.code == MAIN).expect("main community");
    assert_eq!(main.totals.received, after.iter().map(|m| m.received).sum::<i64>());
    assert_eq!(main.totals.satisfaction_rate, Some(50.0));
    assert!(compared.len() >= 3);
    assert!(
        store.acting(&head).compare_communities(code("350103001000"), 12).await.is_err(),
        "a community head sees only their own"
    );
}

// The demo year fills twelve months of every demo community's figures, once.
async fn demo_year(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    store.seed_demo_year().await.expect("year");
    store.seed_demo_year().await.expect("idempotent");
    counts_agree(&store).await;
    let head = as_user(&store, "shuji").await;
    let months = store.acting(&head).service_figures(code(MAIN), 12).await.expect("figures");
    assert!(months.iter().all(|m| m.received > 0), "{months:?}");
    let year = linli_store::oversight::MonthFigures::total("", months.iter());
    assert!(year.received > 400 && year.ratings > 200 && year.complaints > 20, "{year:?}");
    let on_time = year.on_time_rate.expect("rate");
    assert!((80.0..100.0).contains(&on_time), "{on_time}");
    let satisfied = year.satisfaction_rate.expect("rate");
    assert!((85.0..100.0).contains(&satisfied), "{satisfied}");
    let street = as_user(&store, "jiedao").await;
    let compared = store.acting(&street).compare_communities(code("350103001000"), 12).await.expect("compare");
    assert!(compared.iter().filter(|c| c.totals.received > 0).count() >= 3);
}

// Every kind of write keeps its community's day counts equal to a recount; what is late
// while open is counted live; a calendar change to a past day recounts the working days; an
// upgraded database gets its counts once.
async fn day_counts(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    counts_agree(&store).await;
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let head_actor = as_user(&store, "shuji").await;
    let head = store.acting(&head_actor);
    let this_month = || async { head.service_figures(code(MAIN), 1).await.expect("figures").remove(0) };
    let before = this_month().await;
    let head_figures_before = head.service_figures(code(MAIN), 2).await.expect("figures");
    let repair = repair_item(&desk).await;
    let input = repair_request();
    let take = || async { desk.take_request(code(MAIN), repair, &input, Source::Window).await.expect("take").id };
    // Received, then each way out: finished (and archived), declined, withdrawn, transferred and back.
    let (a, c, d) = (take().await, take().await, take().await);
    counts_agree(&store).await;
    desk.move_request(a, &mv("complete", "已修好")).await.expect("complete");
    desk.move_request(a, &mv("archive", "")).await.expect("archive");
    let jumin = as_user(&store, "jumin").await;
    let me = store.acting(&jumin);
    let declined = me.apply_online(code(MAIN), repair, &input).await.expect("apply").id;
    desk.move_request(declined, &mv("decline", "不属于受理范围")).await.expect("decline");
    let withdrawn = me.apply_online(code(MAIN), repair, &input).await.expect("apply").id;
    me.move_request(withdrawn, &mv("withdraw", "")).await.expect("withdraw");
    let transfer = MoveInput { office: "物业公司".into(), ..mv("transfer", "转物业") };
    desk.move_request(c, &transfer).await.expect("transfer");
    desk.move_request(c, &mv("transfer_back", "物业退回")).await.expect("back");
    desk.move_request(c, &mv("complete", "已修好")).await.expect("complete");
    counts_agree(&store).await;
    let social_actor = as_user(&store, "shegong").await;
    store.acting(&social_actor).rate(c, &rating("基本满意", "")).await.expect("rate");
    counts_agree(&store).await;
    let now = this_month().await;
    assert_eq!(now.received - before.received, 5, "three at the window, two online, none lost");
    assert_eq!(now.finished - before.finished, 2);
    assert_eq!((now.ratings - before.ratings, now.satisfied - before.satisfied), (1, 1));
    assert_eq!(now.late, before.late, "nothing here is late: {now:?}");

    // Late while still open is counted live, without a write: d's deadline passes.
    let past = linli_store::now() - time::Duration::days(3);
    store.backdate_item(d, past, past + time::Duration::days(1)).await.expect("move d back in time");
    counts_agree(&store).await;
    let late = head.service_figures(code(MAIN), 2).await.expect("figures");
    let open_late = |m: &[linli_store::oversight::MonthFigures]| m.iter().map(|m| m.open_late).sum::<i64>();
    let was_late = open_late(&head_figures_before);
    assert_eq!(open_late(&late), was_late + 1, "{late:?}");

    // A complaint counts once, and only its first reply counts.
    let complaint = window_complaint();
    let (k, _) = desk.take_complaint(code(MAIN), &complaint).await.expect("complaint");
    desk.move_complaint(k, &mv("reply", "已批评教育")).await.expect("reply");
    desk.move_complaint(k, &mv("reject_reply", "不满意")).await.expect("reject");
    let street_actor = as_user(&store, "jiedao").await;
    store.acting(&street_actor).move_complaint(k, &mv("reply", "街道已约谈")).await.expect("street reply");
    counts_agree(&store).await;
    let now = this_month().await;
    assert_eq!((now.complaints - before.complaints, now.complaints_answered - before.complaints_answered), (1, 1));

    // The street's comparison adds up to exactly the community's own months, field by field.
    let compared = store.acting(&street_actor).compare_communities(code("350103001000"), 12).await.expect("compare");
    let main = compared.into_iter().find(|c| c.code == MAIN).expect("main community").totals;
    let months = head.service_figures(code(MAIN), 12).await.expect("figures");
    assert_eq!(main, linli_store::oversight::MonthFigures::total("", months.iter()));
    assert!(main.open_late > 0 && main.late > main.open_late - 1 && main.complaints > 0, "{main:?}");

    // A past day made a holiday changes the working days taken by requests finished across it:
    // a, finished today, was accepted ten days ago.
    let ten_days_ago = linli_store::now() - time::Duration::days(10);
    store.backdate_item(a, ten_days_ago, linli_store::now()).await.expect("move a back in time");
    counts_agree(&store).await;
    let cal = store.calendar().await.expect("calendar");
    let from = linli_store::today() - time::Duration::days(9);
    let day = (0..8).map(|n| from + time::Duration::days(n)).find(|d| cal.is_working_day(*d)).expect("a working day");
    let working_days = || async {
        let since = linli_store::today() - time::Duration::days(30);
        store.recount_days(MAIN, since).await.expect("days").values().map(|c| c.working_days_sum).sum::<i64>()
    };
    let taken = working_days().await;
    let rule = DayRule { date: day, kind: DayKind::Holiday, name: "测试假日".into() };
    store.acting(&crate::system()).set_calendar_day(&rule).await.expect("holiday");
    assert_eq!(working_days().await, taken - 1, "a takes one working day less");
    counts_agree(&store).await;

    // A complaint's "answered" mark that disagrees with its history is found and rebuilt.
    store.execute_admin("UPDATE complaint SET replied_at = NULL").await.expect("forget the replies");
    let wrong = store.check_figures().await.expect("check");
    assert!(wrong.iter().any(|m| m.complaint == Some(k)), "{wrong:#?}");
    store.rebuild_all_figures().await.expect("rebuild");
    counts_agree(&store).await;

    // An upgraded database (no counts yet) gets them once.
    store.execute_admin("DELETE FROM figures_day").await.expect("forget the counts");
    assert!(!store.check_figures().await.expect("check").is_empty(), "the check sees counts missing");
    assert!(store.ensure_figures().await.expect("ensure"));
    assert!(!store.ensure_figures().await.expect("once"));
    counts_agree(&store).await;
    assert_eq!(this_month().await.received, now.received);
}

// A recount while requests finish and complaints are answered (first and later replies): no
// write and no recount waits on the other for ever (on PostgreSQL both take the community's
// lock before the rows they share), every write lands, and the counts agree afterwards.
async fn rebuild_while_writing(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let repair = repair_item(&desk).await;
    let input = repair_request();
    let complaint = window_complaint();
    let mut work = Vec::new();
    for _ in 0..6 {
        let r = desk.take_request(code(MAIN), repair, &input, Source::Window).await.expect("take").id;
        let (k, _) = desk.take_complaint(code(MAIN), &complaint).await.expect("complaint");
        work.push((r, k));
    }
    let writer = {
        let (store, actor) = (store.clone(), desk_actor.clone());
        tokio::spawn(async move {
            let desk = store.acting(&actor);
            for (r, k) in work {
                desk.move_complaint(k, &mv("reply", "已答复")).await.expect("reply");
                desk.move_request(r, &mv("complete", "已修好")).await.expect("complete");
                desk.move_complaint(k, &mv("reject_reply", "不满意")).await.expect("escalate");
            }
        })
    };
    for _ in 0..6 {
        store.rebuild_figures(MAIN).await.expect("a recount beside the writes");
        tokio::task::yield_now().await;
    }
    writer.await.expect("every write landed");
    counts_agree(&store).await;
}

on_both_engines!(ratings_and_rectification, complaints, figures, demo_year, day_counts, rebuild_while_writing);
