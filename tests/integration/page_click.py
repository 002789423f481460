#!/usr/bin/python3
"""page_click: a person's click on a page, in headless Chromium, for
test_monitor (the dashboard's retry button).

    page_click.py --chromium PATH --profile DIR --url URL --click SELECTOR
                  --wait SELECTOR [--timeout SECONDS]

Opens URL, waits until the element at --click exists, clicks it (its
click(): the page's own handler runs, as for a user's click), then waits until the element at --wait has text, and prints that
text. Chromium is driven over its DevTools pipe (--remote-debugging-pipe:
NUL-separated JSON on fds 3 and 4), so nothing listens on a port. Exits 1
with the reason (on stdout) when an element does not come within the
time-out.
"""
import argparse
import json
import os
import subprocess
import sys


class Browser:
    def __init__(self, chromium, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # Out of the way first: a pipe's own fd may be 3 or 4.
            r, w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile, "--remote-debugging-pipe",
             "about:blank"],
            preexec_fn=fds, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.buf = b""

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_child, 65536)
                if not chunk:
                    raise SystemExit("chromium closed its pipe")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\0", 1)
            answer = json.loads(line)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise SystemExit("%s: %s" % (method, answer["error"]))
                return answer["result"]

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


# Waits (polling the page) until sel exists, and for its text when text is
# true: the text, or an error thrown after ms.
WAIT = """(async () => {
  const end = Date.now() + %d;
  for (;;) {
    const e = document.querySelector(%s);
    if (e && (!%s || e.textContent)) return e.textContent;
    if (Date.now() > end) throw new Error("no " + %s + " on the page");
    await new Promise(r => setTimeout(r, 50));
  }
})()"""


def evaluate(b, session, expression):
    # The page still loading replaces the context it ran in: again then.
    for _ in range(100):
        try:
            r = b.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                            "returnByValue": True}, session)
            break
        except SystemExit as e:
            if "context was destroyed" not in str(e):
                raise
    else:
        raise SystemExit("the page never stopped loading")
    if "exceptionDetails" in r:
        raise SystemExit(r["exceptionDetails"].get("exception", {}).get("description", r))
    return r["result"].get("value")


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--chromium", "--profile", "--url", "--click", "--wait"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    ms = int(a.timeout * 1000)
    b = Browser(a.chromium, a.profile)
    try:
        target = b.call("Target.createTarget", {"url": a.url})["targetId"]
        session = b.call("Target.attachToTarget", {"targetId": target,
                                                   "flatten": True})["sessionId"]
        evaluate(b, session, WAIT % (ms, json.dumps(a.click), "false", json.dumps(a.click)))
        evaluate(b, session, "document.querySelector(%s).click()" % json.dumps(a.click))
        print(evaluate(b, session, WAIT % (ms, json.dumps(a.wait), "true",
                                           json.dumps(a.wait))))
    finally:
        b.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (SystemExit, OSError, subprocess.SubprocessError) as e:
        if isinstance(e, SystemExit) and e.code in (None, 0):
            raise
        print("page_click: %s" % e)   # on stdout: the test keeps only that
        sys.exit(1)
