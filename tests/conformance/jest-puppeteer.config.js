// Continuum's launch settings for ADL's cmi5 LMS Test Suite: Debian's Chromium, headless, never a
// downloaded browser. (The suite's own config asks for devtools, which needs a display.)
module.exports = {
    launch: {
        headless: true,
        executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    }
};
