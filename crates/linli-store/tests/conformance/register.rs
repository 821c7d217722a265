//! The register (居民台账): grids, buildings, households, residents with their history, search,
//! reveals, population figures, visits and whole-file imports — on both engines.

use std::sync::Mutex;

use linli_domain::ids::check_char;
use linli_domain::register::ResidentInput;
use linli_store::audit::AuditFilter;
use linli_store::privacy::Field;
use linli_store::register::{ImportRow, MoveOut, ResidentQuery, ResidentSummary, Sort, VisitInput};
use linli_store::{Acting, Store, StoreError, today};
use linli_testkit::on_both_engines;
use time::{Date, Duration};
use uuid::Uuid;

use crate::{as_user, code, demo};

const MAIN: &str = "350103001001";
const SIBLING: &str = "350103001002";

/// A valid 18-digit 居民身份证 number: region, birth date, 3-digit sequence (odd for men) and
/// the check character.
pub fn id_number(region: &str, birth: Date, seq: u32) -> String {
    let first17 =
        format!("{region}{:04}{:02}{:02}{:03}", birth.year(), u8::from(birth.month()), birth.day(), seq % 1000);
    format!("{first17}{}", check_char(first17.as_bytes()) as char)
}

/// A birthday `days` days before today's date `years` years ago: the age today is `years`.
fn born(years: i32, days: i64) -> Date {
    // On 29 February count from the 28th, which every year has.
    let t = today();
    let day = t.replace_year(t.year() - years).or_else(|_| (t - Duration::days(1)).replace_year(t.year() - years));
    day.expect("a valid date") - Duration::days(days.clamp(1, 300))
}

fn person(name: &str, document: &str, relation: &str) -> ResidentInput {
    ResidentInput {
        name: name.into(),
        document_number: document.into(),
        residence_type: "户籍".into(),
        relation: relation.into(),
        ..Default::default()
    }
}

/// The (field, code) pairs of an `Invalid` error; anything else fails the test.
fn codes<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(i)) => i.0.iter().map(|e| (e.field.clone(), e.code)).collect(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

fn names(list: &[ResidentSummary]) -> Vec<&str> {
    list.iter().map(|r| r.name.as_str()).collect()
}

fn query(q: &str) -> ResidentQuery {
    ResidentQuery { q: Some(q.into()), limit: 100, ..Default::default() }
}

/// The names a query finds, sorted.
async fn found(a: Acting<'_>, q: ResidentQuery) -> Vec<String> {
    let mut v: Vec<String> = a.residents(&q).await.expect("search").0.into_iter().map(|r| r.name).collect();
    v.sort_unstable();
    v
}

fn all() -> ResidentQuery {
    ResidentQuery { limit: 100, ..Default::default() }
}

/// A grid (with "wangge" as its worker) and one building in it, made by the community's head.
async fn place(store: &Store) -> (Uuid, Uuid) {
    let head = as_user(store, "shuji").await;
    let h = store.acting(&head);
    let grid = h.create_grid(code(MAIN), "0101", "第一网格").await.expect("grid");
    let wangge = store.user_by_username("wangge").await.expect("grid worker");
    h.set_grid_workers(grid.id, &[wangge.id]).await.expect("workers");
    let b =
        h.save_building(code(MAIN), None, "榕华花园1号楼", "江滨中大道 88 号", Some(grid.id)).await.expect("building");
    (grid.id, b.id)
}

async fn audit_actions(store: &Store, action: &str) -> Vec<linli_store::audit::Record> {
    let head = as_user(store, "shuji").await;
    let f = AuditFilter { action: Some(action.into()), ..Default::default() };
    store.acting(&head).audit_entries(&f, 500, 0).await.expect("audit").0
}

// Grids: the head creates them, workers cannot, another community's head cannot reach them;
// a code is unique per community; only grid workers of the same community staff a grid.
async fn grids_and_their_workers(store: Store) {
    demo(&store).await;
    let (main, sibling) = (code(MAIN), code(SIBLING));
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let g = h.create_grid(main, "0101", "第一网格").await.expect("create");
    assert_eq!((g.code.as_str(), g.name.as_str(), g.community_code), ("0101", "第一网格", main));
    assert!(g.workers.is_empty() && !g.retired);

    let window = as_user(&store, "chuangkou").await;
    assert!(matches!(store.acting(&window).create_grid(main, "0102", "第二网格").await, Err(StoreError::Forbidden)));
    let admin = as_user(&store, "admin").await;
    let theirs = store.acting(&admin).create_grid(sibling, "0101", "闽江第一网格").await.expect("same code elsewhere");
    assert!(
        matches!(h.create_grid(sibling, "0109", "越界网格").await, Err(StoreError::Forbidden)),
        "another community is out of reach"
    );
    assert!(matches!(h.grids(sibling).await, Err(StoreError::NotFound(_))));
    let minjiang = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&minjiang).grids(main).await, Err(StoreError::NotFound(_))));
    assert!(matches!(
        h.create_grid(main, "0101", "重复").await,
        Err(StoreError::Conflict { what: "grid", field: "code" })
    ));
    assert_eq!(codes(h.create_grid(main, " ", "无编号").await), [("code".to_owned(), "required")]);

    let wangge = store.user_by_username("wangge").await.expect("grid worker");
    let staffed = h.set_grid_workers(g.id, &[wangge.id]).await.expect("workers");
    assert_eq!(staffed.workers, [(wangge.id, "刘强".to_owned())]);
    let chuangkou = store.user_by_username("chuangkou").await.expect("window worker");
    let e = h.set_grid_workers(g.id, &[wangge.id, chuangkou.id]).await;
    assert_eq!(codes(e), [("workers".to_owned(), "grid_worker")], "a window worker is no grid worker");
    let input = linli_domain::account::UserInput {
        username: "wanggemj".into(),
        display_name: "林海".into(),
        role: "grid_worker".into(),
        node_code: SIBLING.into(),
        ..Default::default()
    };
    let (other, _) = store.acting(&admin).create_user(&input).await.expect("sibling grid worker");
    let e = h.set_grid_workers(g.id, &[other.user.id]).await;
    assert_eq!(codes(e), [("workers".to_owned(), "grid_worker")], "a grid worker of another community");
    assert!(h.set_grid_workers(theirs.id, &[]).await.is_err(), "another community's grid");
    assert!(matches!(store.acting(&window).set_grid_workers(g.id, &[]).await, Err(StoreError::Forbidden)));
    let listed = h.grids(main).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].workers, [(wangge.id, "刘强".to_owned())], "a refused change changes nothing");
    assert_eq!(audit_actions(&store, "grid.workers").await.len(), 1);
}

// Buildings: created and changed; a grid must be one of the same community; names are unique.
async fn buildings_are_saved_in_their_community(store: Store) {
    demo(&store).await;
    let (main, sibling) = (code(MAIN), code(SIBLING));
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let g = h.create_grid(main, "0101", "第一网格").await.expect("grid");
    let b = h.save_building(main, None, "榕华花园1号楼", "江滨中大道 88 号", Some(g.id)).await.expect("create");
    assert_eq!((b.name.as_str(), b.address.as_str()), ("榕华花园1号楼", "江滨中大道 88 号"));
    assert_eq!((b.grid_id, b.grid_name.as_deref(), b.households, b.residents), (Some(g.id), Some("第一网格"), 0, 0));
    let changed = h.save_building(main, Some(b.id), "榕华花园一号楼", "", None).await.expect("update");
    assert_eq!((changed.id, changed.name.as_str(), changed.grid_id), (b.id, "榕华花园一号楼", None));
    assert_eq!(h.buildings(main).await.expect("list").len(), 1, "an update adds nothing");

    let admin = as_user(&store, "admin").await;
    let theirs = store.acting(&admin).create_grid(sibling, "0201", "闽江网格").await.expect("sibling grid");
    let e = h.save_building(main, None, "江滨苑2号楼", "", Some(theirs.id)).await;
    assert_eq!(codes(e), [("grid".to_owned(), "grid_unknown")]);
    let e = h.save_building(main, None, "榕华花园一号楼", "", None).await;
    assert!(matches!(e, Err(StoreError::Conflict { what: "building", field: "name" })));
    let window = as_user(&store, "chuangkou").await;
    let second = store.acting(&window).save_building(main, None, "江滨苑2号楼", "", Some(g.id)).await.expect("window");
    let e = h.save_building(main, Some(second.id), "榕华花园一号楼", "", None).await;
    assert!(matches!(e, Err(StoreError::Conflict { .. })), "renaming onto another building's name");
    let grid_worker = as_user(&store, "wangge").await;
    assert!(matches!(
        store.acting(&grid_worker).save_building(main, None, "新楼", "", None).await,
        Err(StoreError::Forbidden)
    ));
    let minjiang = as_user(&store, "minjiang").await;
    assert!(matches!(
        store.acting(&minjiang).save_building(main, None, "新楼", "", None).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(store.acting(&minjiang).buildings(main).await, Err(StoreError::NotFound(_))));
    let e = store.acting(&admin).save_building(sibling, Some(second.id), "借用", "", None).await;
    assert!(matches!(e, Err(StoreError::NotFound(_))), "a building is changed in its own community only");
    assert_eq!(h.grids(main).await.expect("grids")[0].buildings, 1);
}

// Registering: one household per address; a valid ID card gives birth date and gender; bad
// numbers and duplicates are refused; the head heads the household.
async fn residents_are_registered_once(store: Store) {
    demo(&store).await;
    let (_, building) = place(&store).await;
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let home = h.household_at(building, "1单元", "101").await.expect("household");
    assert_eq!(h.household_at(building, "1单元", "101").await.expect("again"), home, "one household per address");
    let next = h.household_at(building, "1单元", "102").await.expect("next door");
    assert_ne!(next, home);
    assert_eq!(audit_actions(&store, "household.create").await.len(), 2);

    let birth = born(70, 12);
    let number = id_number("350103", birth, 24);
    let day = today();
    let id = h.register_resident(home, &person("林美华", &number, "户主"), day, false).await.expect("register");
    let d = h.resident(id).await.expect("read");
    assert_eq!((d.birth_date.as_str(), d.summary.gender.as_str()), (birth.to_string().as_str(), "female"));
    assert_eq!(d.summary.age, 70);
    assert_eq!(d.summary.document_masked, format!("350103********{}", &number[14..]));
    assert_eq!((d.pinyin.as_str(), d.initials.as_str()), ("linmeihua", "lmh"));
    assert_eq!(d.summary.tags, ["elderly_60"]);
    assert_eq!(d.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["registered"]);
    assert!(!d.events[0].details.contains(&number), "history holds masked numbers only");
    let household = h.household(home).await.expect("household");
    assert_eq!(household.head_id, Some(id));
    assert_eq!(household.address, "榕华花园1号楼 1单元 101");

    let mut bad = number.clone().into_bytes();
    bad[17] = if bad[17] == b'0' { b'1' } else { b'0' };
    let bad = String::from_utf8(bad).expect("ascii");
    let e = h.register_resident(next, &person("林美", &bad, "户主"), day, false).await;
    assert_eq!(codes(e), [("document_number".to_owned(), "id_number_checksum")]);
    let e = h.register_resident(next, &person("林美华", &number, "户主"), day, true).await;
    assert!(matches!(e, Err(StoreError::Conflict { what: "resident", field: "document_number" })));
    let son = id_number("350103", born(40, 3), 11);
    let moved = h.register_resident(home, &person("陈立", &son, "子"), day, true).await.expect("moved in");
    let d = h.resident(moved).await.expect("read");
    assert_eq!((d.summary.gender.as_str(), d.summary.relation.as_str()), ("male", "child"));
    assert_eq!(d.events[0].kind, "moved_in");
    assert_eq!(h.household(home).await.expect("household").head_id, Some(id), "a child does not replace the head");

    // Who may register: the window, not grid workers, residents or other communities.
    let other = id_number("350103", born(30, 5), 13);
    let window = as_user(&store, "chuangkou").await;
    store.acting(&window).register_resident(next, &person("吴涛", &other, "户主"), day, false).await.expect("window");
    for (who, forbidden) in [("wangge", true), ("jumin", true), ("pingshen", true), ("minjiang", false)] {
        let a = as_user(&store, who).await;
        let third = id_number("350103", born(31, 5), 15);
        let e = store.acting(&a).register_resident(next, &person("吴海", &third, "配偶"), day, false).await;
        match forbidden {
            true => assert!(matches!(e, Err(StoreError::Forbidden)), "{who}: {e:?}"),
            false => assert!(matches!(e, Err(StoreError::NotFound(_))), "{who}: {e:?}"),
        }
    }
}

// Changes are dated events listing exactly what changed — a digit under the phone's mask
// included — and an update that changes nothing records nothing.
async fn updates_record_what_changed(store: Store) {
    demo(&store).await;
    let (_, building) = place(&store).await;
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let home = h.household_at(building, "2单元", "301").await.expect("household");
    let number = id_number("350102", born(84, 9), 42);
    let mut input = ResidentInput {
        phone: "13912345678".into(),
        tags: "独居老人、低保".into(),
        ethnicity: "汉族".into(),
        note: "腿脚不便".into(),
        ..person("黄淑珍", &number, "户主")
    };
    let day = today();
    let id = h.register_resident(home, &input, day, false).await.expect("register");
    let events = |d: &linli_store::register::ResidentDetail| d.events.len();
    let start = events(&h.resident(id).await.expect("read"));

    h.update_resident(id, &input, day).await.expect("no-op");
    let d = h.resident(id).await.expect("read");
    assert_eq!(events(&d), start, "an update that changes nothing records nothing: {:?}", d.events);

    input.phone = "13912345679".into();
    input.note = "需要轮椅".into();
    h.update_resident(id, &input, day).await.expect("update");
    let d = h.resident(id).await.expect("read");
    assert_eq!(events(&d), start + 1);
    let changed: serde_json::Value = serde_json::from_str(&d.events[0].details).expect("json");
    assert_eq!(d.events[0].kind, "changed");
    let mut keys: Vec<&str> = changed.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["note", "phone"]);
    assert_eq!(changed["phone"]["after"], "139****5679");
    assert_eq!(changed["note"]["before"], "腿脚不便");
    assert!(!d.events[0].details.contains("13912345679"));

    // 139****5679 → 139****5679: only a masked digit changes, and that is still a change.
    input.phone = "13912305679".into();
    let grid_worker = as_user(&store, "wangge").await;
    store.acting(&grid_worker).update_resident(id, &input, day).await.expect("grid workers correct phones");
    let d = h.resident(id).await.expect("read");
    assert_eq!(events(&d), start + 2, "a change under the mask is recorded");
    let changed: serde_json::Value = serde_json::from_str(&d.events[0].details).expect("json");
    assert_eq!(changed.as_object().expect("object").keys().collect::<Vec<_>>(), ["phone"]);
    assert_eq!(d.events[0].recorded_by, "刘强 (wangge)");
    assert_eq!(store.acting(&grid_worker).reveal_resident(id, Field::Phone).await.expect("reveal"), "13912305679");

    // Tags in another order are the same tags.
    input.tags = "低保、独居老人".into();
    h.update_resident(id, &input, day).await.expect("reordered");
    assert_eq!(events(&h.resident(id).await.expect("read")), start + 2, "reordered tags are no change");
    input.tags = "独居老人".into();
    h.update_resident(id, &input, day).await.expect("tag removed");
    let d = h.resident(id).await.expect("read");
    let changed: serde_json::Value = serde_json::from_str(&d.events[0].details).expect("json");
    assert_eq!(changed.as_object().expect("object").keys().collect::<Vec<_>>(), ["tags"]);
    assert!(!d.summary.tags.contains(&"dibao".to_owned()));
    assert_eq!(h.household(home).await.expect("household").head_id, Some(id));
    h.update_resident(id, &ResidentInput { relation: "配偶".into(), ..input.clone() }, day).await.expect("relation");
    assert_eq!(h.household(home).await.expect("household").head_id, None, "no longer the head");
    h.update_resident(id, &input, day).await.expect("head again");
    assert_eq!(h.household(home).await.expect("household").head_id, Some(id));
    assert_eq!(audit_actions(&store, "resident.update").await.len(), 5);

    let e = h.update_resident(id, &ResidentInput { phone: "12345".into(), ..input.clone() }, day).await;
    assert_eq!(codes(e), [("phone".to_owned(), "phone_format")]);
    for (who, want_forbidden) in [("jumin", true), ("pingshen", true), ("minjiang", false)] {
        let a = as_user(&store, who).await;
        let e = store.acting(&a).update_resident(id, &input, day).await;
        assert_eq!(matches!(e, Err(StoreError::Forbidden)), want_forbidden, "{who}: {e:?}");
        assert!(e.is_err());
    }
}

// Moves within the community, never into another; moving out and dying end a residence,
// dated, and take the person out of the default list but not out of the register.
async fn moves_and_ends_of_residence(store: Store) {
    demo(&store).await;
    let (_, building) = place(&store).await;
    let admin = as_user(&store, "admin").await;
    let a = store.acting(&admin);
    let main = code(MAIN);
    let day = today();
    let first = a.household_at(building, "1单元", "101").await.expect("household");
    let second = a.household_at(building, "1单元", "201").await.expect("household");
    let mut ids = Vec::new();
    let month_ago = day - Duration::days(30);
    for (household, name, document, relation) in [
        (first, "郑国强", id_number("350104", born(50, 2), 31), "户主"),
        (first, "许丽", id_number("350104", born(48, 4), 22), "配偶"),
        (second, "郑老伯", id_number("350104", born(88, 6), 17), "户主"),
    ] {
        let input = person(name, &document, relation);
        ids.push(a.register_resident(household, &input, month_ago, false).await.expect("register"));
    }
    let (head, wife, old) = (ids[0], ids[1], ids[2]);

    a.move_resident(head, second, day).await.expect("move");
    assert_eq!(a.household(first).await.expect("first").head_id, None, "the head left the household");
    let moved = a.resident(head).await.expect("read");
    assert_eq!((moved.summary.household_id, moved.events[0].kind.as_str()), (second, "household_changed"));
    assert!(a.household(second).await.expect("second").members.iter().any(|m| m.id == head));
    a.move_resident(head, second, day).await.expect("moving to where one lives is no move");
    assert_eq!(a.resident(head).await.expect("read").events.len(), 2);

    let theirs = a.save_building(code(SIBLING), None, "闽江花园1号楼", "", None).await.expect("their building");
    let elsewhere = a.household_at(theirs.id, "", "101").await.expect("their household");
    assert_eq!(
        codes(a.move_resident(wife, elsewhere, day).await),
        [("household".to_owned(), "household_other_community")]
    );
    let window = as_user(&store, "chuangkou").await;
    assert!(store.acting(&window).move_resident(wife, elsewhere, day).await.is_err());
    assert_eq!(a.resident(wife).await.expect("read").summary.household_id, first);

    let yesterday = (day - Duration::days(1)).to_string();
    let out = MoveOut { status: "moved_out".into(), on_date: yesterday.clone(), note: "迁往厦门".into() };
    a.end_residence(wife, &out).await.expect("moved out");
    let died = MoveOut { status: "deceased".into(), on_date: day.to_string(), note: String::new() };
    a.end_residence(old, &died).await.expect("deceased");
    let future =
        MoveOut { status: "moved_out".into(), on_date: (day + Duration::days(1)).to_string(), note: String::new() };
    assert_eq!(codes(a.end_residence(head, &future).await), [("on_date".to_owned(), "event_date")]);
    let odd = MoveOut { status: "vanished".into(), on_date: "昨天".into(), note: String::new() };
    let fields: Vec<_> = codes(a.end_residence(head, &odd).await).into_iter().map(|(_, c)| c).collect();
    assert_eq!(fields, ["end_status", "event_date"]);
    let d = a.resident(wife).await.expect("read");
    assert_eq!((d.summary.status.as_str(), d.events[0].kind.as_str()), ("moved_out", "moved_out"));
    assert_eq!(d.events[0].on_date.to_string(), yesterday);
    assert_eq!(a.household(second).await.expect("second").head_id, None, "the deceased head heads no more");

    let list = |status: Option<&str>| ResidentQuery { status: status.map(str::to_owned), ..all() };
    let (active, total) = a.residents(&list(None)).await.expect("active");
    assert_eq!((names(&active), total), (vec!["郑国强"], 1));
    let (gone, _) = a.residents(&list(Some("moved_out"))).await.expect("moved out");
    assert_eq!(names(&gone), ["许丽"]);
    let (dead, _) = a.residents(&list(Some("deceased"))).await.expect("deceased");
    assert_eq!(names(&dead), ["郑老伯"]);
    let (everyone, total) = a.residents(&list(Some("all"))).await.expect("all");
    assert_eq!((everyone.len(), total), (3, 3));
    let p = a.population(main).await.expect("population");
    assert_eq!((p.residents, p.households), (1, 1));
}

/// The search fixture: five residents in three households, two buildings, two grids.
struct Town {
    building_a: Uuid,
    building_b: Uuid,
    grid_b: Uuid,
    zhang: Uuid,
    zhang_id: String,
    wang: Uuid,
}

async fn town(store: &Store) -> Town {
    let head = as_user(store, "shuji").await;
    let h = store.acting(&head);
    let main = code(MAIN);
    let grid_a = h.create_grid(main, "0101", "第一网格").await.expect("grid");
    let grid_b = h.create_grid(main, "0102", "第二网格").await.expect("grid");
    let a = h.save_building(main, None, "榕华花园1号楼", "", Some(grid_a.id)).await.expect("a");
    let b = h.save_building(main, None, "江滨苑2号楼", "", Some(grid_b.id)).await.expect("b");
    let day = today();
    let first = h.household_at(a.id, "1单元", "101").await.expect("household");
    let second = h.household_at(b.id, "2单元", "202").await.expect("household");
    let third = h.household_at(b.id, "1单元", "301").await.expect("household");
    let fourth = h.household_at(a.id, "3单元", "102").await.expect("household");
    let zhang_id = id_number("350181", born(85, 10), 222);
    let rows = [
        (
            first,
            ResidentInput {
                phone: "13800001234".into(),
                ..person("王芳", &id_number("350102", born(36, 15), 102), "户主")
            },
        ),
        (first, person("王小明", &id_number("350102", born(11, 7), 311), "子")),
        (second, ResidentInput { tags: "独居老人".into(), ..person("张秀兰", &zhang_id, "户主") }),
        (
            third,
            ResidentInput {
                phone: "13600005678".into(),
                custom_tags: "楼长".into(),
                ..person("吴凡", &id_number("350121", born(40, 20), 415), "户主")
            },
        ),
        (
            fourth,
            ResidentInput {
                tags: "退役军人".into(),
                ..person("李建国", &id_number("350203", born(65, 9), 517), "户主")
            },
        ),
    ];
    let mut ids = Vec::new();
    for (household, input) in rows {
        ids.push(h.register_resident(household, &input, day, false).await.expect("register"));
    }
    Town { building_a: a.id, building_b: b.id, grid_b: grid_b.id, zhang: ids[2], zhang_id, wang: ids[0] }
}

// One search box: name, pinyin, initials, the last digits of ID or phone, address; categories
// recorded and derived; building and grid; sorting and paging; and each actor's reach.
async fn search_filters_sorts_and_scopes(store: Store) {
    demo(&store).await;
    let t = town(&store).await;
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let by = |q: &str| found(h, query(q));
    let tag = |t: &str| found(h, ResidentQuery { tag: Some(t.into()), ..all() });

    assert_eq!(by("王").await, ["王小明", "王芳"]);
    assert_eq!(by("芳").await, ["王芳"]);
    assert_eq!(by("wangfang").await, ["王芳"]);
    assert_eq!(by("WangXiao").await, ["王小明"]);
    assert_eq!(by("wf").await, ["吴凡", "王芳"], "initials");
    assert_eq!(by("zxl").await, ["张秀兰"]);
    assert_eq!(by(&t.zhang_id[14..]).await, ["张秀兰"], "last four of the ID");
    assert_eq!(by(&t.zhang_id.to_lowercase()[12..]).await, ["张秀兰"], "six digits: their last four count");
    assert_eq!(by("5678").await, ["吴凡"], "last four of the phone");
    assert_eq!(by("江滨苑").await, ["吴凡", "张秀兰"], "building name");
    assert_eq!(by("1单元101").await, ["王小明", "王芳"], "unit and room");
    assert_eq!(by("202").await, ["张秀兰"], "a bare room number");
    assert!(by("不存在").await.is_empty());
    assert!(by("%").await.is_empty(), "LIKE wildcards are literal");

    assert_eq!(tag("living_alone").await, ["张秀兰"]);
    assert_eq!(tag("veteran").await, ["李建国"]);
    assert_eq!(tag("custom:楼长").await, ["吴凡"]);
    assert_eq!(tag("elderly_80").await, ["张秀兰"]);
    assert_eq!(tag("elderly_60").await, ["张秀兰", "李建国"]);
    assert_eq!(tag("minor").await, ["王小明"]);
    let find = |q: ResidentQuery| async move { h.residents(&q).await.expect("search") };
    let (zhang, _) = find(ResidentQuery { tag: Some("elderly_80".into()), ..all() }).await;
    assert_eq!(zhang[0].tags, ["elderly_60", "elderly_80", "living_alone"]);
    assert_eq!((zhang[0].age, zhang[0].phone_masked.as_deref()), (85, None));

    assert_eq!(found(h, ResidentQuery { building: Some(t.building_b), ..all() }).await, ["吴凡", "张秀兰"]);
    let (in_a, _) = find(ResidentQuery { building: Some(t.building_a), ..all() }).await;
    assert_eq!(in_a.len(), 3);
    assert_eq!(names(&in_a)[0], "王芳", "by address, the head first: {:?}", names(&in_a));
    assert_eq!(found(h, ResidentQuery { grid: Some(t.grid_b), ..all() }).await, ["吴凡", "张秀兰"]);
    let combined =
        ResidentQuery { grid: Some(t.grid_b), tag: Some("living_alone".into()), q: Some("zh".into()), ..all() };
    assert_eq!(found(h, combined).await, ["张秀兰"]);

    let (by_name, _) = find(ResidentQuery { sort: Sort::Name, ..all() }).await;
    assert_eq!(names(&by_name), ["李建国", "王芳", "王小明", "吴凡", "张秀兰"]);
    let (by_age, _) = find(ResidentQuery { sort: Sort::Age, ..all() }).await;
    assert_eq!(names(&by_age), ["张秀兰", "李建国", "吴凡", "王芳", "王小明"]);
    let (page, total) = find(ResidentQuery { sort: Sort::Name, limit: 2, offset: 2, ..all() }).await;
    assert_eq!((names(&page), total), (vec!["王小明", "吴凡"], 5));
    let (last, total) = find(ResidentQuery { sort: Sort::Name, limit: 2, offset: 4, ..all() }).await;
    assert_eq!((names(&last), total), (vec!["张秀兰"], 5));
    let (mine, total) = find(ResidentQuery { community: Some(code(MAIN)), ..all() }).await;
    assert_eq!((mine.len(), total), (5, 5));

    // Reach: the street sees its communities; another community sees none; residents nothing.
    let street = as_user(&store, "jiedao").await;
    assert_eq!(store.acting(&street).residents(&all()).await.expect("street").1, 5);
    let minjiang = as_user(&store, "minjiang").await;
    let (theirs, total) = store.acting(&minjiang).residents(&all()).await.expect("sibling");
    assert!(theirs.is_empty() && total == 0, "another community sees none of them");
    let (theirs, _) = store.acting(&minjiang).residents(&query("王芳")).await.expect("sibling search");
    assert!(theirs.is_empty());
    let ask_main = ResidentQuery { community: Some(code(MAIN)), ..all() };
    assert!(matches!(store.acting(&minjiang).residents(&ask_main).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.acting(&minjiang).resident(t.zhang).await, Err(StoreError::NotFound(_))));
    let jumin = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&jumin).residents(&all()).await, Err(StoreError::Forbidden)));
    assert!(matches!(store.acting(&jumin).resident(t.wang).await, Err(StoreError::Forbidden)));
}

// Whole numbers: the window sees both, grid workers the phone only, assessors neither; each
// reveal is logged without the number.
async fn reveals_follow_the_rights_matrix(store: Store) {
    demo(&store).await;
    let t = town(&store).await;
    let window = as_user(&store, "chuangkou").await;
    let w = store.acting(&window);
    let wang_id = w.resident(t.wang).await.expect("read");
    assert_eq!(wang_id.summary.phone_masked.as_deref(), Some("138****1234"));
    let whole_id = w.reveal_resident(t.wang, Field::IdNumber).await.expect("reveal id");
    assert_eq!(whole_id.len(), 18);
    assert_eq!(linli_domain::ids::mask_id_number(&whole_id), wang_id.summary.document_masked);
    assert_eq!(w.reveal_resident(t.wang, Field::Phone).await.expect("reveal phone"), "13800001234");
    assert_eq!(w.reveal_resident(t.zhang, Field::IdNumber).await.expect("reveal id"), t.zhang_id);
    assert!(matches!(w.reveal_resident(t.zhang, Field::Phone).await, Err(StoreError::NotFound(_))), "no phone");

    let grid = as_user(&store, "wangge").await;
    assert_eq!(store.acting(&grid).reveal_resident(t.wang, Field::Phone).await.expect("phone"), "13800001234");
    assert!(matches!(store.acting(&grid).reveal_resident(t.wang, Field::IdNumber).await, Err(StoreError::Forbidden)));
    let social = as_user(&store, "shegong").await;
    assert!(store.acting(&social).reveal_resident(t.wang, Field::IdNumber).await.is_ok());
    for who in ["pingshen", "jiedao", "jumin", "zhiyuan"] {
        let a = as_user(&store, who).await;
        for field in [Field::IdNumber, Field::Phone] {
            let e = store.acting(&a).reveal_resident(t.wang, field).await;
            assert!(matches!(e, Err(StoreError::Forbidden)), "{who} {field:?}: {e:?}");
        }
    }
    let minjiang = as_user(&store, "minjiang").await;
    let e = store.acting(&minjiang).reveal_resident(t.wang, Field::Phone).await;
    assert!(matches!(e, Err(StoreError::NotFound(_))), "another community's resident");

    let ids = audit_actions(&store, "id_number.reveal").await;
    let phones = audit_actions(&store, "phone.reveal").await;
    assert_eq!((ids.len(), phones.len()), (3, 2), "every successful reveal, and only those");
    assert!(ids.iter().chain(&phones).all(|e| e.target_id == t.wang.to_string() || e.target_id == t.zhang.to_string()));
    assert!(ids.iter().chain(&phones).all(|e| e.chain == MAIN));
    for e in ids.iter().chain(&phones) {
        assert!(
            !e.summary.contains(&whole_id) && !e.summary.contains("13800001234") && !e.summary.contains(&t.zhang_id)
        );
    }
    assert!(ids.iter().any(|e| e.actor_name == "王芳 (chuangkou)"));
}

// Population figures: totals, five-year bands by gender, derived and recorded categories;
// the community profile takes its counts from the register.
async fn population_and_profile(store: Store) {
    demo(&store).await;
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let main = code(MAIN);
    let before = h.community_profile(main).await.expect("profile");
    assert_eq!((before.households, before.population), (None, None), "no register yet");
    let empty = h.population(main).await.expect("empty");
    assert_eq!((empty.residents, empty.households, empty.bands.len()), (0, 0, 21));
    assert_eq!(empty.categories, [("elderly_60".to_owned(), 0), ("elderly_80".to_owned(), 0), ("minor".to_owned(), 0)]);
    let _ = town(&store).await;
    let p = h.population(main).await.expect("population");
    assert_eq!((p.residents, p.households), (5, 4));
    assert_eq!(p.bands.iter().map(|(m, f)| m + f).sum::<i64>(), 5);
    // 王小明 11 → band 2 (10–14), man; 王芳 36 → band 7, woman; 张秀兰 85 → band 17, woman.
    assert_eq!((p.bands[2], p.bands[7], p.bands[17]), ((1, 0), (0, 1), (0, 1)));
    assert_eq!((p.bands[8], p.bands[13]), ((1, 0), (1, 0)), "吴凡 40 and 李建国 65");
    let get = |k: &str| p.categories.iter().find(|(c, _)| c == k).map(|(_, n)| *n);
    assert_eq!((get("elderly_60"), get("elderly_80"), get("minor")), (Some(2), Some(1), Some(1)));
    assert_eq!(
        (get("living_alone"), get("veteran"), get("custom:楼长"), get("dibao")),
        (Some(1), Some(1), Some(1), None)
    );
    let profile = h.community_profile(main).await.expect("profile");
    assert_eq!((profile.households, profile.population), (Some(4), Some(5)));
    let sibling =
        store.acting(&as_user(&store, "admin").await).community_profile(code(SIBLING)).await.expect("sibling");
    assert_eq!((sibling.households, sibling.population), (None, None), "each community counts its own");
    let minjiang = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&minjiang).population(main).await, Err(StoreError::NotFound(_))));
    let jumin = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&jumin).population(main).await, Err(StoreError::Forbidden)));
    assert!(matches!(h.population(code("350103001000")).await, Err(StoreError::NotFound(_))), "a street");
}

// Visits: recorded by the grid worker, checked, listed; coverage shows who is not visited.
async fn visits_and_coverage(store: Store) {
    demo(&store).await;
    let t = town(&store).await;
    let main = code(MAIN);
    let grid = as_user(&store, "wangge").await;
    let g = store.acting(&grid);
    let (zhang_home, wang_home) = {
        let head = as_user(&store, "shuji").await;
        let h = store.acting(&head);
        (
            h.resident(t.zhang).await.expect("zhang").summary.household_id,
            h.resident(t.wang).await.expect("wang").summary.household_id,
        )
    };
    let (interval, due) = g.vulnerable_due(main).await.expect("due");
    assert_eq!(interval, 30);
    assert_eq!(due.len(), 1);
    let who = due[0].resident.as_ref().expect("resident");
    assert_eq!((who.0, who.1.as_str(), who.2.as_slice()), (t.zhang, "张秀兰", ["living_alone".to_owned()].as_slice()));
    assert_eq!(
        (due[0].household_id, due[0].last_visit, due[0].grid_name.as_deref()),
        (zhang_home, None, Some("第二网格"))
    );
    let never = g.unvisited_households(main, 30, 100).await.expect("unvisited");
    assert_eq!(never.len(), 4, "every household with residents");

    let visit =
        |on: &str, purpose: &str| VisitInput { visited_on: on.into(), purpose: purpose.into(), ..Default::default() };
    let e = g.record_visit(zhang_home, &VisitInput { follow_up: "1".into(), ..visit("", "日常走访") }).await;
    assert_eq!(codes(e), [("follow_up_note".to_owned(), "follow_up_note")]);
    let tomorrow = (today() + Duration::days(1)).to_string();
    assert_eq!(
        codes(g.record_visit(zhang_home, &visit(&tomorrow, "日常走访")).await),
        [("visited_on".to_owned(), "visit_date")]
    );
    let long_ago = (today() - Duration::days(400)).to_string();
    assert_eq!(
        codes(g.record_visit(zhang_home, &visit(&long_ago, "补记")).await),
        [("visited_on".to_owned(), "visit_date")]
    );
    assert_eq!(codes(g.record_visit(zhang_home, &visit("", " ")).await), [("purpose".to_owned(), "required")]);
    for who in ["pingshen", "jumin"] {
        let a = as_user(&store, who).await;
        assert!(matches!(
            store.acting(&a).record_visit(zhang_home, &visit("", "走访")).await,
            Err(StoreError::Forbidden)
        ));
    }
    let minjiang = as_user(&store, "minjiang").await;
    let e = store.acting(&minjiang).record_visit(zhang_home, &visit("", "走访")).await;
    assert!(matches!(e, Err(StoreError::NotFound(_))));
    assert!(g.visits(zhang_home).await.expect("none yet").is_empty(), "refused visits are not kept");

    let forty = (today() - Duration::days(40)).to_string();
    g.record_visit(wang_home, &visit(&forty, "入户核查")).await.expect("old visit");
    let with_follow_up = VisitInput {
        findings: "独居，血压偏高".into(),
        follow_up: "1".into(),
        follow_up_note: "联系家庭医生上门".into(),
        ..visit("", "关爱走访")
    };
    g.record_visit(zhang_home, &with_follow_up).await.expect("visit");
    let list = g.visits(zhang_home).await.expect("visits");
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].worker_name.as_str(), list[0].purpose.as_str(), list[0].follow_up),
        ("刘强 (wangge)", "关爱走访", true)
    );
    assert_eq!((list[0].visited_on, list[0].follow_up_note.as_str()), (today(), "联系家庭医生上门"));
    assert_eq!(
        store.acting(&grid).household(zhang_home).await.expect("household").last_visit,
        Some(today().to_string())
    );

    let (_, due) = g.vulnerable_due(main).await.expect("due");
    assert!(due.is_empty(), "visited today: nobody is due");
    let open = g.unvisited_households(main, 30, 100).await.expect("unvisited");
    assert_eq!(open.len(), 3);
    assert!(open.iter().all(|r| r.household_id != zhang_home));
    let stale = open.iter().find(|r| r.household_id == wang_home).expect("visited 40 days ago");
    assert_eq!(stale.days_since, Some(40));
    assert_eq!(open.last().map(|r| r.household_id), Some(wang_home), "never visited first");
    let within_sixty = g.unvisited_households(main, 60, 100).await.expect("unvisited");
    assert_eq!(within_sixty.len(), 2);
    assert_eq!(g.unvisited_households(main, 60, 1).await.expect("limit").len(), 1);
    assert_eq!(audit_actions(&store, "visit.record").await.len(), 2);
}

/// One import row for a household member.
fn row(line: usize, building: &str, unit: &str, room: &str, resident: ResidentInput) -> ImportRow {
    ImportRow { line, building: building.into(), unit: unit.into(), room: room.into(), grid: String::new(), resident }
}

fn problems(plan: &linli_store::register::ImportPlan) -> Vec<(usize, &'static str)> {
    plan.problems.iter().flat_map(|p| p.errors.iter().map(move |e| (p.line, e.code))).collect()
}

// Importing: a plan counts what it would do and names every problem with its line; a dirty
// plan writes nothing; a clean one writes everything with one audit entry.
async fn import_plans_and_commits(store: Store) {
    demo(&store).await;
    let (_, building) = place(&store).await;
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let main = code(MAIN);
    let day = today();
    let existing_home = h.household_at(building, "1单元", "101").await.expect("household");
    let known = id_number("350103", born(45, 3), 51);
    let known_id =
        h.register_resident(existing_home, &person("陈明", &known, "户主"), day, false).await.expect("known");

    let spouse = id_number("350103", born(44, 4), 62);
    let clean = || {
        vec![
            row(
                2,
                "榕华花园1号楼",
                "1单元",
                "101",
                ResidentInput { phone: "13500001111".into(), ..person("陈明", &known, "户主") },
            ),
            row(3, "榕华花园1号楼", "2单元", "502", person("郭伟", &id_number("350105", born(39, 5), 73), "户主")),
            row(4, "榕华花园1号楼", "2单元", "502", person("郭小雨", &id_number("350105", born(9, 6), 84), "女")),
            row(5, "榕华花园1号楼", "1单元", "101", person("林静", &spouse, "配偶")),
        ]
    };
    let plan = h.plan_import(main, clean()).await.expect("plan");
    assert!(plan.is_clean(), "{:?}", plan.problems);
    assert_eq!((plan.creates, plan.updates, plan.new_households, plan.rows()), (3, 1, 1, 4));

    let mut bad_checksum = id_number("350103", born(30, 7), 95).into_bytes();
    bad_checksum[17] = if bad_checksum[17] == b'1' { b'2' } else { b'1' };
    let bad_checksum = String::from_utf8(bad_checksum).expect("ascii");
    let mut dirty = clean();
    dirty.extend([
        row(6, "不存在的楼", "1单元", "101", person("赵一", &id_number("350103", born(30, 1), 91), "户主")),
        row(7, "榕华花园1号楼", "3单元", "601", person("赵二", &id_number("350103", born(31, 1), 93), "配偶")),
        row(8, "榕华花园1号楼", "1单元", "101", person("林静", &spouse, "配偶")),
        row(9, "榕华花园1号楼", "1单元", "101", person("赵四", &bad_checksum, "子")),
    ]);
    let plan = h.plan_import(main, dirty).await.expect("plan");
    assert!(!plan.is_clean());
    assert_eq!(
        problems(&plan),
        [(6, "building_unknown"), (7, "household_without_head"), (8, "duplicate_in_file"), (9, "id_number_checksum")]
    );
    let unknown = &plan.problems[0].errors[0];
    assert_eq!(
        (unknown.field.as_str(), unknown.params.clone()),
        ("building", vec![("value", "不存在的楼".to_owned())])
    );
    assert_eq!(plan.problems[2].errors[0].params, [("line", "5".to_owned())], "names the first line");
    assert_eq!(plan.rows(), 8);
    let e = h.commit_import(main, plan, "dirty.xlsx", &|_| {}).await;
    assert_eq!(codes(e), [("file".to_owned(), "import_has_problems")]);
    assert_eq!(h.residents(&all()).await.expect("list").1, 1, "a dirty plan writes nothing");
    assert!(audit_actions(&store, "register.import").await.is_empty());

    let grid_worker = as_user(&store, "wangge").await;
    assert!(matches!(store.acting(&grid_worker).plan_import(main, clean()).await, Err(StoreError::Forbidden)));
    let minjiang = as_user(&store, "minjiang").await;
    assert!(store.acting(&minjiang).plan_import(main, clean()).await.is_err());

    let plan = h.plan_import(main, clean()).await.expect("plan");
    let outcome = h.commit_import(main, plan, "clean.xlsx", &|_| {}).await.expect("commit");
    assert_eq!((outcome.created, outcome.updated, outcome.households_created), (3, 1, 1));
    assert_eq!(h.residents(&all()).await.expect("list").1, 4);
    let chen = h.resident(known_id).await.expect("updated");
    assert_eq!(chen.summary.phone_masked.as_deref(), Some("135****1111"));
    assert_eq!(chen.events[0].kind, "changed");
    let new_home = h.household_at(building, "2单元", "502").await.expect("imported household");
    let guo = h.household(new_home).await.expect("household");
    assert_eq!(guo.members.len(), 2);
    assert_eq!(guo.head_id, guo.members.iter().find(|m| m.name == "郭伟").map(|m| m.id));
    let imports = audit_actions(&store, "register.import").await;
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].target_id, "clean.xlsx");
    assert!(!imports[0].summary.contains(&known));
}

/// `n` residents in households of four (head, spouse, two children) in one building.
fn many(n: usize) -> Vec<ImportRow> {
    const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "林", "黄", "郑"];
    const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];
    (0..n)
        .map(|i| {
            let (family, member) = (i / 4, i % 4);
            let (relation, age) = match member {
                0 => ("户主", 40 + (family % 30) as i32),
                1 => ("配偶", 38 + (family % 30) as i32),
                _ => ("子女", 2 + (family % 20) as i32 + member as i32),
            };
            let birth = born(age, 1 + (i % 300) as i64);
            let name = format!("{}{}{}", SURNAMES[family % 8], GIVEN[i % 8], GIVEN[(i / 8) % 8]);
            let input = ResidentInput {
                phone: if member < 2 { format!("139{:08}", i) } else { String::new() },
                ..person(&name, &id_number("350103", birth, i as u32), relation)
            };
            // Six flats per floor: two rooms in each of three units.
            let unit = format!("{}单元", 1 + family / 2 % 3);
            let room = format!("{}{:02}", 1 + family / 6, 1 + family % 2);
            row(i + 2, "榕华花园1号楼", &unit, &room, input)
        })
        .collect()
}

// A thousand rows: written in batches with progress; importing them again updates them; a
// resident who had moved out and is in the file again has moved back in.
async fn import_in_bulk(store: Store) {
    demo(&store).await;
    place(&store).await;
    let head = as_user(&store, "shuji").await;
    let h = store.acting(&head);
    let main = code(MAIN);
    let plan = h.plan_import(main, many(1000)).await.expect("plan");
    assert!(plan.is_clean(), "{:?}", &plan.problems[..plan.problems.len().min(3)]);
    assert_eq!((plan.creates, plan.updates, plan.new_households), (1000, 0, 250));
    let seen = Mutex::new(Vec::new());
    let outcome =
        h.commit_import(main, plan, "台账.xlsx", &|n| seen.lock().expect("lock").push(n)).await.expect("commit");
    assert_eq!((outcome.created, outcome.households_created), (1000, 250));
    let seen = seen.into_inner().expect("lock");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "progress only grows: {seen:?}");
    assert!(seen.len() >= 2 && seen.last() == Some(&1000), "progress ends at the row count: {seen:?}");
    assert_eq!(h.residents(&all()).await.expect("list").1, 1000);
    assert_eq!(h.population(main).await.expect("population").households, 250);
    let wangwei = h.residents(&ResidentQuery { q: Some("王伟".into()), ..all() }).await.expect("search");
    assert!(wangwei.1 > 0 && wangwei.0.iter().all(|r| r.name.starts_with("王伟")));

    let again = h.plan_import(main, many(1000)).await.expect("plan again");
    assert_eq!((again.creates, again.updates, again.new_households), (0, 1000, 0));
    h.commit_import(main, again, "台账.xlsx", &|_| {}).await.expect("commit again");
    assert_eq!(h.residents(&all()).await.expect("list").1, 1000, "updates, not duplicates");

    let (first, _) = h.residents(&ResidentQuery { sort: Sort::Name, limit: 1, ..all() }).await.expect("first");
    let gone = first[0].id;
    let out = MoveOut { status: "moved_out".into(), on_date: today().to_string(), note: String::new() };
    h.end_residence(gone, &out).await.expect("moved out");
    assert_eq!(h.residents(&all()).await.expect("list").1, 999);
    let back = many(1000).into_iter().filter(|r| r.resident.name == first[0].name).collect::<Vec<_>>();
    let back_plan = h.plan_import(main, back).await.expect("plan");
    assert!(back_plan.is_clean() && back_plan.creates == 0 && back_plan.updates > 0);
    h.commit_import(main, back_plan, "回迁.xlsx", &|_| {}).await.expect("commit");
    let d = h.resident(gone).await.expect("returned");
    assert_eq!((d.summary.status.as_str(), d.events[0].kind.as_str()), ("active", "moved_in"));
    assert_eq!(h.residents(&all()).await.expect("list").1, 1000);
    assert_eq!(audit_actions(&store, "register.import").await.len(), 3, "one audit entry per commit");
}

// The demo register: thousands of households through the same paths as the app, with
// categories, grid workers and visits; seeding twice changes nothing.
async fn demo_register(store: Store) {
    demo(&store).await;
    let started = std::time::Instant::now();
    store.seed_demo_register().await.expect("seed register");
    let took = started.elapsed();
    eprintln!("seed_demo_register took {took:?} on {:?}", store.engine());
    let admin = as_user(&store, "admin").await;
    let a = store.acting(&admin);
    let main = code(MAIN);
    let p = a.population(main).await.expect("population");
    assert!((2_700..=3_300).contains(&p.households), "households: {}", p.households);
    assert!((7_200..=8_800).contains(&p.residents), "residents: {}", p.residents);
    let share = |k: &str| {
        let n = p.categories.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n);
        n as f64 / p.residents as f64
    };
    assert!((0.15..=0.27).contains(&share("elderly_60")), "60+: {}", share("elderly_60"));
    assert!((0.015..=0.05).contains(&share("elderly_80")), "80+: {}", share("elderly_80"));
    assert!((0.10..=0.20).contains(&share("minor")), "minors: {}", share("minor"));
    for k in [
        "living_alone",
        "empty_nest",
        "disabled",
        "dibao",
        "tekun",
        "low_income",
        "youfu",
        "veteran",
        "left_behind_child",
    ] {
        assert!(share(k) > 0.0, "{k} present");
    }
    assert!(p.categories.iter().any(|(c, _)| c.starts_with("custom:")), "custom tags present");
    let grids = a.grids(main).await.expect("grids");
    assert_eq!(grids.len(), 3);
    assert!(grids.iter().all(|g| g.workers.len() == 1), "one worker per grid");
    assert_eq!(grids[0].workers[0].1, "刘强");
    assert!(a.buildings(main).await.expect("buildings").len() >= 50);
    let (_, due) = a.vulnerable_due(main).await.expect("due");
    assert!(!due.is_empty(), "some vulnerable residents are overdue");
    let unvisited = a.unvisited_households(main, 120, 5_000).await.expect("coverage");
    let share_unvisited = unvisited.len() as f64 / p.households as f64;
    assert!((0.25..=0.55).contains(&share_unvisited), "unvisited in 120 days: {share_unvisited}");
    eprintln!(
        "households {}, residents {}, due {}, unvisited in 120 days {share_unvisited:.2}, categories {:?}",
        p.households,
        p.residents,
        due.len(),
        p.categories
    );
    // Each grid's households are visited by that grid's worker.
    let in_second = ResidentQuery { grid: Some(grids[1].id), limit: 300, ..Default::default() };
    let homes: std::collections::BTreeSet<Uuid> =
        a.residents(&in_second).await.expect("second grid").0.iter().map(|r| r.household_id).collect();
    let mut seen = Vec::new();
    for h in homes {
        seen.extend(a.visits(h).await.expect("visits"));
    }
    assert!(!seen.is_empty(), "the second grid has visits");
    assert!(seen.iter().all(|v| v.worker_name == "林海燕 (wangge2)"), "{:?}", seen[0].worker_name);
    assert!(seen.iter().any(|v| v.follow_up) || seen.len() < 20, "some visits need following up");
    assert_eq!(audit_actions(&store, "register.import").await.len(), 1, "one import for the main register");
    let sibling = a.population(code(SIBLING)).await.expect("sibling");
    assert!(sibling.residents > 0 && sibling.residents < 200, "a small sibling register: {}", sibling.residents);
    let minjiang = as_user(&store, "minjiang").await;
    let (_, theirs) = store.acting(&minjiang).residents(&all()).await.expect("sibling");
    assert_eq!(theirs, sibling.residents, "the sibling's worker sees their own register only");

    // Idempotent: a second run adds nothing.
    store.seed_demo_register().await.expect("again");
    assert_eq!(a.population(main).await.expect("population").residents, p.residents);
}

on_both_engines!(
    grids_and_their_workers,
    buildings_are_saved_in_their_community,
    residents_are_registered_once,
    updates_record_what_changed,
    moves_and_ends_of_residence,
    search_filters_sorts_and_scopes,
    reveals_follow_the_rights_matrix,
    population_and_profile,
    visits_and_coverage,
    import_plans_and_commits,
    import_in_bulk,
    demo_register,
);
