/**
 * The wallet page: labelled controls in document order (the tab order), one section at a time,
 * a polite live region for what happens. Its script is the esbuild bundle of `wallet-page/`.
 */
export const WALLET_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Domicile wallet</title>
<link rel="stylesheet" href="/wallet.css">
<script type="module" src="/wallet-app.js"></script>
</head>
<body>
<main>
<h1>Domicile wallet</h1>
<p id="status" role="status" aria-live="polite"></p>

<section id="setup" hidden aria-labelledby="setup-title">
<h2 id="setup-title" tabindex="-1">Set up this wallet</h2>
<p>Keys are made in this browser and cannot be exported; the region directory is checked against the pinned authority key.</p>
<form id="setup-form">
<label for="home-region">Home region</label>
<select id="home-region" name="homeRegion" required></select>
<button type="submit">Create wallet</button>
</form>
</section>

<section id="register" hidden aria-labelledby="register-title">
<h2 id="register-title" tabindex="-1">Register</h2>
<form id="register-form">
<label for="user-name">Your name</label>
<input id="user-name" name="name" autocomplete="name" required maxlength="80">
<label for="user-email">E-mail</label>
<input id="user-email" name="email" type="email" autocomplete="email" required maxlength="120">
<button type="submit">Register</button>
</form>
</section>

<section id="wallet" hidden aria-labelledby="wallet-title">
<h2 id="wallet-title" tabindex="-1">Your cards</h2>
<p id="account"></p>
<p id="no-cards">No cards yet.</p>
<ul id="cards"></ul>

<h3>Add a card</h3>
<form id="card-form" autocomplete="off">
<label for="card-number">Card number</label>
<input id="card-number" name="pan" inputmode="numeric" autocomplete="off" required pattern="[0-9 \\-]{12,23}">
<label for="card-expiry-month">Expiry month (MM)</label>
<input id="card-expiry-month" name="expiryMonth" inputmode="numeric" autocomplete="off" required pattern="[0-9]{1,2}">
<label for="card-expiry-year">Expiry year (YYYY)</label>
<input id="card-expiry-year" name="expiryYear" inputmode="numeric" autocomplete="off" required pattern="[0-9]{2,4}">
<label for="card-cvv">Security code</label>
<input id="card-cvv" name="cvv" inputmode="numeric" autocomplete="off" required pattern="[0-9]{3,4}">
<label for="card-name">Name on card</label>
<input id="card-name" name="name" autocomplete="off" required maxlength="80">
<button type="submit">Add card</button>
</form>

<form id="terms" hidden aria-labelledby="terms-title">
<h3 id="terms-title">Terms of <span id="terms-region"></span></h3>
<pre id="terms-text" tabindex="0" aria-label="Terms text"></pre>
<button id="terms-accept" type="button">Accept terms</button>
<button id="terms-decline" type="button">Decline</button>
</form>

<form id="idv-form" hidden>
<fieldset>
<legend>Where should the one-time code go?</legend>
<div id="idv-methods"></div>
</fieldset>
<button type="submit">Send code</button>
</form>

<form id="otp-form" hidden>
<p id="otp-hint"></p>
<label for="otp-code">One-time code</label>
<input id="otp-code" name="code" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9]{6}">
<button type="submit">Verify code</button>
</form>

<h3>Progress</h3>
<ol id="steps" aria-live="polite"></ol>

<h3>Pay</h3>
<form id="pay-form">
<label for="pay-card">Card</label>
<select id="pay-card" name="card" required></select>
<label for="pay-amount">Amount</label>
<input id="pay-amount" name="amount" inputmode="decimal" required value="12.50" pattern="[0-9]{1,10}(\\.[0-9]{1,3})?">
<label for="pay-currency">Currency</label>
<input id="pay-currency" name="currency" required value="USD" pattern="[A-Za-z]{3}|[0-9]{3}">
<label for="pay-country">Terminal country</label>
<input id="pay-country" name="country" required value="US" pattern="[A-Za-z]{2}|[0-9]{3}">
<button type="submit">Pay</button>
</form>
<p id="decision" role="status" aria-live="polite"></p>

<h3>Notifications</h3>
<ol id="notifications" aria-live="polite"></ol>
</section>
</main>
</body>
</html>
`;

export const WALLET_PAGE_CSS = `
[hidden] { display: none !important; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; }
form { display: grid; gap: 0.35rem; background: #fff; padding: 1rem; border-radius: 0.5rem; margin: 0.5rem 0 1rem; }
label { font-weight: 600; }
input, select, button { font: inherit; padding: 0.4rem 0.6rem; border: 1px solid #8a93a6; border-radius: 0.3rem; }
button { background: #1f4fd1; color: #fff; border-color: #1f4fd1; cursor: pointer; justify-self: start; }
button:disabled { opacity: 0.6; }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
#status { min-height: 1.5rem; font-weight: 600; }
#cards { list-style: none; padding: 0; display: grid; gap: 0.75rem; }
.card { background: #fff; border-radius: 0.5rem; padding: 0.75rem; display: grid; gap: 0.4rem; }
.card img { width: 16rem; max-width: 100%; border-radius: 0.6rem; }
.card p { margin: 0; }
.card button { margin-right: 0.5rem; }
.card-suspended img { filter: grayscale(1); }
.card-deleted { opacity: 0.55; }
#terms-text { white-space: pre-wrap; max-height: 10rem; overflow: auto; background: #f4f5f7; padding: 0.5rem; }
#decision[data-approved="true"] { color: #116b2b; }
#decision[data-approved="false"] { color: #a1151b; }
ol { padding-left: 1.25rem; }
`;
