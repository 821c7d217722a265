//! The `linli` binary as an operator uses it: clear messages and exit codes, never a panic.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use linli_testkit::{Engine, TestDb};

fn linli(dir: &std::path::Path, args: &[&str]) -> Output {
    linli_stdin(dir, args, None)
}

fn linli_stdin(dir: &std::path::Path, args: &[&str], input: Option<&str>) -> Output {
    linli_env(dir, args, input, &[])
}

fn linli_env(dir: &std::path::Path, args: &[&str], input: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
        .envs(env.iter().copied())
        .args(args)
        .current_dir(dir)
        .env_remove("LINLI_DB")
        .env_remove("LINLI_LISTEN")
        .env_remove("LINLI_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run linli");
    if let Some(text) = input {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("linli output")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn assert_no_panic(o: &Output) {
    let t = text(o);
    assert!(!t.contains("panicked") && !t.contains("RUST_BACKTRACE"), "{t}");
}

// Bad flags and bad database addresses fail with a message and a non-zero code.
#[test]
fn bad_flags_and_bad_databases_are_explained() {
    let dir = tempfile::tempdir().expect("dir");
    let o = linli(dir.path(), &["serve", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--no-such-flag"));
    assert_no_panic(&o);

    let o = linli(dir.path(), &["check", "--db", "mysql://root@localhost/x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("不支持的数据库地址"), "{}", text(&o));

    let o = linli(dir.path(), &["check", "--db", "missing.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("数据库文件不存在"), "{}", text(&o));
    assert!(!dir.path().join("missing.db").exists(), "check never creates a database");

    std::fs::write(
        dir.path().join("corrupt.db"),
        b"this is not a database, just some text that is long enough".repeat(100),
    )
    .expect("write");
    for cmd in ["check", "migrate", "serve"] {
        let o = linli(dir.path(), &[cmd, "--db", "corrupt.db"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert!(text(&o).contains("不是有效的 SQLite 数据库"), "{cmd}: {}", text(&o));
        assert_no_panic(&o);
    }

    let o = linli(dir.path(), &["migrate", "--db", "postgres://nobody@127.0.0.1:1/none"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("无法连接 PostgreSQL"), "{}", text(&o));
    assert_no_panic(&o);

    let o = linli(dir.path(), &["serve", "--listen", "not-an-address"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("监听地址无效"));
}

// migrate brings a new file up to date; check reports pending work on an empty one.
#[test]
fn migrate_and_check() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("empty.db"), b"").expect("empty file");
    let o = linli(dir.path(), &["check", "--db", "empty.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("待执行的迁移"), "{}", text(&o));
    let o = linli(dir.path(), &["migrate", "--db", "new.db"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = linli(dir.path(), &["check", "--db", "new.db"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("数据库完好"));
    let o = linli(dir.path(), &["version"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), format!("linli {}", env!("CARGO_PKG_VERSION")));
}

// The same commands work against PostgreSQL.
#[tokio::test]
async fn check_and_users_on_postgres() {
    let db = TestDb::new(Engine::Postgres).await;
    db.store().seed_demo().await.expect("seed");
    let dir = tempfile::tempdir().expect("dir");
    let o = linli(dir.path(), &["check", "--db", db.url()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = linli_env(dir.path(), &["user", "list", "--db", db.url()], None, &[("LINLI_SECRET_KEY", db.key())]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("chuangkou\t王芳\twindow_worker\t350103001001\t榕华社区"));
}

// user add checks every field, generates an initial password that must be changed; passwd
// takes a strong password from stdin and refuses a weak one.
#[test]
fn user_add_and_passwd() {
    let dir = tempfile::tempdir().expect("dir");
    let db = ["--db", "users.db"];
    let o = linli(dir.path(), &["demo", "--db", "users.db", "--listen", "bad"]);
    assert_eq!(o.status.code(), Some(1), "an invalid listen address stops the demo before it seeds");
    assert!(linli(dir.path(), &["migrate", "--db", "users.db"]).status.success());
    let add = |username: &str, role: &str, node: &str| {
        let mut args = vec!["user", "add", "--username", username, "--name", "林小丽", "--role", role, "--node", node];
        args.extend(db);
        linli(dir.path(), &args)
    };
    let o = add("linxl", "window_worker", "350103001001");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("该区划节点不存在"), "{}", text(&o));

    // Build the tree through the demo seed, then add.
    let store_dir = dir.path().to_path_buf();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        // The CLI created the key file on its first run; the seed must encrypt with the same key.
        let key = std::fs::read_to_string(store_dir.join("linli.key")).expect("key file written by the CLI");
        let keys = linli_store::privacy::Keys::from_base64(&key).expect("valid key");
        let store =
            linli_store::Store::connect(store_dir.join("users.db").to_str().expect("path"), &Default::default())
                .await
                .expect("open")
                .with_keys(keys);
        store.seed_demo().await.expect("seed");
        store.close().await;
    });
    let o = add("LinXL", "window_worker", "350103001001");
    assert!(o.status.success(), "{}", text(&o));
    let initial = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(
        linli_domain::password::check_strength(&initial, "linxl").is_ok(),
        "generated password {initial:?} is strong"
    );
    assert!(text(&o).contains("首次登录须修改"));

    let o = add("linxl", "window_worker", "350103001001");
    assert!(text(&o).contains("用户名已存在"), "{}", text(&o));
    let o = add("linxl2", "mayor", "350103001001");
    assert!(text(&o).contains("未知角色") && text(&o).contains("window_worker"), "{}", text(&o));
    let o = add("x", "window_worker", "350103001001");
    assert!(text(&o).contains("用户名应为 3 到 32 个字符"), "{}", text(&o));
    let o = add("linxl3", "window_worker", "35010300100");
    assert!(text(&o).contains("区划代码应为 12 位数字"));

    let mut args = vec!["user", "passwd", "linxl", "--password-stdin"];
    args.extend(db);
    let o = linli_stdin(dir.path(), &args, Some("weak\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("密码不符合要求"));
    let o = linli_stdin(dir.path(), &args, Some("Strong#Pass2026\n"));
    assert!(o.status.success(), "{}", text(&o));
    let o = linli_stdin(dir.path(), &["user", "passwd", "nobody", "--db", "users.db"], None);
    assert!(text(&o).contains("没有这个用户"));
}

// calendar load rejects a file with a bad line, naming it, and loads a good one.
#[test]
fn calendar_load_and_show() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("bad.txt"), "2027-01-01 holiday 元旦\n2027-01-40 holiday 错\n").expect("write");
    std::fs::write(dir.path().join("good.txt"), "# 2027\n2027-01-01 holiday 元旦\n").expect("write");
    let o = linli(dir.path(), &["calendar", "load", "--db", "cal.db", "2027", "bad.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("第 2 行"), "{}", text(&o));
    let o = linli(dir.path(), &["calendar", "load", "--db", "cal.db", "2027", "good.txt"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = linli(dir.path(), &["calendar", "show", "--db", "cal.db", "2027"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "2027-01-01 holiday 元旦\n");
    let o = linli(dir.path(), &["calendar", "show", "--db", "cal.db", "2026"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("2026-02-15..2026-02-23 holiday 春节"));
}

// serve starts on a free port, answers, and stops cleanly on SIGTERM; a taken port is explained.
#[test]
fn serve_answers_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(["serve", "--db", "srv.db", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("LINLI_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l).ok()?;
            (v["fields"]["message"] == "linli is listening").then(|| v["fields"]["addr"].as_str().map(str::to_owned))?
        })
        .expect("the server logs its address as JSON");
    // A plain HTTP/1.1 request over a socket: no client library, no external tool.
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect to the server");
    std::io::Write::write_all(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");

    let taken = linli(dir.path(), &["serve", "--db", "other.db", "--listen", &addr]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(text(&taken).contains("无法监听"), "{}", text(&taken));

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0: {rest:?}");
    assert!(rest.iter().any(|l| l.contains("linli stopped cleanly")), "{rest:?}");
}

// token add prints only the token; list shows it without the secret; revoke ends it.
#[tokio::test]
async fn tokens_from_the_shell() {
    let db = TestDb::new(Engine::Sqlite).await;
    db.store().seed_demo().await.expect("seed");
    let dir = tempfile::tempdir().expect("dir");
    let env = [("LINLI_SECRET_KEY", db.key())];
    let args = [
        "token",
        "add",
        "--db",
        db.url(),
        "--node",
        "350103001000",
        "--scope",
        "node:read",
        "community:read",
        "--name",
        "热线",
    ];
    let o = linli_env(dir.path(), &args, None, &env);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(stdout.lines().count(), 1, "only the token on stdout: {stdout:?}");
    let secret = stdout.trim().to_owned();
    assert!(secret.starts_with("linli_"));
    let actor = db.store().token_actor(&secret, None).await.expect("query").expect("valid");
    assert!(actor.principal.may(linli_domain::Resource::Node, linli_domain::Action::Read));

    let o = linli_env(dir.path(), &["token", "list", "--db", db.url()], None, &env);
    let listed = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(listed.contains("热线") && listed.contains("node:read community:read") && !listed.contains(&secret));
    let id = listed.split('\t').next().expect("id").to_owned();
    let o = linli_env(dir.path(), &["token", "revoke", "--db", db.url(), &id], None, &env);
    assert!(o.status.success(), "{}", text(&o));
    assert!(db.store().token_actor(&secret, None).await.expect("query").is_none());

    let bad = ["token", "add", "--db", db.url(), "--node", "350103001000", "--scope", "user:create"];
    let o = linli_env(dir.path(), &bad, None, &env);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("不是令牌可用的权限范围"), "{}", text(&o));
    assert!(o.stdout.is_empty(), "nothing on stdout when nothing was created");
}

// audit verify passes on an honest log and fails, naming the entry, after a row is altered.
#[tokio::test]
async fn audit_verify_detects_tampering() {
    let mut db = TestDb::new(Engine::Sqlite).await;
    db.skip_audit_check();
    db.store().seed_demo().await.expect("seed");
    let dir = tempfile::tempdir().expect("dir");
    let o = linli(dir.path(), &["audit", "verify", "--db", db.url()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计日志完整"));
    db.store().execute_admin("DROP TRIGGER audit_log_no_update").await.expect("drop trigger");
    db.store().execute_admin("UPDATE audit_log SET actor_name = '别人' WHERE id = 3").await.expect("alter a row");
    let o = linli(dir.path(), &["audit", "verify", "--db", db.url()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("entry altered"), "{}", text(&o));
}

// key rotate writes a new key, re-encrypts everything, and leaves the old key unable to read.
#[tokio::test]
async fn key_rotation_from_the_shell() {
    let dir = tempfile::tempdir().expect("dir");
    let o = linli(dir.path(), &["migrate", "--db", "k.db"]);
    assert!(o.status.success(), "{}", text(&o));
    let old = std::fs::read_to_string(dir.path().join("linli.key")).expect("key file created on first use");
    let keys = linli_store::privacy::Keys::from_base64(&old).expect("valid");
    let store = linli_store::Store::connect(dir.path().join("k.db").to_str().expect("path"), &Default::default())
        .await
        .expect("open")
        .with_keys(keys);
    store.seed_demo().await.expect("seed");
    store.close().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("linli.key")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is readable by its owner only");
    }
    let o = linli(dir.path(), &["key", "rotate", "--db", "k.db", "--new-key-file", "new.key"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("重新加密"));
    let o = linli(dir.path(), &["key", "rotate", "--db", "k.db", "--new-key-file", "new.key"]);
    assert_eq!(o.status.code(), Some(1), "the database now belongs to the new key: {}", text(&o));
    assert!(text(&o).contains("不是这个数据库的密钥"), "{}", text(&o));
    // With the old key every command refuses clearly; with the new one it works.
    let o = linli(dir.path(), &["user", "list", "--db", "k.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("不是这个数据库的密钥"), "{}", text(&o));
    // A missing key file is never silently replaced once the database holds encrypted data.
    std::fs::remove_file(dir.path().join("linli.key")).expect("remove the old key");
    let o = linli(dir.path(), &["user", "list", "--db", "k.db"]);
    assert!(text(&o).contains("密钥文件") && text(&o).contains("不存在"), "{}", text(&o));
    assert!(!dir.path().join("linli.key").exists(), "no new key was made");
    let o = linli_env(dir.path(), &["user", "list", "--db", "k.db"], None, &[("LINLI_KEY_FILE", "new.key")]);
    assert!(o.status.success(), "{}", text(&o));
}

// figures check agrees after gen; a day count altered by hand is found, named, and rebuilt.
#[tokio::test]
async fn figures_check_and_rebuild() {
    let dir = tempfile::tempdir().expect("dir");
    let env = [("LINLI_KEY_FILE", "f.key")];
    let generate =
        ["gen", "--scale", "tiny", "--db", "f.db", "--communities", "1", "--residents", "60", "--requests", "80"];
    let o = linli_env(dir.path(), &generate, None, &env);
    assert!(o.status.success(), "{}", text(&o));
    let o = linli_env(dir.path(), &["figures", "check", "--db", "f.db"], None, &env);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("计数与原始记录一致"), "{}", text(&o));
    let path = dir.path().join("f.db");
    let store =
        linli_store::Store::connect(path.to_str().expect("utf-8 path"), &Default::default()).await.expect("open");
    let altered = store
        .execute_admin("UPDATE figures_day SET received = received + 1 WHERE day = (SELECT max(day) FROM figures_day)")
        .await
        .expect("alter a count");
    assert_eq!(altered, 1);
    let o = linli_env(dir.path(), &["figures", "check", "--db", "f.db"], None, &env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("linli figures rebuild"), "{}", text(&o));
    let o = linli_env(dir.path(), &["figures", "rebuild", "--db", "f.db"], None, &env);
    assert!(o.status.success(), "{}", text(&o));
    let o = linli_env(dir.path(), &["figures", "check", "--db", "f.db"], None, &env);
    assert!(o.status.success(), "{}", text(&o));
    assert_no_panic(&o);
}
