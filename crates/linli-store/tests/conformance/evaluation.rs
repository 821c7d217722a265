//! Surveys, supervisors' follow-ups, complaint limits and weekly figures on both engines, with
//! their forbidden paths: wrong role, other community, wrong state, a second answer.

use linli_domain::oversight::survey::{QuestionInput, SurveyInput};
use linli_domain::oversight::{ComplaintInput, ComplaintLimits, NoteInput};
use linli_domain::workflow::{Limit, due_at};
use linli_store::oversight::{NoteMove, QuestionEdit, Span};
use linli_store::window::MoveInput;
use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;

use crate::{as_user, code, demo};

const MAIN: &str = "350103001001";
const SIBLING: &str = "350103001002";

fn codes<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(i)) => i.0.iter().map(|e| (e.field.clone(), e.code)).collect(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

fn question(kind: &str, prompt: &str, options: &str, required: bool) -> QuestionInput {
    QuestionInput {
        kind: kind.into(),
        prompt: prompt.into(),
        options: options.into(),
        required: required.then(|| "on".into()),
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn survey(title: &str, audience: &str) -> SurveyInput {
    SurveyInput { title: title.into(), intro: "请如实填写".into(), audience: audience.into() }
}

async fn surveys_for_residents(store: Store) {
    demo(&store).await;
    let head_actor = as_user(&store, "shuji").await;
    let head = store.acting(&head_actor);
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let resident_actor = as_user(&store, "jumin").await;
    let resident = store.acting(&resident_actor);

    // Who may compose: the community's own staff, not residents, grid workers or other communities.
    let input = survey("第四季度满意度调查", "residents");
    assert!(matches!(resident.create_survey(code(MAIN), &input).await, Err(StoreError::Forbidden)));
    let grid = as_user(&store, "wangge").await;
    assert!(matches!(store.acting(&grid).create_survey(code(MAIN), &input).await, Err(StoreError::Forbidden)));
    assert!(matches!(desk.create_survey(code(SIBLING), &input).await, Err(StoreError::NotFound(_))));
    assert_eq!(codes(desk.create_survey(code(MAIN), &survey(" ", "everyone")).await).len(), 2);
    let id = desk.create_survey(code(MAIN), &input).await.expect("create");

    // A draft: questions added, moved, removed; it cannot open empty; residents cannot see it.
    assert_eq!(codes(desk.open_survey(id).await), [(String::new(), "survey_no_questions")]);
    desk.edit_questions(id, QuestionEdit::Add(&question("text", "建议", "", false))).await.expect("q");
    desk.edit_questions(id, QuestionEdit::Add(&question("single", "总体评价", "满意\n一般\n不满意", true)))
        .await
        .expect("q");
    desk.edit_questions(id, QuestionEdit::Add(&question("scale", "环境卫生", "", false))).await.expect("q");
    desk.edit_questions(id, QuestionEdit::Up(1)).await.expect("move up");
    assert_eq!(
        codes(desk.edit_questions(id, QuestionEdit::Add(&question("single", "x", "只有一个", false))).await),
        [("options".into(), "too_few")]
    );
    assert!(matches!(desk.edit_questions(id, QuestionEdit::Remove(9)).await, Err(StoreError::NotFound(_))));
    // A mistake is corrected in place, checked like a new question.
    desk.edit_questions(id, QuestionEdit::Replace(2, &question("scale", "环境卫生状况", "", false)))
        .await
        .expect("fix");
    assert_eq!(
        codes(desk.edit_questions(id, QuestionEdit::Replace(0, &question("single", "", "甲\n乙", true))).await),
        [("prompt".into(), "required")]
    );
    let s = desk.survey(id).await.expect("survey");
    let prompts: Vec<&str> = s.questions.iter().map(|q| q.prompt.as_str()).collect();
    assert_eq!(prompts, ["总体评价", "建议", "环境卫生状况"]);
    assert!(matches!(resident.survey_for_me(id).await, Err(StoreError::NotFound(_))));
    assert!(resident.my_surveys().await.expect("mine").is_empty());

    // Open: residents of the community see it and answer once; its questions are frozen.
    assert_eq!(desk.open_survey(id).await.expect("open"), 0, "no slips for an all-residents survey");
    assert_eq!(codes(desk.edit_questions(id, QuestionEdit::Remove(0)).await), [(String::new(), "survey_not_draft")]);
    assert_eq!(codes(desk.update_survey(id, &input).await), [(String::new(), "survey_not_draft")]);
    assert!(matches!(head.delete_survey(id).await, Err(StoreError::Invalid(_))));
    let mine = resident.my_surveys().await.expect("mine");
    assert_eq!((mine.len(), mine[0].1), (1, false));
    assert_eq!(codes(resident.answer_survey(id, &form(&[("q1", "多种树")])).await), [("q0".into(), "required")]);
    assert_eq!(codes(resident.answer_survey(id, &form(&[("q0", "7")])).await), [("q0".into(), "choice")]);
    // Fields that are no question do not make an answer.
    assert!(codes(resident.answer_survey(id, &form(&[("qz", "x")])).await).iter().any(|c| c.1 == "survey_empty"));
    resident.answer_survey(id, &form(&[("q0", "0"), ("q1", "多种树"), ("q2", "4")])).await.expect("answer");
    assert!(matches!(
        resident.answer_survey(id, &form(&[("q0", "1")])).await,
        Err(StoreError::Conflict { field: "answered", .. })
    ));
    assert!(resident.my_surveys().await.expect("mine")[0].1, "answered");
    // Paper forms keyed in by staff; residents cannot key in for others.
    desk.record_paper_response(id, &form(&[("q0", "0"), ("q2", "2")])).await.expect("paper");
    desk.record_paper_response(id, &form(&[("q0", "2")])).await.expect("paper");
    assert!(matches!(resident.record_paper_response(id, &form(&[("q0", "2")])).await, Err(StoreError::Forbidden)));

    // Results tally every answer; closing stops answers but keeps them.
    let r = head.survey_results(id).await.expect("results");
    assert_eq!(r.survey.responses, 3);
    assert_eq!((r.tallies[0].answered, r.tallies[0].counts.clone()), (3, vec![2, 0, 1]));
    assert_eq!(r.tallies[1].texts, ["多种树"]);
    assert_eq!((r.tallies[2].answered, r.tallies[2].mean), (2, Some(3.0)));
    desk.close_survey(id).await.expect("close");
    assert_eq!(
        codes(desk.record_paper_response(id, &form(&[("q0", "1")])).await),
        [(String::new(), "survey_not_open")]
    );
    assert_eq!(codes(desk.close_survey(id).await), [(String::new(), "survey_not_open")]);
    assert_eq!(codes(resident.answer_survey(id, &form(&[("q0", "1")])).await), [(String::new(), "survey_not_open")]);
    assert_eq!(head.survey_results(id).await.expect("results").survey.responses, 3);
    // Another community's staff do not see it.
    let other = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&other).survey(id).await, Err(StoreError::NotFound(_))));

    // Drafts are deleted by the head only.
    let draft = desk.create_survey(code(MAIN), &survey("草稿", "residents")).await.expect("draft");
    assert!(matches!(desk.delete_survey(draft).await, Err(StoreError::Forbidden)));
    head.delete_survey(draft).await.expect("delete");
    assert!(matches!(desk.survey(draft).await, Err(StoreError::NotFound(_))));
}

async fn surveys_for_a_category(store: Store) {
    demo(&store).await;
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    let id = desk.create_survey(code(MAIN), &survey("老年人助餐满意度", "elderly_80")).await.expect("create");
    desk.edit_questions(id, QuestionEdit::Add(&question("single", "满意吗", "满意\n不满意", true))).await.expect("q");
    // Nobody registered yet: no one to invite.
    assert_eq!(codes(desk.open_survey(id).await), [("audience".into(), "survey_audience_empty")]);
    store.seed_demo_register().await.expect("register");
    let invited = desk.open_survey(id).await.expect("open");
    let head = as_user(&store, "shuji").await;
    let (_, aged) = store
        .acting(&head)
        .residents(&linli_store::register::ResidentQuery {
            community: Some(code(MAIN)),
            tag: Some("elderly_80".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("residents");
    assert!(invited > 0 && invited == aged, "one slip per person in the category: {invited} vs {aged}");
    let (slips, total) = desk.survey_invitations(id, 5, 0).await.expect("slips");
    assert_eq!((slips.len(), total), (5.min(invited as usize), invited));
    // Slips are answered with their codes; paper answers beside them would count twice.
    assert_eq!(
        codes(desk.record_paper_response(id, &form(&[("q0", "0")])).await),
        [(String::new(), "survey_paper_category")]
    );
    // A slip's code answers once, without an account, and only an open survey.
    let code_on_slip = slips[0].code.clone();
    let (s, used) = store.survey_by_code(&code_on_slip.to_lowercase()).await.expect("by code");
    assert_eq!((s.id, used), (id, false));
    assert_eq!(codes(store.answer_by_code(&code_on_slip, &form(&[])).await).last().map(|c| c.1), Some("survey_empty"));
    store.answer_by_code(&code_on_slip, &form(&[("q0", "1")])).await.expect("answer");
    assert!(matches!(
        store.answer_by_code(&code_on_slip, &form(&[("q0", "0")])).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(store.answer_by_code("NOSUCHCODE", &form(&[("q0", "0")])).await, Err(StoreError::NotFound(_))));
    assert!(desk.survey_invitations(id, 5, 0).await.expect("slips").0.iter().any(|s| s.used));
    // Slips name people: a resident cannot list them.
    let resident = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&resident).survey_invitations(id, 5, 0).await, Err(StoreError::Forbidden)));
    // Someone who joins the category after publishing gets a slip on request, once.
    assert_eq!(desk.invite_newcomers(id).await.expect("none new"), 0);
    let head_actor = as_user(&store, "shuji").await;
    let h = store.acting(&head_actor);
    let b = h.save_building(code(MAIN), None, "新建3号楼", "江滨中大道 99 号", None).await.expect("building");
    let home = h.household_at(b.id, "1", "101").await.expect("household");
    let newcomer = linli_domain::register::ResidentInput {
        name: "陈阿婆".into(),
        document_number: linli_testkit::register::id_number("350103", "19400305", 26),
        residence_type: "户籍".into(),
        relation: "户主".into(),
        ..Default::default()
    };
    h.register_resident(home, &newcomer, linli_store::today(), false).await.expect("moves in");
    assert_eq!(desk.invite_newcomers(id).await.expect("one new"), 1);
    assert_eq!(desk.invite_newcomers(id).await.expect("again"), 0);
    assert_eq!(desk.survey(id).await.expect("survey").invitations, invited + 1);
    desk.close_survey(id).await.expect("close");
    assert_eq!(
        codes(store.answer_by_code(&slips[1].code, &form(&[("q0", "0")])).await),
        [(String::new(), "survey_not_open")]
    );
    assert_eq!(codes(desk.invite_newcomers(id).await), [(String::new(), "survey_not_open")]);
}

async fn follow_ups(store: Store) {
    demo(&store).await;
    let street_actor = as_user(&store, "jiedao").await;
    let street = store.acting(&street_actor);
    let head_actor = as_user(&store, "shuji").await;
    let head = store.acting(&head_actor);
    let note = |kind: &str, body: &str| NoteInput {
        kind: kind.into(),
        body: body.into(),
        period: "2026-10".into(),
        due_on: String::new(),
    };

    // Supervisors write; community staff do not, and nobody writes outside their reach.
    assert!(matches!(head.add_note(code(MAIN), &note("comment", "x")).await, Err(StoreError::Forbidden)));
    let district_elsewhere = code("350103002001");
    assert!(matches!(street.add_note(district_elsewhere, &note("comment", "x")).await, Err(StoreError::NotFound(_))));
    let past = NoteInput { due_on: "2020-01-01".into(), ..note("follow_up", "x") };
    assert_eq!(codes(street.add_note(code(MAIN), &past).await), [("due_on".into(), "in_past")]);
    let comment = street.add_note(code(MAIN), &note("comment", "按时率很高")).await.expect("comment");
    let id = street.add_note(code(MAIN), &note("follow_up", "超期件偏多，请说明")).await.expect("follow-up");
    let n = head.note(id).await.expect("note");
    assert_eq!((n.state.as_deref(), n.due_at.is_some(), n.overdue), (Some("open"), true, false));
    let cal = store.calendar().await.expect("calendar");
    assert_eq!(n.due_at, Some(due_at(&cal, n.created_at, Limit::WorkingDays(5))));
    let mv = |action: &str, reason: &str, version: Option<i64>| NoteMove {
        action: action.into(),
        reason: reason.into(),
        version,
    };
    // A comment has no steps.
    assert_eq!(codes(head.move_note(comment, &mv("answer", "好", None)).await), [("action".into(), "move_unknown")]);
    // The community answers (with a reason); the supervisor cannot answer for it.
    assert_eq!(codes(head.move_note(id, &mv("answer", "", None)).await), [("action".into(), "move_reason")]);
    assert_eq!(codes(street.move_note(id, &mv("answer", "x", None)).await), [("action".into(), "follow_up_not_yours")]);
    assert!(matches!(
        head.move_note(id, &mv("answer", "原因是转办", Some(99))).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(head.move_note(id, &mv("answer", "原因是转办", Some(n.version))).await.expect("answer"), "answered");
    // Only the supervisor closes or sends back.
    assert_eq!(codes(head.move_note(id, &mv("close", "", None)).await), [("action".into(), "follow_up_not_yours")]);
    assert_eq!(street.move_note(id, &mv("reopen", "请附整改措施", None)).await.expect("reopen"), "open");
    head.move_note(id, &mv("answer", "整改措施：每周五集中反馈", None)).await.expect("answer again");
    assert_eq!(street.move_note(id, &mv("close", "", None)).await.expect("close"), "closed");
    let n = head.note(id).await.expect("note");
    assert_eq!(n.answer, "整改措施：每周五集中反馈");
    let steps: Vec<&str> = n.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(steps, ["answer", "reopen", "answer", "close"]);

    // The district's follow-up is the district's to close, not the street's in between.
    let district_actor = as_user(&store, "quminzheng").await;
    let district = store.acting(&district_actor);
    let from_above =
        district.add_note(code(MAIN), &note("follow_up", "区里督办：请报送整改台账")).await.expect("district");
    head.move_note(from_above, &mv("answer", "已报送", None)).await.expect("answer");
    assert_eq!(
        codes(street.move_note(from_above, &mv("close", "", None)).await),
        [("action".into(), "follow_up_not_yours")]
    );
    assert_eq!(district.move_note(from_above, &mv("close", "", None)).await.expect("close"), "closed");

    // Lists: the street sees its communities' notes; a sibling community's staff see none of these.
    let (all, total) = street.notes(code("350103001000"), false, 50, 0).await.expect("notes");
    assert_eq!((all.len(), total), (3, 3));
    assert_eq!(street.notes(code("350103001000"), true, 50, 0).await.expect("open").1, 0);
    let sibling = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&sibling).notes(code(MAIN), false, 50, 0).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.acting(&sibling).notes(code(SIBLING), false, 50, 0).await.expect("own").1, 0);
    assert!(matches!(store.acting(&sibling).note(id).await, Err(StoreError::NotFound(_))));
}

async fn complaint_limits(store: Store) {
    demo(&store).await;
    let head_actor = as_user(&store, "shuji").await;
    let head = store.acting(&head_actor);
    let desk_actor = as_user(&store, "chuangkou").await;
    let desk = store.acting(&desk_actor);
    assert_eq!(store.complaint_limits(code(MAIN)).await.expect("limits"), ComplaintLimits::default());
    let limits = ComplaintLimits { reply_days: 3, verdict_days: 4, escalated_days: 6 };
    assert!(matches!(desk.set_complaint_limits(code(MAIN), limits).await, Err(StoreError::Forbidden)));
    let sibling_head = code(SIBLING);
    assert!(matches!(head.set_complaint_limits(sibling_head, limits).await, Err(StoreError::NotFound(_))));
    head.set_complaint_limits(code(MAIN), limits).await.expect("set");
    assert_eq!(store.complaint_limits(code(MAIN)).await.expect("limits"), limits);
    assert_eq!(store.complaint_limits(code(SIBLING)).await.expect("limits"), ComplaintLimits::default());

    // New complaints take the community's limits, at acceptance and at each step.
    let input = ComplaintInput {
        channel: "window".into(),
        complainant_name: "王芳".into(),
        phone: "13905914444".into(),
        subject: "等候太久".into(),
        content: "排队一个小时".into(),
        request_number: String::new(),
    };
    let (id, _) = desk.take_complaint(code(MAIN), &input).await.expect("take");
    let cal = store.calendar().await.expect("calendar");
    let d = desk.complaint(id).await.expect("detail");
    let accepted = d.work.accepted_at.expect("accepted");
    assert_eq!(d.work.due_at, Some(due_at(&cal, accepted, Limit::WorkingDays(3))));
    // Accepted ten days ago with a deadline still ahead (as a longer limit would have given it):
    // answered now, it is in time by the deadline it was accepted with, though any recount with
    // today's short limit from its acceptance would call it late.
    let ten_days_ago = linli_store::now() - time::Duration::days(10);
    store.backdate_item(id, ten_days_ago, linli_store::now() + time::Duration::days(1)).await.expect("backdate");
    let reply = MoveInput { action: "reply".into(), reason: "已增开窗口".into(), ..MoveInput::default() };
    desk.move_complaint(id, &reply).await.expect("reply");
    let d = desk.complaint(id).await.expect("detail");
    let replied = d.history.last().expect("history").at;
    assert_eq!(d.work.due_at, Some(due_at(&cal, replied, Limit::WorkingDays(4))));
    head.set_complaint_limits(code(MAIN), ComplaintLimits { reply_days: 1, ..limits }).await.expect("set");
    assert!(due_at(&cal, ten_days_ago, Limit::WorkingDays(1)) < replied, "late by today's limit");
    let months = head.service_figures(code(MAIN), 2).await.expect("figures");
    let total = linli_store::oversight::MonthFigures::total("", months.iter());
    assert_eq!((total.complaints, total.complaints_in_time, total.complaints_answered), (1, 1, 1));
}

async fn weekly_figures(store: Store) {
    demo(&store).await;
    store.seed_demo_window().await.expect("window");
    store.seed_demo_year().await.expect("year");
    let head_actor = as_user(&store, "shuji").await;
    let head = store.acting(&head_actor);
    let weeks = head.figures_by(code(MAIN), Span::Weeks(8)).await.expect("weeks");
    assert_eq!(weeks.len(), 8);
    assert!(weeks.iter().all(|w| w.month.contains("-W")), "{weeks:?}");
    assert!(weeks.windows(2).all(|w| w[0].month < w[1].month), "oldest first");
    let months = head.figures_by(code(MAIN), Span::Months(3)).await.expect("months");
    // The last eight weeks fall inside the last three months: the weeks add up to no more.
    let week_total = linli_store::oversight::MonthFigures::total("", weeks.iter());
    let month_total = linli_store::oversight::MonthFigures::total("", months.iter());
    assert!(week_total.received > 0 && week_total.received <= month_total.received);
    let wrong = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&wrong).figures_by(code(MAIN), Span::Weeks(4)).await, Err(StoreError::NotFound(_))));
}

async fn demo_surveys(store: Store) {
    demo(&store).await;
    store.seed_demo_register().await.expect("register");
    store.seed_demo_surveys().await.expect("surveys");
    store.seed_demo_surveys().await.expect("idempotent");
    let head_actor = as_user(&store, "shuji").await;
    let head = store.acting(&head_actor);
    let surveys = head.surveys(code(MAIN)).await.expect("surveys");
    let states: Vec<&str> = surveys.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states.len(), 3);
    assert!(states.contains(&"closed") && states.contains(&"open") && states.contains(&"draft"));
    let closed = surveys.iter().find(|s| s.state == "closed").expect("closed");
    assert!(closed.responses > 100 && closed.responses < closed.invitations, "{closed:?}");
    let street = as_user(&store, "jiedao").await;
    assert_eq!(store.acting(&street).notes(code("350103001000"), true, 50, 0).await.expect("notes").1, 2);
}

on_both_engines!(
    surveys_for_residents,
    surveys_for_a_category,
    follow_ups,
    complaint_limits,
    weekly_figures,
    demo_surveys
);
