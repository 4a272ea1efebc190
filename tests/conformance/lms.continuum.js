/*
    ADL cmi5 LMS Test Suite adapter for Continuum (modelled on lts/lib/lms.template.js, Apache-2.0).

    Drives Continuum's automation API (/packages/api, the LRS administrator credential) and reads
    statements from its embedded LRS (/xapi). Configured by the environment:
        CONTINUUM_URL          the app's origin, e.g. http://127.0.0.1:5015
        XAPI_ADMIN_KEY         the LRS administrator key
        XAPI_ADMIN_SECRET      and its secret
    `make conformance` copies this file into the suite's lib/ and sets CATAPULT_LMS to it.
*/
const Wreck = require("@hapi/wreck"),
    {InvalidPackageError} = require("./errors"),
    _cleanup = {courses: []};
let api, baseUrl, authHeader;

const describeFailure = (ex) => {
    if (ex.isBoom && ex.data) {
        const payload = ex.data.payload;
        if (payload && typeof payload === "object") {
            return `${ex.output.statusCode} ${payload.message || payload.error || JSON.stringify(payload)}`;
        }
        return `${ex.output.statusCode} ${payload}`;
    }
    return `${ex}`;
};

module.exports = {
    setup: async () => {
        baseUrl = (process.env.CONTINUUM_URL || "http://127.0.0.1:5015").replace(/\/$/, "");
        const key = process.env.XAPI_ADMIN_KEY,
            secret = process.env.XAPI_ADMIN_SECRET;
        if (! key || ! secret) {
            throw new Error("XAPI_ADMIN_KEY and XAPI_ADMIN_SECRET must be set");
        }
        authHeader = `Basic ${Buffer.from(`${key}:${secret}`).toString("base64")}`;
        api = Wreck.defaults({baseUrl: `${baseUrl}/packages/api/`, headers: {Authorization: authHeader}, json: true});
    },

    teardown: async () => {},

    getLrsEndpoint: () => `${baseUrl}/xapi`,

    getLrsAuthHeader: () => authHeader,

    importCourse: async (stream, contentType, filename) => {
        let result;
        try {
            result = await api.post("courses", {headers: {"Content-Type": contentType, "X-Filename": filename}, payload: stream});
        }
        catch (ex) {
            if (ex.isBoom && ex.output.statusCode === 400 && ex.data && ex.data.payload && ex.data.payload.message) {
                throw new InvalidPackageError(`Invalid package (${ex.data.payload.violatedReqId}): ${ex.data.payload.message}`);
            }
            throw new Error(`Failed import request: ${describeFailure(ex)}`);
        }
        _cleanup.courses.push(result.payload.id);
        return result.payload.id;
    },

    getLaunchUrl: async (courseId, auIndex, actor, {registration, launchMode} = {}) => {
        try {
            const result = await api.post(`courses/${courseId}/launch-url/${auIndex}`, {
                payload: {actor, registration, launchMode}
            });
            return result.payload.url;
        }
        catch (ex) {
            throw new Error(`Failed get launch URL request: ${describeFailure(ex)}`);
        }
    },

    cleanup: async () => {
        while (_cleanup.courses.length > 0) {
            const courseId = _cleanup.courses.pop();
            try {
                await api.delete(`courses/${courseId}`);
            }
            catch (ex) {
                console.log(`Failed to delete course ${courseId}: ${describeFailure(ex)}`);
            }
        }
    },

    hasWaive: () => true,
    waiveAU: async (registration, auIndex, reason) => {
        try {
            await api.post(`registrations/${registration}/waive/${auIndex}`, {payload: {reason}});
        }
        catch (ex) {
            throw new Error(`Failed waive AU request: ${describeFailure(ex)}`);
        }
    },

    hasAbandon: () => true,
    abandonSession: async (sessionId) => {
        try {
            await api.post(`sessions/${sessionId}/abandon`, {payload: {}});
        }
        catch (ex) {
            throw new Error(`Failed abandon request: ${describeFailure(ex)}`);
        }
    }
};
