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
