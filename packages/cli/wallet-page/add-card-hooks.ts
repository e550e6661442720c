import { describeStep, type AddCardHooks } from '@domicile/device/browser';
import { byId, field, nextSubmit } from './page-elements.js';

/**
 * The user's part in adding a card, as panels of the page: the issuer's terms to accept, the
 * choice of where the one-time code goes, the code itself. Each panel shows, takes the focus,
 * waits for the user and hides again; the code field is emptied as soon as it has been read.
 */
export function pageHooks(): AddCardHooks {
  return {
    async acceptTerms(terms, context) {
      const panel = byId('terms', HTMLFormElement);
      byId('terms-text', HTMLPreElement).textContent = terms.text;
      byId('terms-region', HTMLSpanElement).textContent = context.region;
      panel.hidden = false;
      byId('terms-text', HTMLPreElement).focus();
      const accepted = await new Promise<boolean>((resolve) => {
        const accept = byId('terms-accept', HTMLButtonElement);
        const decline = byId('terms-decline', HTMLButtonElement);
        accept.onclick = () => resolve(true);
        decline.onclick = () => resolve(false);
      });
      panel.hidden = true;
      return accepted;
    },
    async chooseIdvMethod(methods) {
      const form = byId('idv-form', HTMLFormElement);
      const list = byId('idv-methods', HTMLDivElement);
      list.replaceChildren(
        ...methods.map((method, i) => {
          const label = document.createElement('label');
          const radio = document.createElement('input');
          radio.type = 'radio';
          radio.name = 'method';
          radio.value = method.id;
          radio.required = true;
          radio.checked = i === 0;
          label.append(radio, ` ${method.kind} to ${method.target}`);
          return label;
        }),
      );
      form.hidden = false;
      list.querySelector('input')?.focus();
      const data = await nextSubmit(form);
      form.hidden = true;
      return field(data, 'method');
    },
    async readOtp(context) {
      const form = byId('otp-form', HTMLFormElement);
      const input = byId('otp-code', HTMLInputElement);
      byId('otp-hint', HTMLParagraphElement).textContent =
        context.attempt === 1
          ? `${context.region} sent a code by ${context.method.kind} to ${context.method.target}.`
          : `Wrong code; ${context.triesLeft ?? 'a few'} tries left. Enter the new code.`;
      form.hidden = false;
      input.focus();
      const code = field(await nextSubmit(form), 'code');
      form.reset();
      form.hidden = true;
      return code;
    },
    onStep(event) {
      const item = document.createElement('li');
      item.textContent = describeStep(event);
      byId('steps', HTMLOListElement).append(item);
    },
  };
}
