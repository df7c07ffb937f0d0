"""The README's screenshots of the board on the demo day, in English and Dutch, 1280 px and 390 px
wide: docs/board-en-1280.png, docs/board-en-390.png, docs/board-nl-1280.png, docs/board-nl-390.png,
taken with Playwright and Debian's Chromium (the language as a browser asks for it, Accept-Language).

    python -m scripts.bench.screenshots [--page /races/okt-2017/women-1000m] [--out docs]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from ledger.bootstrap import build_app
from ledger.store.personal import MASTER_KEY_ENV, make_master_key
from scripts.board.app import server
from scripts.demo import okt2017

CHROMIUM = "/usr/bin/chromium"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.screenshots", description=__doc__)
    parser.add_argument("--page", default="/races/okt-2017/women-1000m")
    parser.add_argument("--out", default="docs", type=Path)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="skate-shots-") as folder:
        if not os.environ.get(MASTER_KEY_ENV):  # the demo's home towns are sealed (decision 0029)
            make_master_key(Path(folder) / "okt-2017.master-key")
            os.environ[MASTER_KEY_ENV] = str(Path(folder) / "okt-2017.master-key")
        app = build_app(str(Path(folder) / "okt-2017.db"))
        okt2017.load(app)
        board = server(app, port=0)
        thread = threading.Thread(target=board.run, daemon=True)
        thread.start()
        while not board.started:
            time.sleep(0.01)
        url = f"http://127.0.0.1:{board.servers[0].sockets[0].getsockname()[1]}{args.page}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
                for lang in ("en", "nl"):
                    for (width, height), scale in (((1280, 900), 1), ((390, 844), 2)):
                        name = f"board-{lang}-{width}.png"
                        page = browser.new_page(viewport={"width": width, "height": height},
                                                device_scale_factor=scale, locale=lang,
                                                is_mobile=width < 600)
                        page.goto(url)
                        page.wait_for_function("() => document.getElementById('live').dataset.lastEventId")
                        page.screenshot(path=str(args.out / name))
                        print(args.out / name)
                        page.close()
                browser.close()
        finally:
            board.should_exit = True
            thread.join(10)
            app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
