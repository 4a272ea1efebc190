// Passkeys: registration and sign-in through WebAuthn (navigator.credentials), JSON to and from /mfa/passkeys/….
(() => {
  "use strict";
  const toBytes = (value) => {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
  };
  const toText = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  const post = async (url, csrf, body) => {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "The server refused the request. Try again.");
    return data;
  };

  const credentialJSON = (credential) => {
    const r = credential.response;
    const response = {clientDataJSON: toText(r.clientDataJSON)};
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return {id: credential.id, rawId: toText(credential.rawId), type: credential.type, response,
            clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}};
  };

  const showError = (button, error) => {
    const box = button.parentElement.querySelector("[data-passkey-error]");
    const text = error && error.name === "NotAllowedError" ? "The passkey request was cancelled or timed out." : String(error.message || error);
    if (box) { box.textContent = text; box.classList.remove("d-none"); }
    button.disabled = false;
  };

  const register = async (button) => {
    const options = await post(button.dataset.optionsUrl, button.dataset.csrf);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.create({publicKey: options});
    const nameInput = document.querySelector("[data-passkey-name]");
    return post(button.dataset.verifyUrl, button.dataset.csrf,
                {credential: credentialJSON(credential), name: nameInput ? nameInput.value : ""});
  };

  const signIn = async (button) => {
    const options = await post(button.dataset.optionsUrl, button.dataset.csrf);
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.get({publicKey: options});
    return post(button.dataset.verifyUrl, button.dataset.csrf, {credential: credentialJSON(credential)});
  };

  const wire = (selector, action) => {
    document.querySelectorAll(selector).forEach((button) => {
      if (!window.PublicKeyCredential) {
        showError(button, new Error("This browser does not support passkeys."));
        button.disabled = true;
        return;
      }
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const result = await action(button);
          window.location.assign(result.redirect);
        } catch (error) {
          showError(button, error);
        }
      });
    });
  };
  wire("[data-passkey-register]", register);
  wire("[data-passkey-signin]", signIn);
})();
