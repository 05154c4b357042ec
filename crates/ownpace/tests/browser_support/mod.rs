//! Headless Chromium for the browser tests: a `chromedriver` started on a free port and
//! killed on drop, fresh browser sessions with their own profile, and page checks
//! (usability basics, same-origin resources, horizontal overflow at phone size).
//!
//! Every page a test reaches through these helpers is also audited with axe-core, the
//! engine accessibility auditors use (WCAG 2.0/2.1 A and AA plus best practices): the
//! helpers that open, wait for, click or resize run [`audit`] on each new document, once
//! per window width, and a violation fails the test at once with its details. A test
//! that visits a new page through these helpers is covered without doing anything.

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any single element or page may take to appear.
pub const WAIT: Duration = Duration::from_secs(10);
/// The desktop window every session starts with.
pub const DESKTOP: (u32, u32) = (1280, 900);
/// A phone-sized window (an iPhone 12–15 viewport).
pub const PHONE: (u32, u32) = (390, 844);

const INSTALL_HINT: &str = "the browser test needs Chromium and chromedriver: run `.ci/run` \
     (it installs them) or `sudo apt-get install chromium chromium-driver`";

fn chromium_binary() -> PathBuf {
    std::env::var_os("OWNPACE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn chromedriver_binary() -> PathBuf {
    std::env::var_os("OWNPACE_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

/// A running `chromedriver`, killed (with the browsers it started) when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
    log: tempfile::NamedTempFile,
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it answers `/status`.
    /// Panics (never skips) when Chromium or chromedriver is missing.
    pub async fn start() -> Driver {
        let chromium = chromium_binary();
        let chromedriver = chromedriver_binary();
        assert!(
            chromium.is_file(),
            "Chromium not found at {} (set OWNPACE_CHROMIUM to override): {INSTALL_HINT}",
            chromium.display()
        );
        assert!(
            chromedriver.is_file(),
            "chromedriver not found at {} (set OWNPACE_CHROMEDRIVER to override): {INSTALL_HINT}",
            chromedriver.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port for chromedriver")
            .port();
        let log = tempfile::NamedTempFile::new().expect("a temporary chromedriver log file");
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdin(Stdio::null())
                .stdout(log.reopen().expect("chromedriver log for stdout"))
                .stderr(log.reopen().expect("chromedriver log for stderr"))
                // Its own process group, so that drop can end the browsers it starts too.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("starting {}: {e}; {INSTALL_HINT}", chromedriver.display())
                })
        };
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http client for chromedriver's status");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited at once ({status}):\n{}",
                    driver.log_text()
                );
            }
            if let Ok(response) = http.get(format!("{}/status", driver.url)).send().await
                && let Ok(body) = response.json::<serde_json::Value>().await
                && body["value"]["ready"].as_bool() == Some(true)
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer on port {port} within 20 s:\n{}",
                driver.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// A new browser session with a fresh profile (no cookies, no cache).
    pub async fn browser(&self) -> Browser {
        let profile = tempfile::tempdir().expect("a temporary Chromium profile directory");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", DESKTOP.0, DESKTOP.1));
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium_binary().to_string_lossy(),
                "args": args,
            }),
        );
        let client = tokio::time::timeout(
            Duration::from_secs(30),
            ClientBuilder::native()
                .capabilities(caps)
                .connect(&self.url),
        )
        .await
        .unwrap_or_else(|_| panic!("Chromium did not start within 30 s:\n{}", self.log_text()))
        .unwrap_or_else(|e| {
            panic!(
                "starting a Chromium session: {e}\n{INSTALL_HINT}\n{}",
                self.log_text()
            )
        });
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(10)),
                Some(Duration::from_secs(15)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("set WebDriver timeouts");
        client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .expect("set the desktop window size");
        Browser {
            client,
            _profile: profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole process group: chromedriver and any browser a failed test left open.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session (its own Chromium and profile).
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn close(self) {
        let Browser { client, _profile } = self;
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    }
}

/// The page's URL and the start of its text, for failure messages.
pub async fn where_am_i(client: &Client) -> String {
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("<no url: {e}>"));
    let text = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let text: String = text.chars().take(1500).collect();
    format!("at {url}; the page says:\n{text}")
}

/// Waits (up to [`WAIT`]) for an element; panics with where the browser is otherwise.
pub async fn wait_for(client: &Client, css: &str, what: &str) -> Element {
    match client
        .wait()
        .at_most(WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => {
            audit(client).await;
            element
        }
        Err(e) => panic!(
            "expected {what} (`{css}`) within {WAIT:?}: {e}\n{}",
            where_am_i(client).await
        ),
    }
}

/// Opens a URL (relative to `base`) and waits for its `<h1>` (then audits the page).
pub async fn open(client: &Client, base: &str, path: &str) {
    client
        .goto(&format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| panic!("open {path}: {e}"));
    wait_for(client, "h1", &format!("the <h1> of {path}")).await;
}

/// The text of an element (waiting for it), trimmed.
pub async fn text_of(client: &Client, css: &str, what: &str) -> String {
    wait_for(client, css, what)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("read the text of {what}: {e}"))
        .trim()
        .to_string()
}

/// The form field whose `<label>` text starts with `label`, found through the label's `for`.
pub async fn field_labelled(client: &Client, label: &str) -> Element {
    let xpath = format!("//label[starts-with(normalize-space(), '{label}')]");
    let label_el = match client
        .wait()
        .at_most(WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::XPath(&xpath))
        .await
    {
        Ok(element) => element,
        Err(e) => panic!(
            "expected a label \"{label}\": {e}\n{}",
            where_am_i(client).await
        ),
    };
    let id = label_el
        .attr("for")
        .await
        .expect("read the label's `for`")
        .unwrap_or_else(|| panic!("the label \"{label}\" has no `for` attribute"));
    client
        .find(Locator::Id(&id))
        .await
        .unwrap_or_else(|e| panic!("the label \"{label}\" points at #{id}, which is missing: {e}"))
}

pub async fn click(client: &Client, css: &str, what: &str) {
    wait_for(client, css, what)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what} (`{css}`): {e}"));
}

/// Collapses whitespace and drops Markdown emphasis marks, to compare rendered text with
/// the Markdown it came from.
pub fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The axe-core release vendored in `tests/fixtures/axe-core/` (its README says how to move
/// to another one).
pub const AXE_VERSION: &str = "4.14.1";
const AXE_SOURCE: &str = include_str!("../fixtures/axe-core/axe.min.js");
/// The rule sets every page must pass: WCAG 2.0 and 2.1 at levels A and AA, and Deque's
/// best practices.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// The one reviewed list of exceptions to the axe-core audit: (a part of the page's path,
/// the rule id, why the page cannot meet the rule). Expected to stay empty: an entry needs a
/// reason a reviewer accepts, not a failing test to silence.
pub const AXE_EXCEPTIONS: &[(&str, &str, &str)] = &[];

const AXE_STATE: &str = r#"
const audited = window.__ownpaceAxeDone || {};
return {
  audited: audited[String(window.innerWidth)] === true,
  loaded: typeof window.axe === 'object' && typeof window.axe.run === 'function',
};
"#;

const AXE_RUN: &str = r#"
const [tags, done] = arguments;
const run = () => {
  const width = window.innerWidth;
  window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    .then(r => {
      (window.__ownpaceAxeDone = window.__ownpaceAxeDone || {})[String(width)] = true;
      done({ width, path: location.pathname + location.search, violations: r.violations.map(v => ({
        id: v.id, impact: v.impact || 'unknown', help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({
          target: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t).join(' '),
          html: n.html.replace(/\s+/g, ' ').slice(0, 200),
          summary: (n.failureSummary || '').replace(/\s+/g, ' ').trim(),
        })),
      })) });
    })
    .catch(e => done({ error: String((e && e.stack) || e) }));
};
if (document.readyState === 'complete') run();
else window.addEventListener('load', run, { once: true });
"#;

/// Audits the page the browser shows with axe-core, once per document and window width
/// (later calls on the same page at the same width return at once). Panics on any
/// violation not in [`AXE_EXCEPTIONS`], listing each rule, its impact, the selectors of
/// the offending nodes and axe's help text.
pub async fn audit(client: &Client) {
    // A page may still be navigating away (a form was just sent): try again on the next.
    let mut error = String::new();
    for _ in 0..3 {
        match try_audit(client).await {
            Ok(()) => return,
            Err(e) => error = e,
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "axe-core could not audit the page: {error}\n{}",
        where_am_i(client).await
    );
}

async fn try_audit(client: &Client) -> Result<(), String> {
    let state = client
        .execute(AXE_STATE, vec![])
        .await
        .map_err(|e| format!("read the audit state: {e}"))?;
    if state["audited"].as_bool() == Some(true) {
        return Ok(());
    }
    if state["loaded"].as_bool() != Some(true) {
        let version = client
            .execute(&format!("{AXE_SOURCE}\nreturn window.axe.version;"), vec![])
            .await
            .map_err(|e| format!("load axe-core into the page: {e}"))?;
        assert_eq!(
            version.as_str(),
            Some(AXE_VERSION),
            "tests/fixtures/axe-core/axe.min.js is not axe-core {AXE_VERSION}: update AXE_VERSION with the file"
        );
    }
    let result = client
        .execute_async(AXE_RUN, vec![serde_json::json!(AXE_TAGS)])
        .await
        .map_err(|e| format!("run axe-core: {e}"))?;
    if let Some(error) = result["error"].as_str() {
        panic!("axe-core failed on the page: {error}");
    }
    let path = result["path"].as_str().unwrap_or("?");
    let width = result["width"].as_u64().unwrap_or(0);
    let violations: Vec<&serde_json::Value> = result["violations"]
        .as_array()
        .ok_or_else(|| format!("axe-core returned no list of violations: {result}"))?
        .iter()
        .filter(|v| {
            !AXE_EXCEPTIONS
                .iter()
                .any(|(page, rule, _)| path.contains(page) && v["id"] == *rule)
        })
        .collect();
    if violations.is_empty() {
        println!("axe-core {AXE_VERSION}: {path} at {width} px wide: no violations");
        return Ok(());
    }
    panic!(
        "axe-core {AXE_VERSION} found {} accessibility violation(s) on {path} at {width} px wide \
         (rule sets {}; an exception needs an entry with its reason in AXE_EXCEPTIONS):\n{}",
        violations.len(),
        AXE_TAGS.join(", "),
        violations
            .iter()
            .map(|v| describe_violation(v))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// One violation as the failure message shows it: rule, impact, help, and its nodes.
fn describe_violation(v: &serde_json::Value) -> String {
    const SHOWN: usize = 8;
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("?").to_string();
    let nodes = v["nodes"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut out = format!(
        "- {} ({}): {}\n  {}\n  {} node(s):",
        text(&v["id"]),
        text(&v["impact"]),
        text(&v["help"]),
        text(&v["helpUrl"]),
        nodes.len()
    );
    for node in nodes.iter().take(SHOWN) {
        out.push_str(&format!(
            "\n  * {}\n      {}\n      {}",
            text(&node["target"]),
            text(&node["html"]),
            text(&node["summary"])
        ));
    }
    if nodes.len() > SHOWN {
        out.push_str(&format!("\n  * … and {} more", nodes.len() - SHOWN));
    }
    out
}

const PAGE_CHECKS: &str = r#"
const base = arguments[0];
const problems = [];
const lang = (document.documentElement.getAttribute('lang') || '').trim();
if (!lang) problems.push('<html> has no lang attribute');
const mains = document.querySelectorAll('main').length;
if (mains !== 1) problems.push(`${mains} <main> elements (expected exactly 1)`);
const h1 = document.querySelector('h1');
if (!h1 || !h1.textContent.trim()) problems.push('no non-empty <h1>');
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const rendered = el.getClientRects().length > 0;
  if (!rendered && el.type !== 'radio' && el.type !== 'checkbox') continue;
  const name = el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}[name="${el.name}"]`;
  const byFor = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
  const wrapping = el.closest('label');
  const aria = (el.getAttribute('aria-label') || '').trim();
  const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
    .some(id => { const t = document.getElementById(id); return t && t.textContent.trim(); });
  const text = (byFor && byFor.textContent.trim()) || (wrapping && wrapping.textContent.trim());
  if (!text && !aria && !labelledBy) problems.push(`form field ${name} has no label`);
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push(`<img src="${img.getAttribute('src')}"> has no alt`);
}
for (const r of performance.getEntriesByType('resource')) {
  if (!r.name.startsWith(base + '/')) problems.push(`resource from another origin: ${r.name}`);
}
// Text contrast, WCAG 2.2 AA (1.4.3): 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
const rgba = c => {
  const m = c.match(/^rgba?\(([^)]+)\)$/);
  if (!m) return null;
  const p = m[1].split(/[\s,/]+/).filter(Boolean).map(parseFloat);
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
};
const over = (top, bottom) => ({
  r: top.r * top.a + bottom.r * (1 - top.a),
  g: top.g * top.a + bottom.g * (1 - top.a),
  b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
const luminance = c => {
  const ch = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
};
// The colour behind an element: its own and its ancestors' backgrounds, composited over
// white; null when an image or gradient is in the way (then we cannot judge).
const backdrop = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage && cs.backgroundImage !== 'none') return null;
    const bg = rgba(cs.backgroundColor);
    if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
  }
  let colour = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) colour = over(layer, colour);
  return colour;
};
let lowContrast = 0;
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('svg') || el.closest('[hidden]')) continue;
  const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  if (!own) continue;
  const rect = el.getBoundingClientRect();
  if (rect.width <= 1 || rect.height <= 1) continue;
  const cs = getComputedStyle(el);
  if (cs.visibility !== 'visible' || el.matches(':disabled')) continue;
  const fg = rgba(cs.color), bg = backdrop(el);
  if (!fg || !bg) continue;
  const text = over(fg, bg);
  const [hi, lo] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
  const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
  if (ratio < needed && lowContrast++ < 5) {
    problems.push(`text contrast ${ratio.toFixed(2)}:1 (needs ${needed}:1) for "${own.slice(0, 30)}" in <${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}>: ${cs.color} on rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`);
  }
}
return problems;
"#;

/// What a browser test collects as it goes: usability problems (reported together at the
/// end) and the screenshots it saved.
pub struct Findings {
    pub base: String,
    pub problems: Vec<String>,
    pub shots: PathBuf,
    pub saved: Vec<PathBuf>,
}

impl Findings {
    /// Usability basics of the page the browser shows now (and its axe-core audit).
    pub async fn check(&mut self, client: &Client) {
        audit(client).await;
        self.problems
            .extend(page_problems(client, &self.base).await);
    }

    pub async fn shot(&mut self, client: &Client, name: &str) {
        let path = screenshot(client, &self.shots, name).await;
        self.saved.push(path);
    }

    /// The page at both widths: usability, axe-core, no horizontal overflow on a phone;
    /// saves `{name}-desktop.png` and `{name}-phone.png`, and leaves the window at desktop
    /// width.
    pub async fn both_widths(&mut self, client: &Client, name: &str) {
        for (size, label) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
            resize(client, size).await;
            if let Some(problem) = horizontal_overflow(client).await {
                self.problems
                    .push(format!("{name} at {}×{}: {problem}", size.0, size.1));
            }
            self.check(client).await;
            self.shot(client, &format!("{name}-{label}")).await;
        }
        resize(client, DESKTOP).await;
    }
}

/// Types `text` into the field matching `css`.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css, css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Sets a field's value by script (a date input's typing order depends on the locale).
pub async fn set_value(client: &Client, css: &str, value: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// Usability basics of the current page; returns what is wrong (empty when all is well).
pub async fn page_problems(client: &Client, base: &str) -> Vec<String> {
    let result = client
        .execute(PAGE_CHECKS, vec![serde_json::json!(base)])
        .await
        .expect("run the page checks script");
    let url = client
        .current_url()
        .await
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    result
        .as_array()
        .expect("the page checks return a list")
        .iter()
        .map(|p| format!("{url}: {}", p.as_str().unwrap_or("?")))
        .collect()
}

const OVERFLOW: &str = r#"
const root = document.documentElement;
const width = window.innerWidth;
const offenders = [];
const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
  const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
  return false; };
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.right > width + 1 && !scrolls(el)) {
    const id = el.id ? `#${el.id}` : '';
    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
    offenders.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(r.right)}px)`);
  }
}
return { scrollWidth: root.scrollWidth, innerWidth: width, offenders: offenders.slice(0, 8) };
"#;

/// Horizontal page overflow of the current page: `None` when the page fits its window.
pub async fn horizontal_overflow(client: &Client) -> Option<String> {
    let result = client
        .execute(OVERFLOW, vec![])
        .await
        .expect("run the overflow script");
    let scroll = result["scrollWidth"].as_f64().expect("scrollWidth");
    let inner = result["innerWidth"].as_f64().expect("innerWidth");
    (scroll > inner + 1.0).then(|| {
        format!(
            "the page is {scroll}px wide in a {inner}px window; too wide: {}",
            result["offenders"]
        )
    })
}

/// The folder screenshots go to: `target/screenshots` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir.canonicalize().unwrap_or(dir)
}

/// Saves a PNG of the window and prints its path.
pub async fn screenshot(client: &Client, dir: &Path, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("take a screenshot");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    println!("screenshot: {}", path.display());
    path
}

/// Signs in through the login form, typing into the labelled fields, and waits for the
/// header's sign-out form (it appears only once signed in).
#[allow(dead_code)] // Not every test binary that includes this module signs in this way.
pub async fn sign_in(client: &Client, base: &str, username: &str, password: &str) {
    open(client, base, "/login").await;
    field_labelled(client, "Username")
        .await
        .send_keys(username)
        .await
        .expect("type the username");
    field_labelled(client, "Password")
        .await
        .send_keys(password)
        .await
        .expect("type the password");
    let button = client
        .find(Locator::XPath(
            "//main//form//button[normalize-space()='Sign in']",
        ))
        .await
        .expect("the login form has a \"Sign in\" button");
    click_and_load(client, &button, "\"Sign in\"").await;
    wait_for(client, "form.who", &format!("{username} to be signed in")).await;
}

/// Clicks an element that leads to a new page, and waits (up to [`WAIT`]) until the new
/// document has replaced the old one and has its `<h1>`.
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub async fn click_and_load(client: &Client, element: &Element, what: &str) {
    click_and_wait(client, element, what).await;
    audit(client).await;
}

/// [`click_and_load`] without the audit of the new page: for loops that go through many
/// pages of one kind after auditing the first. Waiting for an `<h1>` alone would find the
/// old page's and race the navigation.
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub async fn click_and_wait(client: &Client, element: &Element, what: &str) {
    client
        .execute("window.__ownpaceOldPage = true", vec![])
        .await
        .expect("mark the current page");
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what}: {e}"));
    let started = Instant::now();
    loop {
        // While the new page loads, scripts may fail: keep polling.
        let loaded = client
            .execute(
                "return window.__ownpaceOldPage !== true && document.readyState !== 'loading' \
                 && document.querySelector('h1') !== null",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if loaded {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "clicking {what} did not load a new page within {WAIT:?}\n{}",
            where_am_i(client).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Presses and releases Tab once, as a keyboard user would (focus moves from wherever it is).
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub async fn press_tab(client: &Client) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    use fantoccini::key::Key;
    let tab = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down {
            value: Key::Tab.into(),
        })
        .then(KeyAction::Up {
            value: Key::Tab.into(),
        });
    client.perform_actions(tab).await.expect("press Tab");
}

/// Sets the window size and waits until the page's viewport has taken it (within 20 px of
/// `width`, for scroll bars and window decorations).
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub async fn resize(client: &Client, (width, height): (u32, u32)) {
    client
        .set_window_size(width, height)
        .await
        .unwrap_or_else(|e| panic!("resize the window to {width}×{height}: {e}"));
    let started = Instant::now();
    loop {
        let inner = client
            .execute("return window.innerWidth", vec![])
            .await
            .expect("read window.innerWidth")
            .as_f64()
            .expect("innerWidth is a number");
        if (inner - f64::from(width)).abs() <= 20.0 {
            audit(client).await;
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "the window is {inner}px wide inside, not about {width}px: the resize did not take"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
