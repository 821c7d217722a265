//! The one-stop window: catalogue, the service-request flow with its forbidden paths,
//! residents' own applications, the public look-up, queues, Open311 and the outbox — on both
//! engines.

use std::collections::BTreeMap;

use linli_domain::rights::{Principal, Rights, TokenScope};
use linli_domain::window::appointment::SlotsInput;
use linli_domain::window::defaults::default_catalogue;
use linli_domain::window::request::{RequestInput, Source};
use linli_domain::window::{Category, ItemInput};
use linli_domain::workflow::{Limit, due_at};
use linli_domain::{Action, Resource};
use linli_store::acting::Who;
use linli_store::window::{ConsultationInput, MoveInput, QueueQuery, ServiceItem};
use linli_store::{Actor, Store, StoreError};
use linli_testkit::on_both_engines;
use uuid::Uuid;

use crate::{as_user, code, demo};

const MAIN: &str = "350103001001";
const SIBLING: &str = "350103001002";

async fn setup(store: &Store) -> Vec<ServiceItem> {
    demo(store).await;
    store.seed_demo_window().await.expect("seed window");
    let head = as_user(store, "shuji").await;
    store.acting(&head).catalogue(code(MAIN)).await.expect("catalogue")
}

fn item<'a>(all: &'a [ServiceItem], code: &str) -> &'a ServiceItem {
    all.iter().find(|i| i.code == code).unwrap_or_else(|| panic!("item {code}"))
}

fn codes<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(i)) => i.0.iter().map(|e| (e.field.clone(), e.code)).collect(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

fn request(name: &str, received: &[&str]) -> RequestInput {
    RequestInput {
        applicant_name: name.into(),
        applicant_phone: "13905918888".into(),
        fields: BTreeMap::from([("f1".to_owned(), "本人".to_owned())]),
        received: received.iter().map(|s| (*s).to_owned()).collect(),
        ..RequestInput::default()
    }
}

fn mv(action: &str, reason: &str) -> MoveInput {
    MoveInput { action: action.into(), reason: reason.into(), ..MoveInput::default() }
}

// The district's default catalogue is adopted by the communities; the guide finds items by
// pinyin; a community adds its own items; nobody edits beside or above their node.
async fn catalogue_and_guide(store: Store) {
    let all = setup(&store).await;
    assert_eq!(all.iter().filter(|i| i.adopted).count(), default_catalogue().len());
    assert!(all.iter().all(|i| i.example && i.published && i.service_window == "1号综合受理窗口"));
    let guide = store.service_guide(code(MAIN), "gljt").await.expect("guide");
    assert_eq!(guide.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["高龄津贴申领"]);
    assert_eq!(store.service_guide(code(MAIN), "gaoling").await.expect("pinyin").len(), 1);
    assert_eq!(store.service_guide(code(MAIN), "").await.expect("all").len(), all.len());

    let head = as_user(&store, "shuji").await;
    let own = ItemInput {
        code: "SQ-001".into(),
        name: "社区活动室预约".into(),
        category: "convenience".into(),
        channels: vec!["window".into()],
        ..ItemInput::default()
    };
    let f = own.validate().expect("valid");
    let id = store.acting(&head).create_item(code(MAIN), &f, false).await.expect("own item");
    assert!(matches!(
        store.acting(&head).create_item(code(MAIN), &f, false).await,
        Err(StoreError::Conflict { field: "code", .. })
    ));
    // Drafts stay out of the public guide.
    assert!(store.service_guide(code(MAIN), "huodong").await.expect("guide").is_empty());
    let published = ItemInput { published: "1".into(), ..own.clone() }.validate().expect("valid");
    store.acting(&head).update_item(id, &published).await.expect("publish");
    assert_eq!(store.service_guide(code(MAIN), "huodong").await.expect("guide").len(), 1);
    assert_eq!(store.service_guide(code(SIBLING), "huodong").await.expect("sibling guide").len(), 0);
    store.acting(&head).retire_item(id, true).await.expect("retire");
    assert!(store.service_guide(code(MAIN), "huodong").await.expect("guide").is_empty());

    // An item with requests in hand cannot be dropped; one without can, and it leaves the
    // community's guide only.
    let gl = item(&all, "WM-001").id;
    assert_eq!(
        codes(store.acting(&head).adopt_item(code(MAIN), gl, false, "").await),
        [(String::new(), "item_has_open_requests")]
    );
    let advice = item(&all, "QT-001").id;
    store.acting(&head).adopt_item(code(MAIN), advice, false, "").await.expect("drop");
    assert!(store.service_guide(code(MAIN), "zczx").await.expect("guide").is_empty());
    assert_eq!(store.service_guide(code(SIBLING), "zczx").await.expect("guide").len(), 1);
    store.acting(&head).adopt_item(code(MAIN), advice, true, "2号窗口").await.expect("adopt again");
    // What is typed is matched as written: % is no wildcard.
    assert!(store.service_guide(code(MAIN), "%").await.expect("guide").is_empty());

    // Forbidden paths: a window worker cannot edit the catalogue, a head cannot edit the
    // district's items or another community's catalogue.
    let desk = as_user(&store, "chuangkou").await;
    assert!(matches!(store.acting(&desk).create_item(code(MAIN), &f, false).await, Err(StoreError::Forbidden)));
    assert!(store.acting(&head).update_item(gl, &published).await.is_err(), "district item");
    assert!(matches!(store.acting(&head).catalogue(code(SIBLING)).await, Err(StoreError::NotFound(_))));
    let resident = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&resident).catalogue(code(MAIN)).await, Err(StoreError::Forbidden)));
}

// Appendix A end to end: intake with a missing material and the one-time notice, acceptance
// with a working-day deadline, first-responder ownership and hand-over, transfer, completion,
// return visit, archive; every forbidden move is refused with its reason.
async fn the_window_flow(store: Store) {
    let all = setup(&store).await;
    let gl = item(&all, "WM-001");
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);

    // Bad input names every field.
    let bad = RequestInput { applicant_phone: "12".into(), ..RequestInput::default() };
    let got = codes(desk.take_request(code(MAIN), gl.id, &bad, Source::Window).await);
    assert!(
        got.contains(&("applicant_name".into(), "required")) && got.contains(&("fields.f1".into(), "required")),
        "{got:?}"
    );

    let taken =
        desk.take_request(code(MAIN), gl.id, &request("陈桂英", &["0", "2"]), Source::Window).await.expect("take");
    assert_eq!(taken.state, "awaiting_materials");
    assert!(linli_domain::window::request::looks_like_number(&taken.number), "{}", taken.number);
    let d = desk.request(taken.id).await.expect("detail");
    assert_eq!(d.missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["户口簿"]);
    assert_eq!(d.phone_masked, "139****8888");
    assert_eq!(d.work.owner_id, desk_actor.user_id(), "whoever takes it owns it");
    assert!(d.work.due_at.is_none(), "the clock waits for the materials");
    assert!(d.moves.contains(&"accept") && d.moves.contains(&"decline"));
    let msgs = store.messages_for(taken.id).await.expect("outbox");
    assert!(msgs[0].0.contains("需补正材料：户口簿"), "{msgs:?}");

    // Accepting starts the clock from the item's limit in working days.
    let before = linli_store::now();
    desk.move_request(taken.id, &mv("accept", "")).await.expect("accept");
    let d = desk.request(taken.id).await.expect("detail");
    let cal = store.calendar().await.expect("calendar");
    let accepted = d.work.accepted_at.expect("accepted");
    assert!(accepted >= before);
    assert_eq!(d.work.due_at, Some(due_at(&cal, accepted, Limit::WorkingDays(gl.time_limit_days))));
    assert!(d.missing.is_empty());

    // Forbidden moves: from the wrong state, without a reason, by someone who does not own it,
    // on a stale page.
    assert_eq!(codes(desk.move_request(taken.id, &mv("accept", "")).await), [("action".into(), "move_not_from")]);
    assert_eq!(codes(desk.move_request(taken.id, &mv("complete", " ")).await), [("action".into(), "move_reason")]);
    assert_eq!(codes(desk.move_request(taken.id, &mv("fly", "")).await), [("action".into(), "move_unknown")]);
    let social_actor = as_user(&store, "shegong").await;
    let social = store.acting(&social_actor);
    assert_eq!(
        codes(social.move_request(taken.id, &mv("complete", "好了")).await),
        [("action".into(), "move_not_yours")]
    );
    let stale = MoveInput { version: Some(1), ..mv("complete", "好了") };
    assert!(matches!(desk.move_request(taken.id, &stale).await, Err(StoreError::Conflict { field: "version", .. })));
    let assessor = as_user(&store, "pingshen").await;
    assert!(matches!(
        store.acting(&assessor).move_request(taken.id, &mv("complete", "x")).await,
        Err(StoreError::Forbidden)
    ));
    let sibling = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&sibling).request(taken.id).await, Err(StoreError::NotFound(_))));

    // A recorded hand-over moves the ownership; the former owner then only watches.
    let hand =
        MoveInput { to_user: social_actor.user_id().expect("user").to_string(), ..mv("hand_over", "社工跟进") };
    desk.move_request(taken.id, &hand).await.expect("hand over");
    assert_eq!(codes(desk.move_request(taken.id, &mv("complete", "x")).await), [("action".into(), "move_not_yours")]);
    let bad_hand =
        MoveInput { to_user: as_user(&store, "jumin").await.user_id().expect("u").to_string(), ..mv("hand_over", "x") };
    assert_eq!(codes(social.move_request(taken.id, &bad_hand).await), [("to_user".into(), "hand_over_to")]);

    // 转办 sets the receiving office's deadline; its feedback brings it back.
    let transfer =
        MoveInput { office: "台江区民政局".into(), office_days: "3".into(), ..mv("transfer", "请审批") };
    social.move_request(taken.id, &transfer).await.expect("transfer");
    let d = social.request(taken.id).await.expect("detail");
    assert_eq!(d.work.state, "transferred");
    assert_eq!(d.transfer_office, "台江区民政局");
    assert!(d.transfer_due_at.is_some());
    social.move_request(taken.id, &mv("transfer_back", "区民政局已审批")).await.expect("back");
    social.move_request(taken.id, &mv("complete", "审批通过，次月发放")).await.expect("complete");
    // Anyone on the staff may record a return visit; only the owner archives.
    desk.move_request(taken.id, &mv("return_visit", "电话回访：满意")).await.expect("return visit");
    assert_eq!(codes(desk.move_request(taken.id, &mv("archive", "")).await), [("action".into(), "move_not_yours")]);
    social.move_request(taken.id, &mv("archive", "")).await.expect("archive");
    let d = desk.request(taken.id).await.expect("detail");
    assert_eq!(d.work.state, "archived");
    assert!(d.moves.is_empty());
    let actions: Vec<&str> = d.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "accept", "hand_over", "transfer", "transfer_back", "complete", "return_visit", "archive"]
    );
    assert!(store.messages_for(taken.id).await.expect("outbox").iter().any(|(b, _)| b.contains("已办结")));

    // 不予受理 needs a reason and closes it.
    let other = desk.take_request(code(MAIN), gl.id, &request("林秀珍", &[]), Source::Phone).await.expect("take");
    assert_eq!(codes(desk.move_request(other.id, &mv("decline", "")).await), [("action".into(), "move_reason")]);
    desk.move_request(other.id, &mv("decline", "非本社区户籍")).await.expect("decline");
    assert!(desk.request(other.id).await.expect("detail").work.closed_at.is_some());
    // Staff withdraw only on the resident's word, and write it down.
    let third =
        desk.take_request(code(MAIN), gl.id, &request("黄丽", &["0", "1", "2"]), Source::Window).await.expect("take");
    assert_eq!(codes(desk.move_request(third.id, &mv("withdraw", "")).await), [("action".into(), "move_reason")]);
    desk.move_request(third.id, &mv("withdraw", "申请人来电撤回")).await.expect("withdraw");

    // A grid worker meets residents too and may take requests; an assessor may not.
    let grid = as_user(&store, "wangge").await;
    assert!(
        store
            .acting(&grid)
            .take_request(code(MAIN), gl.id, &request("张三", &["0", "1", "2"]), Source::Window)
            .await
            .is_ok()
    );
    assert!(matches!(
        store.acting(&assessor).take_request(code(MAIN), gl.id, &request("张三", &[]), Source::Window).await,
        Err(StoreError::Forbidden)
    ));
}

// Residents apply online for themselves, follow and withdraw their own requests, and see
// nobody else's; anyone can look a request up with its number and the phone given.
async fn residents_apply_and_look_up(store: Store) {
    let all = setup(&store).await;
    let repair = item(&all, "BM-004");
    let jumin = as_user(&store, "jumin").await;
    let me = store.acting(&jumin);
    let input = RequestInput {
        fields: BTreeMap::from([("f1".to_owned(), "水电维修".to_owned())]),
        ..request("李秀英", &[])
    };
    let taken = me.apply_online(code(MAIN), repair.id, &input).await.expect("apply");
    assert_eq!(taken.state, "submitted");
    let mine = me.my_requests().await.expect("mine");
    assert!(mine.iter().any(|r| r.id == taken.id));
    let d = me.request(taken.id).await.expect("own request");
    assert_eq!(d.moves, ["withdraw"], "a resident can only withdraw");
    assert_eq!(codes(me.move_request(taken.id, &mv("accept", "")).await), [("action".into(), "move_not_yours")]);
    // Items without the online channel refuse online applications.
    let cert = item(&all, "BM-005");
    assert_eq!(codes(me.apply_online(code(MAIN), cert.id, &input).await), [("item".into(), "item_not_online")]);
    // Not in another community, not someone else's request, not the staff queue.
    assert!(me.apply_online(code(SIBLING), repair.id, &input).await.is_err());
    let volunteer = as_user(&store, "zhiyuan").await;
    assert!(matches!(store.acting(&volunteer).request(taken.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(me.window_queue(code(MAIN), &QueueQuery::default()).await, Err(StoreError::Forbidden)));

    // The public look-up needs the number and the phone.
    let status = store.lookup_request(&taken.number, "139 0591 8888").await.expect("look up");
    assert_eq!((status.state.as_str(), status.applicant_masked.as_str()), ("submitted", "李**"));
    assert!(matches!(store.lookup_request(&taken.number, "13905910000").await, Err(StoreError::NotFound(_))));
    assert!(matches!(
        store.lookup_request("350103001001-20260101-9999", "13905918888").await,
        Err(StoreError::NotFound(_))
    ));

    // The window takes it from the queue: the first to act owns it.
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    desk.move_request(taken.id, &MoveInput { missing: vec!["9".into()], ..mv("request_materials", "") })
        .await
        .expect_err("bad index");
    desk.move_request(taken.id, &mv("request_materials", "房屋照片")).await.expect("materials");
    assert_eq!(desk.request(taken.id).await.expect("d").work.owner_id, desk_actor.user_id());
    assert_eq!(me.request(taken.id).await.expect("d").work.owner_name, "王芳", "no staff account names");
    // An online application for an item with materials lists nothing as missing until staff
    // have checked.
    let gl = item(&all, "WM-001");
    let online = me.apply_online(code(MAIN), gl.id, &request("李秀英", &[])).await.expect("apply");
    assert!(me.request(online.id).await.expect("d").missing.is_empty());
    me.move_request(taken.id, &mv("supply_materials", "照片已上传")).await.expect("supply");
    me.move_request(taken.id, &mv("withdraw", "已自行修好")).await.expect("withdraw");
    assert_eq!(me.request(taken.id).await.expect("d").work.state, "withdrawn");
}

// The queue sorts by deadline and filters; the summary counts what is late; Open311 tokens
// post; the outbox hands messages to the sender decrypted.
async fn queues_open311_and_outbox(store: Store) {
    let all = setup(&store).await;
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let (rows, total) =
        desk.window_queue(code(MAIN), &QueueQuery { limit: 50, ..Default::default() }).await.expect("queue");
    assert_eq!(rows.len() as i64, total);
    // The total is the whole queue's on every page, also a short one and one past the end.
    let page = |offset: i64| QueueQuery { limit: 2, offset, ..Default::default() };
    let (two, of) = desk.window_queue(code(MAIN), &page(0)).await.expect("first page");
    assert_eq!((two.len(), of), (2, total));
    let (none, of) = desk.window_queue(code(MAIN), &page(total + 5)).await.expect("past the end");
    assert_eq!((none.len(), of), (0, total));
    let dues: Vec<_> = rows.iter().filter_map(|r| r.due_at).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "most pressing first");
    assert!(
        rows.iter().any(|r| r.urgency == Some(linli_domain::workflow::Urgency::Overdue)),
        "the demo has late requests"
    );
    let summary = desk.window_summary(code(MAIN)).await.expect("summary");
    assert!(summary.overdue >= 1 && summary.awaiting_intake >= 1 && summary.awaiting_materials >= 1, "{summary:?}");
    let first = &rows[0];
    let (found, _) = desk
        .window_queue(
            code(MAIN),
            &QueueQuery { q: first.number.clone(), limit: 10, state: "all".into(), ..Default::default() },
        )
        .await
        .expect("by number");
    assert_eq!(found.len(), 1);
    let (_, found_total) = desk
        .window_queue(code(MAIN), &QueueQuery { q: first.number.clone(), state: "all".into(), ..Default::default() })
        .await
        .expect("by number");
    assert_eq!(found_total, 1, "a search's total counts its matches");
    let (mine, _) =
        desk.window_queue(code(MAIN), &QueueQuery { mine: true, limit: 50, ..Default::default() }).await.expect("mine");
    assert!(mine.iter().all(|r| r.owner_name.contains("chuangkou")));
    assert!(
        codes(desk.window_queue(code(MAIN), &QueueQuery { state: "nope".into(), ..Default::default() }).await).len()
            == 1
    );

    // Open311: a token with the scope on the street posts into its communities only.
    let token = Actor {
        principal: Principal {
            rights: Rights::Scopes([TokenScope(Resource::Open311, Action::Create)].into_iter().collect()),
            node: Some(code("350103001000")),
        },
        who: Who::Token(Uuid::now_v7()),
        name: "token 热线".into(),
        ip: None,
    };
    let input = RequestInput {
        fields: BTreeMap::from([("f1".to_owned(), "家政保洁".to_owned())]),
        ..request("市民", &[])
    };
    let posted = store.acting(&token).open311_request(code(MAIN), "bm-004", &input).await.expect("post");
    assert!(posted.token.is_some() && posted.state == "submitted");
    assert!(matches!(
        store.acting(&token).open311_request(code(MAIN), "XX-999", &input).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store.acting(&token).open311_request(code("350103002001"), "BM-004", &input).await.is_err(),
        "other street"
    );
    assert!(matches!(desk.window_queue(code(MAIN), &QueueQuery::default()).await.map(|_| ()), Ok(())));
    let desk_post = desk.open311_request(code(MAIN), "BM-004", &input).await;
    assert!(matches!(desk_post, Err(StoreError::Forbidden)), "staff accounts do not post through Open311");

    // The outbox decrypts for the sender and records deliveries.
    let pending = store.pending_messages(100).await.expect("pending");
    assert!(pending.iter().any(|m| m.recipient == "13905918888" && m.body.contains("已提交")));
    assert!(store.pending_messages(100).await.expect("again").is_empty(), "claimed messages are not handed out twice");
    for m in &pending {
        store.message_done(m.id, None).await.expect("sent");
    }
    assert!(store.pending_messages(100).await.expect("none").is_empty());
    assert!(all.iter().any(|i| i.category == Category::Welfare));
}

// Slots open on working days; residents book within capacity and their limit, change and
// cancel their own; staff book for callers, see the day's bookings and mark them.
async fn appointments(store: Store) {
    setup(&store).await;
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let cal = store.calendar().await.expect("calendar");
    // Beyond the demo's two weeks of slots, so the test's own slots are the only ones.
    let day = cal.add_working_days(linli_store::today(), 20);
    let input = SlotsInput {
        from: day.to_string(),
        days: "2".into(),
        times: "09:00-09:30, 10:00-10:30".into(),
        capacity: "1".into(),
        service_window: "1号窗口".into(),
        ..SlotsInput::default()
    };
    assert_eq!(desk.open_slots(code(MAIN), &input).await.expect("open"), 4);
    let past = SlotsInput { from: "2020-01-01".into(), ..input.clone() };
    assert_eq!(codes(desk.open_slots(code(MAIN), &past).await), [("from".into(), "slot_date")]);
    let jumin_actor = as_user(&store, "jumin").await;
    let jumin = store.acting(&jumin_actor);
    for b in jumin.my_bookings().await.expect("demo bookings") {
        jumin.cancel_booking(b.id).await.expect("start with no open bookings");
    }
    assert!(matches!(jumin.open_slots(code(MAIN), &input).await, Err(StoreError::Forbidden)));
    let slots = jumin.slots(code(MAIN), day, 7, None).await.expect("slots");
    assert_eq!(slots.len(), 4);
    assert!(slots.iter().all(|s| s.left() == 1));

    let first = jumin.book(slots[0].id, "李秀英", "13905910011", None).await.expect("book");
    assert_eq!(codes(jumin.book(slots[0].id, "李秀英", "13905910011", None).await), [("slot".into(), "slot_full")]);
    let volunteer_actor = as_user(&store, "zhiyuan").await;
    let volunteer = store.acting(&volunteer_actor);
    assert_eq!(codes(volunteer.book(slots[0].id, "陈宇", "13905910012", None).await), [("slot".into(), "slot_full")]);
    assert_eq!(codes(jumin.book(slots[1].id, "", "123", None).await).len(), 2, "name and phone named");
    let second = jumin.book(slots[1].id, "李秀英", "13905910011", None).await.expect("book");
    jumin.book(slots[2].id, "李秀英", "13905910011", None).await.expect("book");
    assert_eq!(
        codes(jumin.book(slots[3].id, "李秀英", "13905910011", None).await),
        [("slot".into(), "too_many_bookings")]
    );

    // Changing the time frees the old slot in the same step.
    let moved = jumin.change_booking(first, slots[3].id).await.expect("change");
    assert_ne!(moved, first);
    volunteer.book(slots[0].id, "陈宇", "13905910012", None).await.expect("the freed slot");
    assert!(matches!(volunteer.cancel_booking(second).await, Err(StoreError::NotFound(_))), "not theirs");
    jumin.cancel_booking(second).await.expect("cancel");
    assert_eq!(codes(jumin.cancel_booking(second).await), [(String::new(), "booking_not_open")]);
    let mine: Vec<_> =
        jumin.my_bookings().await.expect("mine").into_iter().filter(|b| b.starts_at.date() >= day).collect();
    assert_eq!(mine.iter().filter(|b| b.state == "booked").count(), 2);
    assert_eq!(mine.iter().filter(|b| b.state == "cancelled").count(), 2);

    // The window: a caller booked by phone, the day's list, marks only from the day on.
    desk.book(slots[1].id, "电话预约", "13905910013", None).await.expect("staff books for a caller");
    let day_list = desk.bookings_on(code(MAIN), day).await.expect("day");
    // The first day: the volunteer in the freed slot and the caller; the resident's two moved on.
    assert_eq!(day_list.iter().filter(|b| b.state == "booked").count(), 2, "{day_list:?}");
    assert_eq!(day_list.iter().filter(|b| b.state == "cancelled").count(), 2);
    assert!(day_list.iter().all(|b| b.phone_masked.contains("****")));
    assert_eq!(codes(desk.mark_booking(moved, true).await), [(String::new(), "booking_not_due")]);
    assert!(matches!(jumin.mark_booking(moved, true).await, Err(StoreError::Forbidden)));
    let sibling = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&sibling).bookings_on(code(MAIN), day).await, Err(StoreError::NotFound(_))));

    // Today's all-day slot: booked and marked on the day (skipped in the day's last minutes).
    let now_cn = linli_store::now().to_offset(linli_domain::workflow::CHINA);
    if cal.is_working_day(now_cn.date()) && now_cn.hour() < 23 {
        let today = SlotsInput {
            from: now_cn.date().to_string(),
            times: "00:00-23:59".into(),
            capacity: "1".into(),
            ..SlotsInput::default()
        };
        desk.open_slots(code(MAIN), &today).await.expect("today");
        assert_eq!(desk.open_slots(code(MAIN), &today).await.expect("again"), 1, "a form sent twice");
        // Listed by the window (residents see only slots not yet begun; this one began at 00:00).
        let slots = desk.slots(code(MAIN), now_cn.date(), 1, None).await.expect("slots");
        let all_day: Vec<_> = slots.iter().filter(|s| s.capacity == 1 && s.ends_at > linli_store::now()).collect();
        assert_eq!(all_day.len(), 1, "the second opening of the same slot made none");
        let b = desk.book(all_day[0].id, "现场", "13905910014", None).await.expect("walk-in");
        desk.mark_booking(b, true).await.expect("attended");
        assert_eq!(codes(desk.cancel_booking(b).await), [(String::new(), "booking_not_open")]);
        // A wrong mark is put right (each mark is in the audit log with what it replaced).
        desk.mark_booking(b, false).await.expect("attended corrected to no-show");
        assert_eq!(
            codes(desk.book(all_day[0].id, "又一位", "13905910015", None).await),
            [("slot".into(), "slot_full")],
            "who came still counts against the capacity"
        );
    }
}

// Consultations are logged with the answer, searched, and checked.
async fn consultations(store: Store) {
    let all = setup(&store).await;
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let input = ConsultationInput {
        topic: "（测试）高龄津贴要带什么材料？".into(),
        answer: "身份证、户口簿、银行卡".into(),
        channel: "phone".into(),
        item: item(&all, "WM-001").id.to_string(),
        ..ConsultationInput::default()
    };
    desk.record_consultation(code(MAIN), &input).await.expect("record");
    let bad = ConsultationInput { channel: "fax".into(), item: "nope".into(), ..ConsultationInput::default() };
    assert_eq!(
        codes(desk.record_consultation(code(MAIN), &bad).await),
        [("topic".into(), "required"), ("channel".into(), "choice"), ("item".into(), "choice")]
    );
    let (list, total) = desk.consultations(code(MAIN), "（测试）", 20, 0).await.expect("list");
    assert_eq!((list.len(), total), (1, 1));
    assert_eq!(list[0].item_name.as_deref(), Some("高龄津贴申领"));
    let resident = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&resident).consultations(code(MAIN), "", 20, 0).await, Err(StoreError::Forbidden)));
}

// Files with a request: the applicant and the window add them while it is open; types are
// read from the bytes; nobody else sees them.
async fn attachments(store: Store) {
    let all = setup(&store).await;
    let jumin = as_user(&store, "jumin").await;
    let me = store.acting(&jumin);
    let input = RequestInput {
        fields: BTreeMap::from([("f1".to_owned(), "水电维修".to_owned())]),
        ..request("李秀英", &[])
    };
    let taken = me.apply_online(code(MAIN), item(&all, "BM-004").id, &input).await.expect("apply");
    let pdf = b"%PDF-1.4 a scan".to_vec();
    let id = me.attach(taken.id, "户口簿.pdf", &pdf).await.expect("attach");
    assert_eq!(codes(me.attach(taken.id, "x.html", b"<html>").await), [("file".into(), "attach_type")]);
    let big = [b"%PDF-".to_vec(), vec![0u8; linli_store::window::MAX_ATTACHMENT_BYTES]].concat();
    assert_eq!(codes(me.attach(taken.id, "big.pdf", &big).await), [("file".into(), "attach_too_large")]);
    let desk = as_user(&store, "chuangkou").await;
    let (a, bytes) = store.acting(&desk).attachment(taken.id, id).await.expect("staff read");
    assert_eq!((a.name.as_str(), a.content_type.as_str(), bytes), ("户口簿.pdf", "application/pdf", pdf.clone()));
    store.acting(&desk).attach(taken.id, "照片.png", b"\x89PNG\r\n\x1a\n...").await.expect("the window adds one");
    assert_eq!(me.attachments(taken.id).await.expect("list").len(), 2);
    let volunteer = as_user(&store, "zhiyuan").await;
    assert!(matches!(store.acting(&volunteer).attachment(taken.id, id).await, Err(StoreError::NotFound(_))));
    let sibling = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&sibling).attachments(taken.id).await, Err(StoreError::NotFound(_))));
    // Twelve uploads at once with two files there: the limit holds, the rest are told why.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (store, jumin, pdf) = (store.clone(), jumin.clone(), pdf.clone());
        set.spawn(async move { store.acting(&jumin).attach(taken.id, &format!("{i}.pdf"), &pdf).await });
    }
    let (mut added, mut refused) = (0, 0);
    while let Some(done) = set.join_next().await {
        match done.expect("task") {
            Ok(_) => added += 1,
            other => {
                assert_eq!(codes(other), [("file".into(), "attach_too_many")]);
                refused += 1;
            }
        }
    }
    let max = linli_store::window::MAX_ATTACHMENTS as usize;
    assert_eq!((added, refused), (max - 2, 12 - (max - 2)));
    assert_eq!(me.attachments(taken.id).await.expect("list").len(), max);
    me.move_request(taken.id, &mv("withdraw", "")).await.expect("withdraw");
    assert_eq!(codes(me.attach(taken.id, "late.pdf", &pdf).await), [("file".into(), "attach_closed")]);
}

// Creates that arrive together are written together (`group_commit.rs`): each requester gets
// its own request and number, the day's numbers run on with none lost or repeated, the audit
// chain stays whole (TestDb verifies it on drop), and a create the database refuses fails alone.
async fn creates_arriving_together(store: Store) {
    let all = setup(&store).await;
    let gl = item(&all, "WM-001").id;
    let desk_actor = as_user(&store, "chuangkou").await;
    // A database that refuses one applicant, as a constraint would.
    if store.engine() == linli_store::Engine::Sqlite {
        store
            .execute_admin(
                "CREATE TRIGGER refuse BEFORE INSERT ON service_request WHEN NEW.applicant_name = '拒收' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .await
            .expect("trigger");
    } else {
        store
            .execute_admin(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.applicant_name = '拒收' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$",
            )
            .await
            .expect("function");
        store
            .execute_admin(
                "CREATE TRIGGER refuse BEFORE INSERT ON service_request FOR EACH ROW EXECUTE FUNCTION refuse()",
            )
            .await
            .expect("trigger");
    }
    let mut wave = Vec::new();
    let before = store.create_groups();
    // Two waves: one all written as one group, one whose group fails and is written one by one.
    let names: Vec<String> = (0..48).map(|i| if i == 33 { "拒收".to_owned() } else { format!("申请人{i}") }).collect();
    let mut set = tokio::task::JoinSet::new();
    for (i, name) in names.iter().enumerate() {
        if i == 24 {
            while let Some(done) = set.join_next().await {
                wave.push(done.expect("task"));
            }
            let after = store.create_groups();
            assert_eq!(after.retried, before.retried, "the first wave's groups all commit");
            assert!(after.creates - before.creates > after.groups - before.groups, "some were grouped: {after:?}");
        }
        let (store, actor, input) = (store.clone(), desk_actor.clone(), request(name, &["0", "1", "2"]));
        let name = name.clone();
        set.spawn(
            async move { (name, store.acting(&actor).take_request(code(MAIN), gl, &input, Source::Window).await) },
        );
    }
    while let Some(done) = set.join_next().await {
        wave.push(done.expect("task"));
    }
    let desk = store.acting(&desk_actor);
    let mut seqs = Vec::new();
    for (name, taken) in wave {
        if name == "拒收" {
            assert!(taken.is_err(), "the refused create fails: {taken:?}");
            continue;
        }
        let taken = taken.unwrap_or_else(|e| panic!("{name}'s create: {e}"));
        let d = desk.request(taken.id).await.expect("detail");
        assert_eq!((d.applicant_name.as_str(), d.work.number.as_str()), (name.as_str(), taken.number.as_str()));
        let seq = taken.number.rsplit('-').next().and_then(|s| s.parse::<i64>().ok()).expect("numbered");
        seqs.push(seq);
    }
    seqs.sort_unstable();
    let run_on: Vec<i64> = (seqs[0]..seqs[0] + 47).collect();
    assert_eq!(seqs, run_on, "the day's numbers run on without a gap or a repeat");
    let refused = QueueQuery { state: "all".into(), q: "拒收".into(), ..QueueQuery::default() };
    let (_, found) = desk.window_queue(code(MAIN), &refused).await.expect("queue");
    assert_eq!(found, 0, "nothing of the refused create is left");
}

on_both_engines!(
    creates_arriving_together,
    attachments,
    catalogue_and_guide,
    the_window_flow,
    residents_apply_and_look_up,
    queues_open311_and_outbox,
    appointments,
    consultations
);
