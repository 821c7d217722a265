//! Key pages in a real headless Chromium: sign in, then the home page at desktop and phone
//! width (screenshots land in test-output/screenshots/ for people to look at).

use fantoccini::Locator;
use linli_testkit::browser::{Browser, Viewport};
use linli_testkit::{Engine, spawn_app};

async fn sign_in(b: &Browser, base: &str, username: &str) {
    b.client.goto(&format!("{base}/login")).await.expect("open sign-in page");
    b.client.find(Locator::Id("username")).await.expect("username field").send_keys(username).await.expect("type");
    b.client.find(Locator::Id("password")).await.expect("password field").send_keys("Linli@2026").await.expect("type");
    b.client.find(Locator::Css("form.form button[type=submit]")).await.expect("submit").click().await.expect("click");
    b.client.wait().for_element(Locator::Css(".who-name")).await.expect("signed in: the header shows the user");
}

// A window worker signs in on a desktop; the home page greets them and the calendar renders.
#[tokio::test]
async fn desktop_sign_in_and_pages() {
    let app = spawn_app(Engine::Sqlite).await;
    let base = app.url("");
    let b = Browser::start(Viewport::Desktop).await;
    b.client.goto(&format!("{base}/")).await.expect("home");
    b.screenshot("home-public-desktop").await;
    sign_in(&b, &base, "chuangkou").await;
    let h1 = b.client.find(Locator::Css("main h1")).await.expect("h1").text().await.expect("text");
    assert_eq!(h1, "王芳，您好");
    b.screenshot("home-desktop").await;

    // The deadline calculator works without JavaScript help: a plain GET form.
    // A date input is the browser's own widget (its typing order follows the locale): set it.
    b.client.execute("document.getElementById('from').value = '2026-02-12';", vec![]).await.expect("set the date");
    b.client.find(Locator::Id("days")).await.expect("days").send_keys("5").await.expect("type");
    b.client.find(Locator::Css("form[action='/'] button")).await.expect("button").click().await.expect("click");
    let result =
        b.client.wait().for_element(Locator::Css(".result strong")).await.expect("result").text().await.expect("text");
    assert!(result.starts_with("2026-02-26"), "{result}");

    b.client.goto(&format!("{base}/admin/calendar?year=2026")).await.expect("calendar");
    let cells = b.client.find_all(Locator::Css("td.holiday")).await.expect("holiday cells");
    assert_eq!(cells.len(), 33, "every 2026 holiday day is marked");
    b.screenshot("calendar-desktop").await;

    b.client.goto(&format!("{base}/prefs/senior/on?back=%2F")).await.expect("senior mode");
    b.screenshot("home-senior-desktop").await;
    b.close().await;
}

// On a 360 px phone the page fits the width, and the menu link leads to the navigation.
#[tokio::test]
async fn phone_sign_in_and_home() {
    let app = spawn_app(Engine::Sqlite).await;
    let base = app.url("");
    let b = Browser::start(Viewport::Phone).await;
    sign_in(&b, &base, "wangge").await;
    let overflow = b
        .client
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .expect("measure");
    assert_eq!(overflow.as_i64(), Some(0), "no horizontal scrolling on a phone");
    b.screenshot("home-phone").await;
    b.client.find(Locator::Css("a.menu-link")).await.expect("menu link").click().await.expect("click");
    let nav_visible =
        b.client.find(Locator::Id("site-nav")).await.expect("nav").is_displayed().await.expect("displayed");
    assert!(nav_visible);
    b.client.goto(&format!("{base}/login")).await.expect("login");
    b.close().await;
}

// An administrator walks the identity pages; a reveal shows one number whole; the pages are
// saved for people to look at.
#[tokio::test]
async fn administrator_pages() {
    let app = spawn_app(Engine::Sqlite).await;
    let base = app.url("");
    let jumin = app.store().user_by_username("jumin").await.expect("resident");
    let b = Browser::start(Viewport::Desktop).await;
    sign_in(&b, &base, "admin").await;
    for (path, shot) in [
        ("/community/350103001001".to_owned(), "community-desktop"),
        ("/admin/nodes".to_owned(), "nodes-desktop"),
        ("/admin/users".to_owned(), "users-desktop"),
        ("/admin/tokens".to_owned(), "tokens-desktop"),
        ("/admin/audit".to_owned(), "audit-desktop"),
        (format!("/admin/users/{}", jumin.id), "user-desktop"),
    ] {
        b.client.goto(&format!("{base}{path}")).await.expect("open page");
        let h1 = b.client.find(Locator::Css("main h1")).await.expect("every page has a heading");
        assert!(!h1.text().await.expect("text").is_empty(), "{path}");
        b.screenshot(shot).await;
    }
    // Still on the resident's account: reveal the ID number.
    let masked = b.client.find(Locator::Css("dl.facts")).await.expect("facts").text().await.expect("text");
    assert!(masked.contains("350103********1525"), "{masked}");
    b.client
        .find(Locator::Css("form[action$='/reveal'] input[value='id_number'] ~ button"))
        .await
        .expect("reveal button")
        .click()
        .await
        .expect("click");
    let shown = b
        .client
        .wait()
        .for_element(Locator::Css("p.alert strong"))
        .await
        .expect("revealed")
        .text()
        .await
        .expect("text");
    assert_eq!(shown, "350103195803121525");
    b.close().await;

    let phone = Browser::start(Viewport::Phone).await;
    sign_in(&phone, &base, "shuji").await;
    phone.client.goto(&format!("{base}/community/350103001001")).await.expect("community");
    let overflow = phone
        .client
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .expect("measure");
    assert_eq!(overflow.as_i64(), Some(0), "the community page fits a phone");
    phone.screenshot("community-phone").await;
    phone.close().await;
}

// A grid worker on a 360 px phone: the coverage list shows an elderly resident living alone
// who is due, the visit form fits the screen, and the saved visit takes them off the list.
#[tokio::test]
async fn grid_worker_records_a_visit_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let base = app.url("");
    let sys = linli_store::Actor::system("browser test");
    let a = app.store().acting(&sys);
    let main = linli_testkit::code("350103001001");
    let grid = a.create_grid(main, "0101", "第一网格").await.expect("grid");
    let wangge = app.store().user_by_username("wangge").await.expect("grid worker");
    a.set_grid_workers(grid.id, &[wangge.id]).await.expect("assign");
    let b = a.save_building(main, None, "榕华花园3号楼", "", Some(grid.id)).await.expect("building");
    let h = a.household_at(b.id, "2", "601").await.expect("household");
    let input = linli_domain::register::ResidentInput {
        name: "陈桂英".into(),
        document_number: linli_testkit::register::id_number("350103", "19380412", 24),
        relation: "户主".into(),
        residence_type: "户籍".into(),
        tags: "独居老人".into(),
        ..Default::default()
    };
    a.register_resident(h, &input, linli_store::today(), false).await.expect("resident");

    let phone = Browser::start(Viewport::Phone).await;
    sign_in(&phone, &base, "wangge").await;
    phone.client.goto(&format!("{base}/grid")).await.expect("grid start");
    let due = phone.client.find(Locator::Css(".due-list")).await.expect("due list").text().await.expect("text");
    assert!(due.contains("陈桂英") && due.contains("独居老人"), "{due}");
    phone.screenshot("coverage-phone").await;
    phone.client.find(Locator::Css(".due-list a.button")).await.expect("visit button").click().await.expect("click");
    phone.client.wait().for_element(Locator::Id("v-purpose")).await.expect("visit form");
    let overflow = phone
        .client
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .expect("measure");
    assert_eq!(overflow.as_i64(), Some(0), "the visit form fits a phone");
    phone.client.find(Locator::Id("v-purpose")).await.expect("purpose").send_keys("独居老人探访").await.expect("type");
    phone
        .client
        .find(Locator::Id("v-findings"))
        .await
        .expect("findings")
        .send_keys("血压偏高，已提醒按时服药")
        .await
        .expect("type");
    phone.screenshot("visit-form-phone").await;
    phone
        .client
        .find(Locator::Css("form.visit-form button[type=submit]"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    let flash =
        phone.client.wait().for_element(Locator::Css("p.flash")).await.expect("saved").text().await.expect("text");
    assert_eq!(flash, "走访已记录。");
    let visits = phone.client.find(Locator::Css("ol.visits")).await.expect("visits").text().await.expect("text");
    assert!(visits.contains("血压偏高") && visits.contains("刘强"), "{visits}");
    phone.screenshot("household-phone").await;
    phone.client.goto(&format!("{base}/grid")).await.expect("grid start");
    let text = phone.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(text.contains("重点人群都已按周期走访"), "{text}");
    phone.close().await;
}

/// Clicks `element` and waits until the next page has replaced this one (a flash message on
/// the old page must not pass for one on the new).
async fn click_and_load(b: &Browser, element: fantoccini::elements::Element) {
    b.client.execute("window.__linli_old_page = true;", vec![]).await.expect("mark the page");
    element.click().await.expect("click");
    for _ in 0..100 {
        let old = b.client.execute("return window.__linli_old_page === true;", vec![]).await;
        if matches!(old, Ok(serde_json::Value::Bool(false))) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the next page did not load");
}

/// Clicks the submit button of the move form for `action` on a request page (opening its
/// `<details>` first, as a person would).
async fn do_move(b: &Browser, action: &str, reason: &str, fields: &[(&str, &str)]) {
    let details = b
        .client
        .find(Locator::XPath(&format!("//details[.//input[@name='action' and @value='{action}']]")))
        .await
        .unwrap_or_else(|_| panic!("a {action} form"));
    if details.attr("open").await.expect("attr").is_none() {
        details.find(Locator::Css("summary")).await.expect("summary").click().await.expect("open");
    }
    if !reason.is_empty() {
        details
            .find(Locator::Css("textarea[name=reason]"))
            .await
            .expect("reason")
            .send_keys(reason)
            .await
            .expect("type");
    }
    for (name, value) in fields {
        let input = details.find(Locator::Css(&format!("input[name={name}]"))).await.expect("field");
        input.send_keys(value).await.expect("type");
    }
    let before = b.client.current_url().await.expect("url");
    let button = details.find(Locator::Css("button[type=submit]")).await.expect("button");
    click_and_load(b, button).await;
    let flash = b.client.wait().for_element(Locator::Css("p.flash")).await.expect("moved").text().await.expect("text");
    assert_eq!(flash, "已处理。", "{action} on {before}");
}

// The window's done-when in Chromium: a worker takes a request with a material missing and
// prints the one-time notice, resumes it, transfers it, completes it and prints the completion
// notice; a resident books an appointment and applies online from a phone.
#[tokio::test]
async fn the_window_in_a_browser() {
    let app = spawn_app(Engine::Sqlite).await;
    app.store().seed_demo_window().await.expect("window demo");
    let base = app.url("");
    let sys = linli_store::Actor::system("browser test");
    let cal = app.store().calendar().await.expect("calendar");
    let day = cal.add_working_days(linli_store::today(), 1);
    let slots = linli_domain::window::appointment::SlotsInput {
        from: day.to_string(),
        days: "3".into(),
        times: "09:00-09:30, 09:30-10:00".into(),
        capacity: "3".into(),
        service_window: "1号综合受理窗口".into(),
        ..Default::default()
    };
    app.store().acting(&sys).open_slots(linli_testkit::code("350103001001"), &slots).await.expect("slots");

    let b = Browser::start(Viewport::Desktop).await;
    sign_in(&b, &base, "chuangkou").await;
    b.client.goto(&format!("{base}/window")).await.expect("window");
    let tiles = b.client.find(Locator::Css(".tiles")).await.expect("tiles").text().await.expect("text");
    assert!(tiles.contains("已超期") && tiles.contains("待受理"), "{tiles}");
    b.screenshot("window-desk-desktop").await;
    b.client.goto(&format!("{base}/prefs/senior/on?back=%2Fwindow%2F350103001001")).await.expect("senior mode");
    b.screenshot("window-desk-senior").await;
    b.client.goto(&format!("{base}/prefs/senior/off?back=%2Fwindow%2F350103001001")).await.expect("senior off");
    b.client.find(Locator::LinkText("受理新申请")).await.expect("take").click().await.expect("click");
    b.client.wait().for_element(Locator::Id("p-q")).await.expect("item search");
    b.client.find(Locator::Id("p-q")).await.expect("q").send_keys("gljt\n").await.expect("search");
    // Wait for the search result page before clicking (the link is on the full list too).
    for _ in 0..50 {
        if b.client.current_url().await.expect("url").as_str().contains("q=gljt") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let found = b.client.find_all(Locator::Css(".item-list li")).await.expect("results");
    assert_eq!(found.len(), 1, "pinyin initials find exactly the one item");
    b.client.find(Locator::LinkText("高龄津贴申领")).await.expect("found").click().await.expect("click");
    b.client.wait().for_element(Locator::Id("r-name")).await.expect("intake form");
    b.client.find(Locator::Id("r-name")).await.expect("name").send_keys("陈桂英").await.expect("type");
    b.client.find(Locator::Id("r-phone")).await.expect("phone").send_keys("13905918888").await.expect("type");
    b.client
        .find(Locator::Css("select#r-f1 option[value='子女']"))
        .await
        .expect("relation")
        .click()
        .await
        .expect("choose");
    // Identity card and bank card handed in, the household register missing.
    for i in ["0", "2"] {
        b.client
            .find(Locator::Css(&format!("input[name=received][value='{i}']")))
            .await
            .expect("box")
            .click()
            .await
            .expect("tick");
    }
    b.screenshot("window-intake-desktop").await;
    b.client
        .find(Locator::Css("form.intake-form button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let flash = b.client.wait().for_element(Locator::Css("p.flash")).await.expect("flash").text().await.expect("text");
    assert!(flash.contains("一次性告知书"), "{flash}");
    let request_url = b.client.current_url().await.expect("url").to_string();
    b.screenshot("window-request-desktop").await;

    b.client.find(Locator::Css("a[href$='/print/materials']")).await.expect("notice").click().await.expect("click");
    let notice =
        b.client.wait().for_element(Locator::Css("article.notice")).await.expect("notice").text().await.expect("text");
    assert!(notice.contains("户口簿") && notice.contains("一次性告知"), "{notice}");
    b.screenshot("window-notice-desktop").await;

    b.client.goto(&request_url).await.expect("back");
    do_move(&b, "accept", "", &[]).await;
    do_move(&b, "transfer", "请区民政局审批", &[("office", "台江区民政局"), ("office_days", "3")]).await;
    let state = b.client.find(Locator::Css(".badge.state")).await.expect("state").text().await.expect("text");
    assert_eq!(state, "转办中");
    do_move(&b, "complete", "审批通过，次月起发放", &[]).await;
    b.client
        .find(Locator::Css("a[href$='/print/completion']"))
        .await
        .expect("completion")
        .click()
        .await
        .expect("click");
    let notice =
        b.client.wait().for_element(Locator::Css("article.notice")).await.expect("notice").text().await.expect("text");
    assert!(notice.contains("审批通过，次月起发放") && notice.contains("欢迎对本次服务进行评价"), "{notice}");
    b.close().await;

    // A resident on a phone: the guide, an appointment, an online application.
    let phone = Browser::start(Viewport::Phone).await;
    sign_in(&phone, &base, "jumin").await;
    phone.client.goto(&format!("{base}/guide")).await.expect("guide");
    phone
        .client
        .wait()
        .for_element(Locator::LinkText("家政维修预约"))
        .await
        .expect("item")
        .click()
        .await
        .expect("click");
    phone
        .client
        .wait()
        .for_element(Locator::LinkText("预约办理"))
        .await
        .expect("book link")
        .click()
        .await
        .expect("click");
    phone.client.wait().for_element(Locator::Css("form.book-form")).await.expect("slots");
    phone.client.find(Locator::Id("b-phone")).await.expect("phone").send_keys("13905910011").await.expect("type");
    phone.client.find(Locator::Css("input[name=slot]")).await.expect("first slot").click().await.expect("choose");
    phone.screenshot("window-book-phone").await;
    let submit = phone.client.find(Locator::Css("form.book-form button[type=submit]")).await.expect("book");
    click_and_load(&phone, submit).await;
    let flash =
        phone.client.wait().for_element(Locator::Css("p.flash")).await.expect("flash").text().await.expect("text");
    assert!(flash.contains("预约成功"), "{flash}");
    let mine = phone.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(mine.contains("09:00–09:30") && mine.contains("已预约"), "{mine}");

    phone.client.goto(&format!("{base}/guide")).await.expect("guide");
    phone
        .client
        .wait()
        .for_element(Locator::LinkText("家政维修预约"))
        .await
        .expect("item")
        .click()
        .await
        .expect("click");
    phone.client.wait().for_element(Locator::LinkText("网上申请")).await.expect("apply").click().await.expect("click");
    phone.client.wait().for_element(Locator::Id("r-phone")).await.expect("form");
    phone.client.find(Locator::Id("r-phone")).await.expect("phone").send_keys("13905910011").await.expect("type");
    phone
        .client
        .find(Locator::Css("select#r-f1 option[value='水电维修']"))
        .await
        .expect("kind")
        .click()
        .await
        .expect("choose");
    phone.client.find(Locator::Id("r-desc")).await.expect("desc").send_keys("卫生间水管漏水").await.expect("type");
    let overflow = phone
        .client
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .expect("measure");
    assert_eq!(overflow.as_i64(), Some(0), "the application form fits a phone");
    phone.screenshot("window-apply-phone").await;
    phone
        .client
        .find(Locator::Css("form.intake-form button[type=submit]"))
        .await
        .expect("send")
        .click()
        .await
        .expect("click");
    let flash =
        phone.client.wait().for_element(Locator::Css("p.flash")).await.expect("flash").text().await.expect("text");
    assert!(flash.contains("申请已提交"), "{flash}");
    let page = phone.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(page.contains("待受理") && page.contains("卫生间水管漏水"), "{page}");
    phone.screenshot("window-applied-phone").await;
    phone.close().await;
}

// 好差评 in Chromium: a resident rates a finished request 不满意 from a phone; the community
// verifies, puts it right and revisits at the desk; the resident sees it closed.
#[tokio::test]
async fn a_bad_rating_is_put_right() {
    let app = spawn_app(Engine::Sqlite).await;
    app.store().seed_demo_window().await.expect("window demo");
    let base = app.url("");
    let main = linli_testkit::code("350103001001");
    let jumin = linli_store::Actor::user(&app.store().user_by_username("jumin").await.expect("resident"), None);
    let desk = linli_store::Actor::user(&app.store().user_by_username("chuangkou").await.expect("worker"), None);
    let catalogue = app.store().acting(&desk).catalogue(main).await.expect("catalogue");
    let repair = catalogue.iter().find(|i| i.code == "BM-004").expect("item").id;
    let input = linli_domain::window::request::RequestInput {
        applicant_name: "李秀英".into(),
        applicant_phone: "13905910011".into(),
        fields: [("f1".to_owned(), "水电维修".to_owned())].into_iter().collect(),
        ..Default::default()
    };
    let taken = app.store().acting(&jumin).apply_online(main, repair, &input).await.expect("apply");
    let mv =
        |a: &str, r: &str| linli_store::window::MoveInput { action: a.into(), reason: r.into(), ..Default::default() };
    app.store().acting(&desk).move_request(taken.id, &mv("accept", "")).await.expect("accept");
    app.store().acting(&desk).move_request(taken.id, &mv("complete", "已上门维修")).await.expect("complete");

    let phone = Browser::start(Viewport::Phone).await;
    sign_in(&phone, &base, "jumin").await;
    phone.client.goto(&format!("{base}/requests/{}", taken.id)).await.expect("request");
    phone
        .client
        .find(Locator::Css("input[name=level][value=dissatisfied]"))
        .await
        .expect("level")
        .click()
        .await
        .expect("choose");
    phone
        .client
        .find(Locator::Id("rt-comment"))
        .await
        .expect("comment")
        .send_keys("师傅迟到两个小时")
        .await
        .expect("type");
    phone.screenshot("rating-phone").await;
    let submit = phone.client.find(Locator::Css("form.rating-form button[type=submit]")).await.expect("send");
    click_and_load(&phone, submit).await;
    let text = phone.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(text.contains("不满意") && text.contains("查看整改情况"), "{text}");

    let b = Browser::start(Viewport::Desktop).await;
    sign_in(&b, &base, "chuangkou").await;
    b.client.goto(&format!("{base}/window/350103001001/rectifications")).await.expect("list");
    let first = b.client.find(Locator::Css("table.data tbody a")).await.expect("a rectification");
    click_and_load(&b, first).await;
    for (action, text) in [
        ("verify", "属实：师傅记错了时间"),
        ("rectify", "已约谈维修单位，免收上门费"),
        ("revisit", "电话回访，居民表示满意"),
    ] {
        let details = b
            .client
            .find(Locator::XPath(&format!("//details[.//input[@name='action' and @value='{action}']]")))
            .await
            .unwrap_or_else(|_| panic!("a {action} form"));
        if details.attr("open").await.expect("attr").is_none() {
            details.find(Locator::Css("summary")).await.expect("summary").click().await.expect("open");
        }
        details.find(Locator::Css("textarea[name=reason]")).await.expect("reason").send_keys(text).await.expect("type");
        let button = details.find(Locator::Css("button[type=submit]")).await.expect("button");
        click_and_load(&b, button).await;
    }
    let state = b.client.find(Locator::Css(".badge.state")).await.expect("state").text().await.expect("text");
    assert_eq!(state, "已结案");
    b.screenshot("rectification-desktop").await;
    b.client.goto(&format!("{base}/oversight/350103001001")).await.expect("figures");
    b.screenshot("figures-desktop").await;
    b.close().await;

    phone.client.goto(&format!("{base}/requests/{}", taken.id)).await.expect("request");
    phone.client.find(Locator::LinkText("查看整改情况")).await.expect("link").click().await.expect("click");
    let text = phone.client.wait().for_element(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(text.contains("已结案") && text.contains("电话回访，居民表示满意"), "{text}");
    // The resident's complaint form fits a phone.
    phone.client.goto(&format!("{base}/complain")).await.expect("complain");
    let overflow = phone
        .client
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .expect("measure");
    assert_eq!(overflow.as_i64(), Some(0), "the complaint form fits a phone");
    phone.screenshot("complain-phone").await;
    phone.close().await;
}

// A window worker composes a survey in the browser, publishes it, a resident answers it on a
// phone, and the results show as charts; the street office's follow-up is answered on the page.
#[tokio::test]
async fn a_survey_from_draft_to_results() {
    let app = spawn_app(Engine::Sqlite).await;
    let base = app.url("");
    let b = Browser::start(Viewport::Desktop).await;
    sign_in(&b, &base, "chuangkou").await;
    b.client.goto(&format!("{base}/surveys")).await.expect("surveys");
    b.client.find(Locator::Id("s-title")).await.expect("title").send_keys("窗口服务满意度调查").await.expect("type");
    let create = b.client.find(Locator::Css("form.form button[type=submit]")).await.expect("create");
    click_and_load(&b, create).await;
    for (kind, prompt, options) in [
        ("single", "您对窗口服务的总体评价", "满意\n一般\n不满意"),
        ("scale", "等候时间", ""),
        ("text", "您的建议", ""),
    ] {
        let select = b.client.find(Locator::Id("q-kind")).await.expect("kind");
        select.select_by_value(kind).await.expect("choose kind");
        b.client.find(Locator::Id("q-prompt")).await.expect("prompt").send_keys(prompt).await.expect("type");
        if !options.is_empty() {
            b.client.find(Locator::Id("q-options")).await.expect("options").send_keys(options).await.expect("type");
            b.client.find(Locator::Css("input[name=required]")).await.expect("required").click().await.expect("tick");
        }
        let add = b.client.find(Locator::Css("#add-question button[type=submit]")).await.expect("add");
        click_and_load(&b, add).await;
    }
    let listed = b.client.find(Locator::Css("ol.questions")).await.expect("questions").text().await.expect("text");
    assert!(listed.contains("您对窗口服务的总体评价") && listed.contains("您的建议"), "{listed}");
    b.screenshot("survey-draft-desktop").await;
    let publish = b
        .client
        .find(Locator::XPath("//form[.//input[@name='action' and @value='open']]//button"))
        .await
        .expect("publish");
    click_and_load(&b, publish).await;
    let survey_url = b.client.current_url().await.expect("url").to_string();

    let phone = Browser::start(Viewport::Phone).await;
    sign_in(&phone, &base, "jumin").await;
    phone.client.goto(&format!("{base}/my/surveys")).await.expect("mine");
    let link = phone.client.find(Locator::LinkText("窗口服务满意度调查")).await.expect("the survey");
    click_and_load(&phone, link).await;
    phone.client.find(Locator::Css("input[name=q0][value='0']")).await.expect("choice").click().await.expect("pick");
    phone.client.find(Locator::Css("input[name=q1][value='4']")).await.expect("scale").click().await.expect("pick");
    phone
        .client
        .find(Locator::Css("textarea[name=q2]"))
        .await
        .expect("text")
        .send_keys("周末也开门")
        .await
        .expect("type");
    let overflow = phone
        .client
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .expect("measure");
    assert_eq!(overflow.as_i64(), Some(0), "the questionnaire fits a phone");
    phone.screenshot("survey-answer-phone").await;
    let submit = phone.client.find(Locator::Css("form.survey-form button[type=submit]")).await.expect("submit");
    click_and_load(&phone, submit).await;
    let text = phone.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(text.contains("问卷已提交"), "{text}");
    phone.client.goto(&format!("{base}/my/surveys")).await.expect("mine");
    phone.screenshot("my-surveys-phone").await;
    phone.close().await;

    b.client.goto(&survey_url).await.expect("results");
    let results = b.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(results.contains("调查结果") && results.contains("周末也开门"), "{results}");
    let bars = b.client.find_all(Locator::Css("svg.hbars rect.bar")).await.expect("bars");
    assert_eq!(bars.len(), 3 + 5, "one bar per option and per scale point");
    b.screenshot("survey-results-desktop").await;
    b.print_pdf("survey-results-print").await;
    let back = survey_url.trim_start_matches(&base).replace('/', "%2F");
    b.client.goto(&format!("{base}/prefs/senior/on?back={back}")).await.expect("senior mode");
    b.screenshot("survey-results-senior").await;
    b.client.goto(&format!("{base}/prefs/senior/off?back={back}")).await.expect("senior off");
    b.close().await;

    // The street office assigns a follow-up; the community's head answers it on the page.
    let street = linli_store::Actor::user(&app.store().user_by_username("jiedao").await.expect("street"), None);
    let note = linli_domain::oversight::NoteInput {
        kind: "follow_up".into(),
        body: "上月超期件偏多，请说明原因".into(),
        period: String::new(),
        due_on: String::new(),
    };
    app.store().acting(&street).add_note(linli_testkit::code("350103001001"), &note).await.expect("note");
    let h = Browser::start(Viewport::Desktop).await;
    sign_in(&h, &base, "shuji").await;
    h.client.goto(&format!("{base}/oversight/350103001001")).await.expect("figures");
    let link = h.client.find(Locator::Css("a[href='/follow-ups/350103001001']")).await.expect("follow-ups");
    click_and_load(&h, link).await;
    h.client
        .find(Locator::Css("details.move textarea"))
        .await
        .expect("reason")
        .send_keys("已安排专人跟踪转办件")
        .await
        .expect("type");
    let answer = h.client.find(Locator::Css("details.move button[type=submit]")).await.expect("answer");
    click_and_load(&h, answer).await;
    let text = h.client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(text.contains("已答复") && text.contains("已安排专人跟踪转办件"), "{text}");
    h.screenshot("follow-ups-desktop").await;

    // Invitation slips of a category survey, on screen and as printed.
    app.store().seed_demo_register().await.expect("register");
    let head = linli_store::Actor::user(&app.store().user_by_username("shuji").await.expect("head"), None);
    let office = app.store().acting(&head);
    let input = linli_domain::oversight::survey::SurveyInput {
        title: "高龄老人助餐服务满意度".into(),
        intro: String::new(),
        audience: "elderly_80".into(),
    };
    let category = office.create_survey(linli_testkit::code("350103001001"), &input).await.expect("survey");
    let q = linli_domain::oversight::survey::QuestionInput {
        kind: "single".into(),
        prompt: "您对助餐服务满意吗".into(),
        options: "满意\n一般\n不满意".into(),
        required: Some("on".into()),
    };
    office.edit_questions(category, linli_store::oversight::QuestionEdit::Add(&q)).await.expect("question");
    office.open_survey(category).await.expect("open");
    h.client.goto(&format!("{base}/surveys/{category}/slips")).await.expect("slips");
    h.screenshot("survey-slips-desktop").await;
    h.print_pdf("survey-slips-print").await;
    h.client.goto(&format!("{base}/complaints/limits/350103001001")).await.expect("limits");
    h.screenshot("complaint-limits-desktop").await;
    h.close().await;

    // The community head's pages on a phone: follow-ups, weekly figures, surveys.
    let p = Browser::start(Viewport::Phone).await;
    sign_in(&p, &base, "shuji").await;
    for (path, shot) in [
        ("/follow-ups/350103001001", "follow-ups-phone"),
        ("/oversight/350103001001?by=week", "figures-weekly-phone"),
        ("/surveys/at/350103001001", "surveys-phone"),
    ] {
        p.client.goto(&format!("{base}{path}")).await.expect("page");
        p.screenshot(shot).await;
    }
    p.close().await;
}
