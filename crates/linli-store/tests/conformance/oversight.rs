//! 好差评 and rectification on both engines: one rating per finished request by account, code
//! or window; a bad one opens a rectification that is verified, put right and revisited within
//! its limits, visible to the rater.

use std::collections::BTreeMap;

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
    desk.rate(taken.id, &rating("非常满意", "居民当面表示感谢")).await.expect("recorded at the window");
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

on_both_engines!(ratings_and_rectification);
