"""A headless Debian Chromium driven through the Chrome DevTools Protocol, with the network
blocked and every request it makes recorded.

Why CDP over a websocket (websocket-client) rather than Selenium: the tests need exactly what
the protocol gives directly and what WebDriver hides or needs the same protocol for anyway:
every request the page makes (Network.requestWillBeSent, including file:// and data: ones), a
JavaScript dialog the moment it opens (Page.javascriptDialogOpening: an XSS alert), screenshots
and script evaluation, with no driver binary whose version must match the browser's.

    with Chromium() as browser:
        browser.open("file:///tmp/map.html")
        browser.evaluate("document.querySelectorAll('path').length")
        browser.screenshot("/tmp/map.png")
        browser.requests, browser.dialogs
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

BINARIES = ("chromium", "chromium-browser", "google-chrome")
# no network at all: every host resolves to nothing and a proxy no one listens on takes the rest
NETWORK_BLOCKED = ("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--allow-file-access-from-files")


def chromium_binary() -> str | None:
    return next((shutil.which(b) for b in BINARIES if shutil.which(b)), None)


class Chromium:
    def __init__(self, width: int = 1280, height: int = 900, block_network: bool = True,
                 timeout: float = 30.0):
        binary = chromium_binary()
        if binary is None:
            raise RuntimeError("no chromium: install Debian's chromium (scripts/setup.sh)")
        self.profile = Path(tempfile.mkdtemp(prefix="gisapp-chromium-"))
        self.timeout = timeout
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.exceptions: list[str] = []
        self._events: list[dict] = []
        self._next_id = 0
        args = [binary, *FLAGS, *(NETWORK_BLOCKED if block_network else ()),
                f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "about:blank"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        try:
            self._connect(width, height)
        except BaseException:
            self.close()
            raise

    # ---- connection --------------------------------------------------------------------------
    def _connect(self, width: int, height: int) -> None:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not port_file.is_file() or not port_file.read_text().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"],
                                                  timeout=self.timeout, suppress_origin=True)
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params) -> dict:
        self._next_id += 1
        message_id = self._next_id
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = self._receive(self.timeout)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _receive(self, timeout: float) -> dict:
        self.socket.settimeout(timeout)
        message = json.loads(self.socket.recv())
        method = message.get("method")
        if method == "Network.requestWillBeSent":
            self.requests.append(message["params"]["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(message["params"].get("message", ""))
            self.socket.send(json.dumps({"id": 10**9 + len(self.dialogs),
                                         "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": True}}))
        elif method == "Runtime.consoleAPICalled":
            self.console.append(" ".join(str(a.get("value", a.get("description", "")))
                                         for a in message["params"].get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = message["params"]["exceptionDetails"]
            self.exceptions.append(details.get("exception", {}).get("description")
                                   or details.get("text", ""))
        if method:
            self._events.append(message)
        return message

    def wait_for(self, method: str, timeout: float | None = None) -> dict:
        """The next event ``method`` (events already received count)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for k, event in enumerate(self._events):
                if event.get("method") == method:
                    del self._events[: k + 1]
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(method)
            try:
                self._receive(left)
            except websocket.WebSocketTimeoutException:
                raise TimeoutError(method) from None

    # ---- what the tests do ---------------------------------------------------------------------
    def open(self, url: str, timeout: float | None = None) -> float:
        """Load ``url`` and wait for its load event; returns the seconds it took."""
        self._events.clear()
        start = time.monotonic()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", timeout)
        return time.monotonic() - start

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def settle(self, seconds: float = 0.3) -> None:
        """Let the page run (and its events arrive) for a moment."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._receive(left)
            except websocket.WebSocketTimeoutException:
                break

    def screenshot(self, path: str | Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "socket", None) is not None:
                self.socket.close()
        finally:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
