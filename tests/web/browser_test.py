#!/usr/bin/env python3
"""ccmux's web view in a real Chromium, driven by Playwright (run by `tests/web.rs`).

The server runs (`ccmux serve`) with two sessions: `web-bash` (bash) and `web-claude` (the Claude
Code fixture). This script logs in with the one-time URL `ccmux web` printed, and checks what a
user would: both sessions show; keys typed in the bash tile run a command; the Interrupt button
stops `sleep 100`; a dialog's choice button answers it; the login URL does not work twice; a page
from another origin can neither open the WebSocket nor change anything; one column in a narrow
window; a new session from the page; and a flood leaves the tab responsive. It saves a screenshot
and prints how many bytes a second the page received while a session flooded.

The token (for the few checks made behind the page's back) comes in CCMUX_TEST_TOKEN, never argv.
"""
import argparse, http.server, json, os, sys, tempfile, threading, time, urllib.request
from playwright.sync_api import sync_playwright, expect

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000
# Bytes one flood writes: enough to last seconds, so the page's share can be measured.
FLOOD_BYTES = 8 * 1024 * 1024

args = None


def api(method, path, body=None):
    """A request with the token, as a program (not the page) makes it."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(args.base + path, data=data, method=method, headers={
        "authorization": "Bearer " + os.environ["CCMUX_TEST_TOKEN"],
        "content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def sessions():
    return {s["task_id"]: s for s in api("GET", "/api/v1/sessions")[1]["sessions"]}


def screen_text(task):
    sid = sessions()[task]["session_id"]
    return "\n".join(api("GET", f"/api/v1/sessions/{sid}/screen")[1]["lines"])


def wait_until(what, check, timeout=30):
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


def step(text):
    print("ok:", text, flush=True)


def tile(page, task):
    return page.locator(f'section.tile[data-task="{task}"]')


def type_into(page, task, text):
    tile(page, task).locator(".screen").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def launch(p):
    # launch() gives every run a fresh, temporary user-data-dir.
    return p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)


def log_in_and_see_two_sessions(page):
    page.goto(args.login)
    expect(tile(page, "web-bash")).to_be_visible(timeout=WAIT_MS)
    expect(tile(page, "web-claude")).to_be_visible(timeout=WAIT_MS)
    assert "#" not in page.url and "login" not in page.url, "the code left the address bar: " + page.url
    expect(tile(page, "web-bash").locator(".screen")).to_contain_text("ccmux-test$", timeout=WAIT_MS)
    expect(tile(page, "web-claude").locator(".screen")).to_contain_text("Claude Code", timeout=WAIT_MS)
    step("logged in with the one-time URL; both sessions show with their screens")


def type_a_command(page):
    type_into(page, "web-bash", "echo hi-$((6*7))")
    expect(tile(page, "web-bash").locator(".screen .row", has_text="hi-42")).to_have_count(1, timeout=WAIT_MS)
    step("typed `echo hi-$((6*7))` into the bash tile and saw hi-42")


def page_matches_server(page, task):
    """Every row the page draws for `task` is the server's row: no change was lost."""
    sid = sessions()[task]["session_id"]

    def same():
        drawn = tile(page, task).locator(".screen .row").evaluate_all("rows => rows.map(r => r.textContent)")
        lines = api("GET", f"/api/v1/sessions/{sid}/screen")[1]["lines"]
        return [r.rstrip() for r in drawn] == [l.rstrip() for l in lines], drawn, lines

    try:
        wait_until(f"the page to show {task}'s screen as the server has it", lambda: same()[0], timeout=10)
    except AssertionError:
        _, drawn, lines = same()
        raise AssertionError(f"{task}: page rows {drawn!r} != server lines {lines!r}")


def styles_selection_and_paste(page):
    bash = tile(page, "web-bash")
    type_into(page, "web-bash",
              r"printf '\e[1;31mRED\e[0m \e[4mUND\e[0m \e[7mINV\e[0m \xe6\xbc\xa2\xe5\xad\x97 end-%d\n' 7")
    expect(bash.locator(".screen .row", has_text="end-7")).to_have_count(1, timeout=WAIT_MS)
    red = bash.locator(".screen span", has_text="RED").last
    expect(red).to_have_class("b")
    expect(red).to_have_css("color", "rgb(205, 49, 49)")
    expect(bash.locator(".screen span.u", has_text="UND").last).to_be_visible()
    inverse = bash.locator(".screen span", has_text="INV").last
    expect(inverse).to_have_css("background-color", "rgb(229, 229, 229)")
    wide = bash.locator(".screen span.w", has_text="漢").last
    box, narrow = wide.bounding_box(), page.locator("#measure").bounding_box()
    assert abs(box["width"] - narrow["width"] / 5) < 1.5, (box, narrow)
    expect(bash.locator(".screen .cursor")).to_be_visible()
    page_matches_server(page, "web-bash")
    step("colours, bold, underline, inverse, a two-cell wide character and the cursor show")
    row = bash.locator(".screen .row", has_text="hi-42").first
    selected = row.evaluate("""row => {
        const range = document.createRange();
        range.selectNodeContents(row);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return selection.toString();
    }""")
    assert selected.strip() == "hi-42", repr(selected)
    page.evaluate("window.getSelection().removeAllRanges()")
    step("the screen is real text: selecting a row selects `hi-42`")
    bash.locator(".screen").click()
    page.evaluate("""text => {
        const data = new DataTransfer();
        data.setData('text/plain', text);
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
    }""", "echo pasted-$((2*3))")
    page.keyboard.press("Enter")
    expect(bash.locator(".screen .row", has_text="pasted-6")).to_have_count(1, timeout=WAIT_MS)
    step("a paste reached the focused session")


def interrupt_sleep(page, other_origin):
    type_into(page, "web-bash", "sleep 100")
    expect(tile(page, "web-bash")).to_have_attribute("data-state", "busy", timeout=WAIT_MS)
    # Another origin tries first: the WebSocket, and an interrupt that would end the sleep.
    evil = page.context.new_page()
    evil.goto(other_origin)
    evil.wait_for_function("window.done === true", timeout=WAIT_MS)
    result = evil.evaluate("window.result")
    assert result["ws"] == "refused", result
    assert result["typed"] is False, result
    assert result["read"] == "blocked", result
    evil.close()
    time.sleep(1)
    assert sessions()["web-bash"]["state"] == "busy", "the other origin's interrupt was taken"
    assert "evil" not in sessions(), "the other origin created a session"
    assert "evil-was-here" not in screen_text("web-bash")
    step("a page from another origin could not open the WebSocket, read, or interrupt")
    tile(page, "web-bash").get_by_role("button", name="Interrupt").click()
    expect(tile(page, "web-bash")).not_to_have_attribute("data-state", "busy", timeout=WAIT_MS)
    expect(tile(page, "web-bash").locator(".screen")).to_contain_text("^C", timeout=WAIT_MS)
    step("the Interrupt button stopped `sleep 100`")


def answer_dialog(page):
    type_into(page, "web-claude", "please ask permission")
    claude = tile(page, "web-claude")
    expect(claude).to_have_attribute("data-state", "waiting_input", timeout=WAIT_MS)
    yes = claude.locator("button.choice", has_text="1. Yes")
    expect(yes).to_be_visible(timeout=WAIT_MS)
    expect(claude.locator("button.choice")).to_have_count(4)
    screenshot(page)
    yes.click()
    expect(claude.locator(".screen")).to_contain_text("Ran 1 shell command", timeout=WAIT_MS)
    expect(claude.locator("button.choice")).to_have_count(0, timeout=WAIT_MS)
    assert os.path.exists(os.path.join(args.workdir, "created_by_tool.txt"))
    step("answered the fixture's dialog with its `1. Yes` button")


def screenshot(page):
    path = os.path.join(args.artifacts, "web-grid.png")
    page.screenshot(path=path)
    extra = os.environ.get("CCMUX_WEB_SCREENSHOT")
    if extra:
        page.screenshot(path=extra)
    step("screenshot of the grid: " + path)


def narrow_window_is_one_column(page):
    page.set_viewport_size({"width": 480, "height": 900})
    page.wait_for_timeout(300)
    xs = {round(b["x"]) for b in (t.bounding_box() for t in page.locator("section.tile").all())}
    assert len(xs) == 1, f"tiles in {len(xs)} columns at 480 px"
    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_timeout(300)
    xs = {round(b["x"]) for b in (t.bounding_box() for t in page.locator("section.tile").all())}
    assert len(xs) > 1, "a wide window has more than one column"
    step("one column in a narrow window, more in a wide one")


def new_session(page):
    page.get_by_role("button", name="New session").click()
    page.locator("#new-form input[name=task]").fill("web-new")
    page.locator("#new-form input[name=command]").fill("bash --norc --noprofile -i")
    page.get_by_role("button", name="Start").click()
    expect(tile(page, "web-new")).to_be_visible(timeout=WAIT_MS)
    expect(tile(page, "web-new")).to_have_class("tile focused", timeout=WAIT_MS)
    page.keyboard.type("echo new-$((40+2))")
    page.keyboard.press("Enter")
    expect(tile(page, "web-new").locator(".screen")).to_contain_text("new-42", timeout=WAIT_MS)
    step("started a session from the page and typed into it")


def flood_script(name):
    # Numbered lines, so every row of a scrolled screen differs from the row it replaced and
    # the page is sent whole screens, not just the cursor moving.
    return ("import os, time\n"
            f"left, n = {FLOOD_BYTES}, 0\nstart = time.time()\n"
            "while left > 0:\n"
            "    chunk = b''.join(b'%09d %s\\n' % (i, b'x' * 49) for i in range(n, n + 100))\n"
            "    os.write(1, chunk)\n    left -= len(chunk)\n    n += 100\n"
            f"open('{name}', 'w').write(str(time.time() - start))\n")


def run_flood(task):
    """Floods a new session with FLOOD_BYTES; returns its start time and the result file."""
    result = os.path.join(args.workdir, task + ".secs")
    status, info = api("POST", "/api/v1/sessions", {
        "task_id": task, "project_path": args.workdir, "profile": "generic",
        "command": ["python3", "-c", flood_script(result)]})
    assert status == 201, info
    return result


def flood_seconds(result):
    wait_until("the flood to end", lambda: os.path.exists(result) and open(result).read(), timeout=300)
    return float(open(result).read())


def flood(page, baseline_secs):
    stats = lambda: page.evaluate("({...window.ccmuxStats})")
    before, t0 = stats(), time.time()
    result = run_flood("web-flood")
    expect(tile(page, "web-flood")).to_be_visible(timeout=WAIT_MS)
    # While it floods, the tab must keep answering and keys must keep working elsewhere.
    slowest = 0.0
    type_into(page, "web-bash", "echo alive-$((1+1))")
    while not (os.path.exists(result) and open(result).read()):
        t = time.time()
        page.evaluate("1 + 1")
        slowest = max(slowest, time.time() - t)
        time.sleep(0.2)
        if time.time() - t0 > 300:
            raise AssertionError("the flood never ended")
    t1, after = time.time(), stats()
    expect(tile(page, "web-bash").locator(".screen")).to_contain_text("alive-2", timeout=WAIT_MS)
    secs = flood_seconds(result)
    received = after["bytes"] - before["bytes"]
    frames = after["frames"] - before["frames"]
    rate = received / (t1 - t0)
    print(f"flood: {FLOOD_BYTES / 2**20:.0f} MiB in {secs:.2f} s with the page showing it "
          f"({FLOOD_BYTES / secs / 2**20:.1f} MiB/s); {baseline_secs:.2f} s with no page "
          f"({FLOOD_BYTES / baseline_secs / 2**20:.1f} MiB/s)", flush=True)
    print(f"flood: the page received {received} bytes in {t1 - t0:.2f} s = {rate / 1024:.1f} KiB/s "
          f"in {frames} frames ({frames / (t1 - t0):.1f} frames/s); slowest page round trip "
          f"{slowest * 1000:.0f} ms", flush=True)
    assert received < FLOOD_BYTES / 4, "the page was sent the flood's bytes, not frames"
    for task in ("web-bash", "web-flood", "web-new"):
        page_matches_server(page, task)
    step("the tab stayed responsive through the flood, and keys reached another session; "
         "the page shows every screen as the server has it")


def login_code_works_once(browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(args.login)
    expect(page.locator("#message")).to_contain_text("Login failed", timeout=WAIT_MS)
    expect(page.locator("section.tile")).to_have_count(0)
    context.close()
    step("the login URL did not work a second time")


EVIL_PAGE = """<!doctype html><meta charset=utf-8><title>another origin</title><script>
window.result = {ws: 'pending', typed: false, read: 'pending'};
const target = '%(base)s';
const ws = new WebSocket(target.replace('http', 'ws') + '/ws/web');
ws.onopen = () => {
  window.result.ws = 'open';
  ws.send(JSON.stringify({type: 'key', session: %(bash)d, key: {key: 'x'}}));
  window.result.typed = true;
};
ws.onclose = () => { if (window.result.ws === 'pending') window.result.ws = 'refused'; finish(); };
fetch(target + '/api/v1/sessions/%(bash)d/interrupt', {method: 'POST', mode: 'no-cors', credentials: 'include'});
fetch(target + '/api/v1/sessions', {method: 'POST', mode: 'no-cors', credentials: 'include',
  body: JSON.stringify({task_id: 'evil', command: ['true']})});
fetch(target + '/api/v1/sessions', {credentials: 'include'})
  .then(() => { window.result.read = 'read'; }, () => { window.result.read = 'blocked'; })
  .finally(finish);
function finish() {
  if (window.result.ws !== 'pending' && window.result.read !== 'pending') window.done = true;
}
</script>"""


def serve_other_origin(bash_id):
    """A page on another port of 127.0.0.1: the same site as ccmux, another origin."""
    body = (EVIL_PAGE % {"base": args.base, "bash": bash_id}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main():
    global args
    parser = argparse.ArgumentParser()
    for name in ("--base", "--login", "--artifacts", "--workdir"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    other, other_origin = serve_other_origin(sessions()["web-bash"]["session_id"])
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        log_in_and_see_two_sessions(page)
        login_code_works_once(browser)
        # A flood with no page open, to compare with the one the page shows; the browser
        # session (the cookie) outlives the page.
        page.close()
        t = time.time()
        baseline = flood_seconds(run_flood("web-flood-alone"))
        print(f"flood with no page: {time.time() - t:.1f} s from start to end", flush=True)
        page = context.new_page()
        page.on("console", lambda m: print("page console:", m.text) if m.type == "error" else None)
        page.goto(args.base + "/")
        expect(tile(page, "web-bash").locator(".screen")).to_contain_text("ccmux-test$", timeout=WAIT_MS)
        step("a new tab of the logged-in browser needs no new login")
        type_a_command(page)
        styles_selection_and_paste(page)
        interrupt_sleep(page, other_origin)
        narrow_window_is_one_column(page)
        new_session(page)
        flood(page, baseline)
        answer_dialog(page)
        browser.close()
    other.shutdown()
    print("all browser checks passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print("FAILED:", repr(e), flush=True)
        raise
