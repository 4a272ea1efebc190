"""`make conformance`: run ADL's cmi5 LMS Test Suite against Continuum and print its JUnit summary.

1. Copy the suite (../shared/conformance/cmi5/lts, or CMI5_LTS_DIR) to a build folder, install its
   npm dependencies there with the browser download switched off, and build its package library.
2. Serve Continuum on a loopback port with a fresh SQLite database and a one-off LRS credential.
3. Run the suite (jest + puppeteer on Debian's Chromium) with our adapter, lms.continuum.js.
4. Print the JUnit summary: every test case, then "N passed, N failed, N skipped"; exit non-zero on a failure.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable


def _suite_source() -> Path:
    candidates = [os.environ.get("CMI5_LTS_DIR"), ROOT.parent / "shared/conformance/cmi5/lts",
                  ROOT / "../shared/conformance/cmi5/lts", Path("/work/shared/conformance/cmi5/lts")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "package.json").exists():
            return Path(candidate).resolve()
    sys.exit("cmi5 LMS Test Suite not found: set CMI5_LTS_DIR to the lts/ folder")


def _run(cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def prepare(build: Path) -> Path:
    source = _suite_source()
    suite = build / "lts"
    stamp = suite / ".continuum-built"
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1", PUPPETEER_SKIP_CHROMIUM_DOWNLOAD="1",
               NODE_OPTIONS="--openssl-legacy-provider")
    if not stamp.exists():
        shutil.rmtree(suite, ignore_errors=True)
        shutil.copytree(source, suite, ignore=shutil.ignore_patterns("node_modules", "dist", "var"))
        for folder, _dirs, files in os.walk(suite):  # shared/ may be read-only: the copy must not be
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=suite, env=env)
        _run(["npx", "webpack"], cwd=suite / "pkg", env=env, stdout=subprocess.DEVNULL)
        stamp.write_text("built\n")
    shutil.copy(HERE / "lms.continuum.js", suite / "lib" / "lms.continuum.js")
    return suite


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(workdir: Path, key: str, secret: str) -> tuple[subprocess.Popen, str]:
    port = int(os.environ.get("CONFORMANCE_PORT") or _free_port())
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FLASK_APP="wsgi.py", DATABASE_URL=f"sqlite:///{workdir}/conformance.db",
               CONTINUUM_INSTANCE=str(workdir), UPLOAD_DIR=str(workdir / "uploads"), PUBLIC_URL=url,
               XAPI_ADMIN_KEY=key, XAPI_ADMIN_SECRET=secret, CONTINUUM_ENV="development", REDIS_URL="")
    _run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
         stderr=subprocess.DEVNULL)
    log = (workdir / "app.log").open("w")
    app = subprocess.Popen([PYTHON, "-m", "gunicorn", "-w", "2", "--threads", "4", "--preload", "-b", f"127.0.0.1:{port}",
                            "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/xapi/about", timeout=2).read()
            return app, url
        except OSError:
            time.sleep(0.2)
    app.terminate()
    sys.exit(f"Continuum did not start; see {workdir / 'app.log'}")


def summary(suite: Path, since: float) -> int:
    reports = [p for p in glob.glob(str(suite / "var" / "*.xml")) if os.path.getmtime(p) >= since]
    if not reports:
        print("No JUnit report was written.")
        return 1
    passed = failed = skipped = 0
    for report in reports:
        for case in ET.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname')}"
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                print(f"FAIL  {name}")
            elif case.find("skipped") is not None:
                skipped += 1
                print(f"SKIP  {name}")
            else:
                passed += 1
    print(f"\ncmi5 LMS Test Suite (JUnit {', '.join(Path(r).name for r in reports)}):")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed > 0 else 1


def main() -> int:
    build = Path(os.environ.get("CONFORMANCE_BUILD_DIR") or ROOT / ".conformance").resolve()
    build.mkdir(parents=True, exist_ok=True)
    suite = prepare(build)
    workdir = Path(tempfile.mkdtemp(prefix="continuum-cmi5-"))
    key, secret = "conformance", secrets.token_urlsafe(24)
    app, url = serve(workdir, key, secret)
    started = time.time()
    try:
        env = dict(os.environ, CATAPULT_LMS="./lib/lms.continuum.js", CONTINUUM_URL=url, XAPI_ADMIN_KEY=key,
                   XAPI_ADMIN_SECRET=secret, PUPPETEER_SKIP_DOWNLOAD="1",
                   PUPPETEER_EXECUTABLE_PATH=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                   JEST_PUPPETEER_CONFIG=str(HERE / "jest-puppeteer.config.js"))
        # The suite's tests run as written; only jest's per-test timeout is raised from 5 s, since this
        # machine's two cores are shared (a launch is import + browser + about ten LRS calls).
        args = ["npx", "jest", "--runInBand", "--testTimeout=30000", *sys.argv[1:]]
        print("+", " ".join(args), flush=True)
        subprocess.run(args, cwd=suite, env=env)
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=20)
    code = summary(suite, started)
    if code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"App log and database kept in {workdir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
