//! Just enough of the W3C WebDriver protocol to drive Debian's headless Chromium through
//! chromedriver: sessions, navigation, elements, keys, clicks, scripts and screenshots.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Finds Chromium and its driver, or says why the browser tests cannot run. With
/// `SANGDAM_REQUIRE_E2E=1` a missing browser is a failure instead of a skip.
pub fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        names.iter().map(PathBuf::from).find(|p| p.exists()).or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
                    .find(|p| p.exists())
            })
        })
    };
    let chromium = find(&["/usr/bin/chromium", "chromium", "chromium-browser"]);
    let driver = find(&["/usr/bin/chromedriver", "chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            if std::env::var("SANGDAM_REQUIRE_E2E").as_deref() == Ok("1") {
                panic!(
                    "SANGDAM_REQUIRE_E2E=1 but chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
                );
            }
            eprintln!("skipped: browser tests need Debian's chromium and chromium-driver");
            None
        }
    }
}

pub struct Driver {
    process: Child,
    base: String,
    http: reqwest::Client,
    _profile: tempdir::Dir,
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub struct Browser<'a> {
    driver: &'a Driver,
    session: String,
}

impl Driver {
    pub async fn start(driver_path: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut process = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                let profile = std::env::temp_dir().join(format!("sangdam-chromium-{port}"));
                return Driver { process, base, http, _profile: tempdir::Dir(profile) };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = process.kill();
        let _ = process.wait();
        panic!("chromedriver did not answer on port {port}");
    }

    /// A new headless browser whose preferred language is `lang` (`ko` or `en`).
    pub async fn browser(&self, chromium: &Path, lang: &str) -> Browser<'_> {
        self.browser_with(chromium, lang, &[]).await
    }

    /// A browser with more command-line switches (a sound file for the fake microphone, say).
    pub async fn browser_with(&self, chromium: &Path, lang: &str, extra: &[String]) -> Browser<'_> {
        let accept = if lang == "en" { "en-US,en" } else { "ko-KR,ko" };
        // Each browser has its own profile folder: Chromium refuses a profile already in use.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile = self._profile.0.join(format!("{lang}-{}-{n}", std::process::id()));
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // A fake camera and microphone, allowed without asking.
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            "--window-size=1280,900",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        args.push(format!("--lang={accept}"));
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend(extra.iter().cloned());
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": args,
                    "prefs": { "intl.accept_languages": accept }
                }
            }}
        });
        let v = self.call(reqwest::Method::POST, "/session", Some(caps)).await;
        let session = v["sessionId"].as_str().expect("a session id").to_owned();
        Browser { driver: self, session }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("chromedriver answers");
        let status = resp.status();
        let v: Value = resp.json().await.expect("chromedriver speaks JSON");
        assert!(status.is_success(), "WebDriver {path} failed: {v}");
        v["value"].clone()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        // Chromium outlives a killed chromedriver: a test that panicked before closing its
        // browsers would leave them running (and encoding fake video) for the rest of the run.
        // Every process of this driver names its profile folder on its command line.
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", &format!("user-data-dir={}", self._profile.0.display())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Browser<'_> {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.driver.call(method, &format!("/session/{}{path}", self.session), body).await
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// Finds an element, waiting up to ten seconds for it: after a click the next page may still
    /// be loading, and a busy machine makes that window long.
    pub async fn element(&self, css: &str) -> String {
        let path = format!("{}/session/{}/element", self.driver.base, self.session);
        let body = json!({ "using": "css selector", "value": css });
        let mut last = Value::Null;
        for _ in 0..100 {
            let resp = self.driver.http.post(&path).json(&body).send().await.expect("chromedriver answers");
            let ok = resp.status().is_success();
            last = resp.json().await.expect("chromedriver speaks JSON");
            if ok && let Some(id) = last["value"][ELEMENT_KEY].as_str() {
                return id.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css}: {last}");
    }

    /// Waits up to ten seconds until the page's source contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        for _ in 0..100 {
            if self.source().await.contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {text:?}");
    }

    /// Waits up to ten seconds until the page's path (without the query) ends with `path`: unlike
    /// [`Browser::wait_for_url`], a page whose query merely names `path` (`?next=/dashboard`)
    /// does not count.
    pub async fn wait_for_path(&self, path: &str) {
        let mut url = String::new();
        for _ in 0..100 {
            url = self.url().await;
            if url.split(['?', '#']).next().is_some_and(|p| p.ends_with(path)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page did not reach {path}; it is at {url}");
    }

    /// Waits up to ten seconds until the page's address contains `part`, and returns it. A click
    /// that submits a form returns before the browser has followed the answer, so tests wait for
    /// the page they expect rather than read the address at once.
    pub async fn wait_for_url(&self, part: &str) -> String {
        let mut url = String::new();
        for _ in 0..100 {
            url = self.url().await;
            if url.contains(part) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page did not reach {part}; it is at {url}");
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/clear"), Some(json!({}))).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({ "text": text }))).await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    pub async fn script(&self, body: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": body, "args": [] }))).await
    }

    /// Runs an async script: `body` must call `done(value)` (the last argument) when finished.
    pub async fn script_async(&self, body: &str) -> Value {
        let script = format!("const done = arguments[arguments.length - 1]; {body}");
        self.cmd(reqwest::Method::POST, "/execute/async", Some(json!({ "script": script, "args": [] }))).await
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.cmd(reqwest::Method::POST, "/window/rect", Some(json!({ "width": width, "height": height }))).await;
    }

    /// Saves a PNG screenshot of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = data_encoding::BASE64.decode(b64.as_str().unwrap_or_default().as_bytes()).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    pub async fn close(self) {
        self.cmd(reqwest::Method::DELETE, "", None).await;
    }
}
