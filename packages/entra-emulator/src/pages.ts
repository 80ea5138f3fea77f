import { escapeHtml as e } from "./http.js";

const STYLE = `body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}p{line-height:1.4}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:15px}
button{margin-top:24px;padding:6px 20px;font-size:15px;border:0;background:#0067b8;color:#fff;cursor:pointer}
button.secondary{background:#ccc;color:#000;margin-right:8px}.error{color:#e81123}.badge{color:#666;font-size:12px}
ul{padding-left:20px}`;

/** Wraps page content in the emulator's sign-in chrome. Every interpolated value must already be escaped. */
export function page(title: string, content: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${STYLE}</style></head><body><main>
<div class="badge">Microsoft Entra ID (emulator)</div>${content}</main></body></html>`;
}

function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join("");
}

export function signInPage(o: {
  action: string;
  txn: string;
  appName: string;
  username?: string;
  error?: string;
}): string {
  return page(
    "Sign in to your account",
    `<h1>Sign in</h1><p>to continue to <b>${e(o.appName)}</b></p>
${o.error ? `<p class="error" role="alert">${e(o.error)}</p>` : ""}
<form method="post" action="${e(o.action)}">${hidden({ txn: o.txn })}
<label for="login">Email or phone</label><input type="email" id="login" name="login" autocomplete="username" value="${e(o.username ?? "")}" required>
<label for="passwd">Password</label><input type="password" id="passwd" name="passwd" autocomplete="current-password" required>
<button type="submit" id="idSIButton9">Sign in</button></form>`,
  );
}

export function accountPickerPage(o: { action: string; txn: string; username: string }): string {
  return page(
    "Pick an account",
    `<h1>Pick an account</h1>
<form method="post" action="${e(o.action)}">${hidden({ txn: o.txn, action: "continue" })}
<button type="submit" id="continueAs">Continue as ${e(o.username)}</button></form>
<form method="post" action="${e(o.action)}">${hidden({ txn: o.txn, action: "other" })}
<button type="submit" class="secondary" id="otherAccount">Use another account</button></form>`,
  );
}

export function mfaPage(o: { action: string; txn: string; username: string }): string {
  return page(
    "Approve sign in request",
    `<h1>Approve sign in request</h1><p>${e(o.username)} needs multi-factor authentication. The emulator stands in for the authenticator app.</p>
<form method="post" action="${e(o.action)}">${hidden({ txn: o.txn, approve: "yes" })}
<button type="submit" id="approveMfa">Approve</button></form>`,
  );
}

export function consentPage(o: {
  action: string;
  txn: string;
  appName: string;
  scopes: string[];
  title: string;
  question: string;
}): string {
  const list = o.scopes.map((s) => `<li>${e(s)}</li>`).join("");
  return page(
    o.title,
    `<h1>${e(o.title)}</h1><p>${e(o.question)}</p><p><b>${e(o.appName)}</b></p>${list ? `<ul>${list}</ul>` : ""}
<form method="post" action="${e(o.action)}">${hidden({ txn: o.txn, accept: "no" })}
<button type="submit" class="secondary" id="cancel">Cancel</button></form>
<form method="post" action="${e(o.action)}">${hidden({ txn: o.txn, accept: "yes" })}
<button type="submit" id="accept">Accept</button></form>`,
  );
}

export function messagePage(title: string, message: string, error = false): string {
  return page(title, `<h1>${e(title)}</h1><p${error ? ' class="error"' : ""}>${e(message)}</p>`);
}

/** The `response_mode=form_post` answer: a form that the browser submits to the redirect URI by itself. */
export function formPostPage(redirectUri: string, fields: Record<string, string>): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Working...</title></head>
<body onload="document.forms[0].submit()"><form method="POST" name="hiddenform" action="${e(redirectUri)}">${hidden(fields)}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form></body></html>`;
}

export function deviceCodeEntryPage(o: { action: string; error?: string }): string {
  return page(
    "Enter code",
    `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>
${o.error ? `<p class="error" role="alert">${e(o.error)}</p>` : ""}
<form method="post" action="${e(o.action)}"><label for="otc">Code</label>
<input type="text" id="otc" name="otc" autocomplete="off" required><button type="submit" id="idSIButton9">Next</button></form>`,
  );
}
